#include "fuzz_input.h"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace fuzz {

namespace {

// The folder, removed when the process ends normally (libFuzzer exits through exit()).
struct scratch {
    std::filesystem::path dir;
    scratch() {
        const char* tmp = std::getenv("TMPDIR");
        dir = std::filesystem::path(tmp && *tmp ? tmp : "/tmp") / ("rwkvbench-fuzz-" + std::to_string(::getpid()));
        std::filesystem::create_directories(dir);
    }
    ~scratch() {
        std::error_code ec;
        std::filesystem::remove_all(dir, ec);
    }
};

}  // namespace

const std::string& scratch_dir() {
    static const scratch s;
    static const std::string dir = s.dir.string();
    return dir;
}

std::string write_file(const std::string& name, const std::uint8_t* data, std::size_t size) {
    const std::string path = scratch_dir() + "/" + name;
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
    if (!out.flush()) std::abort();  // the harness itself is broken, not the input
    return path;
}

std::string write_file(const std::string& name, const std::string& text) {
    return write_file(name, reinterpret_cast<const std::uint8_t*>(text.data()), text.size());
}

}  // namespace fuzz
