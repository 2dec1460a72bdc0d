// Running the rwkvbench executable from a test: exit code, stdout, stderr.
#pragma once

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <string>

#include "test_paths.h"

namespace cli_run {

struct result {
    int code;
    std::string out;  // stdout and stderr, in that order of files
    std::string err;
};

// Paths go to /bin/sh quoted: the checkout may live under any path.
inline std::string q(const std::string& path) { return test_paths::shell_quote(path); }

// `shell_prefix` runs before the command in the same shell ("ulimit -f 2;").
inline result run(const std::string& args, const std::string& shell_prefix = "") {
    // One stderr file per test: ctest runs tests in parallel processes.
    const auto* info = testing::UnitTest::GetInstance()->current_test_info();
    const std::string err_file =
        testing::TempDir() + "/cli_test_" + info->name() + "_" + std::to_string(getpid()) + ".txt";
    const std::string cmd = shell_prefix + std::string(RWKVBENCH_EXE) + " " + args + " 2>" + err_file;
    result r{};
    FILE* p = popen(cmd.c_str(), "r");
    std::array<char, 4096> buf{};
    std::size_t n;
    while ((n = fread(buf.data(), 1, buf.size(), p)) > 0) r.out.append(buf.data(), n);
    const int status = pclose(p);
    r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    if (FILE* e = fopen(err_file.c_str(), "r")) {
        while ((n = fread(buf.data(), 1, buf.size(), e)) > 0) r.err.append(buf.data(), n);
        fclose(e);
    }
    std::remove(err_file.c_str());
    return r;
}

}  // namespace cli_run
