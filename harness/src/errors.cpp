#include "harness/errors.h"

#include <cstring>

namespace harness {

input_error::input_error(const std::string& file, const std::string& where, std::uint64_t offset,
                         const std::string& what)
    : error("input_error", file + ": " + where + " " + std::to_string(offset) + ": " + what) {}

input_error::input_error(const std::string& message) : error("input_error", message) {}

config_error::config_error(const std::string& pointer, const std::string& what)
    : error("config_error", pointer + ": " + what) {}

io_error::io_error(const std::string& path, const std::string& what, int errno_value)
    : error("io_error", path + ": " + what + ": " + std::strerror(errno_value)) {}

backend_error::backend_error(const std::string& statement, const char* file, int line,
                             const std::string& what)
    : error("backend_error", what + " in `" + statement + "` at " + file + ":" +
                                 std::to_string(line)) {}

}  // namespace harness
