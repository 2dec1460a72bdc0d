// Where the tests find the source tree and their fixtures: at run time,
// through harness::get_build_info() (RWKVBENCH_SOURCE_DIR when set, else the
// configured tree), never as a path compiled into the test. CI runs the suite
// a second time through a symlink whose path has spaces, non-ASCII letters
// and src/ and include/ components, so nothing may depend on where the
// checkout lives.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "harness/build_info.h"

namespace test_paths {

inline std::string source() { return harness::get_build_info().source_dir; }
inline std::string data() { return source() + "/tests/data"; }

// A folder path under GoogleTest's temp folder, unique to this process,
// `prefix` (the test file) and `name`; removed if it exists, not created.
inline std::string fresh_dir(const std::string& prefix, const std::string& name) {
    const std::string d = testing::TempDir() + "/" + prefix + "_" + name + "_" + std::to_string(::getpid());
    std::filesystem::remove_all(d);
    return d;
}

// One word for /bin/sh, whatever the path holds (spaces, quotes, non-ASCII).
inline std::string shell_quote(const std::string& s) {
    std::string q = "'";
    for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return q + "'";
}

}  // namespace test_paths
