// The error hierarchy of rwkvbench and the exit codes it maps to.
//
// Library code throws one of these; only main() catches, prints one line and
// returns the exit code (INTERFACES.md): 0 ok, 1 a gate failed, 2 bad input
// or usage, 3 internal error. Each class has a stable id that prefixes the
// message, e.g. "[input_error.3] models/x.bin: byte 4096: ...".
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>

namespace harness {

enum class exit_code : int { ok = 0, gate_failed = 1, bad_input = 2, internal = 3 };

class error : public std::runtime_error {
public:
    error(std::string id, const std::string& message)
        : std::runtime_error(message), id_(std::move(id)) {}
    // "input_error.3" and the like; stable across versions so scripts can match it.
    const std::string& id() const { return id_; }
    virtual exit_code code() const { return exit_code::internal; }

private:
    std::string id_;
};

// A file or stream did not hold what was expected. `offset` is a byte offset or
// a 1-based line number; `where` says which ("byte" or "line").
class input_error : public error {
public:
    input_error(const std::string& file, const std::string& where, std::uint64_t offset,
                const std::string& what);
    explicit input_error(const std::string& message);
    exit_code code() const override { return exit_code::bad_input; }
};

// A configuration value (JSON pointer or option name) was invalid.
class config_error : public error {
public:
    config_error(const std::string& pointer, const std::string& what);
    exit_code code() const override { return exit_code::bad_input; }
};

// The command line was malformed: unknown option, missing argument.
class usage_error : public error {
public:
    explicit usage_error(const std::string& what) : error("usage_error", what) {}
    exit_code code() const override { return exit_code::bad_input; }
};

// Something valid was asked that this build or device cannot do (a dtype a
// backend lacks, `--device cuda` without a GPU, an RWKV-7 checkpoint).
class unsupported_error : public error {
public:
    explicit unsupported_error(const std::string& what) : error("unsupported_error", what) {}
    exit_code code() const override { return exit_code::bad_input; }
};

// Writing (or reading) a file failed part-way for a reason of the system,
// not of the input: no space left, a file-size limit, an I/O error. Exit 3,
// naming the path and the system's reason ("runs/x/journal.jsonl: write
// failed: No space left on device"). An output that cannot be opened at all
// is input (exit 2), found before any work.
class io_error : public error {
public:
    io_error(const std::string& path, const std::string& what, int errno_value);
    exit_code code() const override { return exit_code::internal; }
};

// A device, driver or library call failed: the statement, file:line and the
// library's own message.
class backend_error : public error {
public:
    backend_error(const std::string& statement, const char* file, int line,
                  const std::string& what);
    exit_code code() const override { return exit_code::internal; }
};

}  // namespace harness
