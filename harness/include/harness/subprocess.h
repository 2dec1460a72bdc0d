// Running another program and waiting for it: `rwkvbench ab` runs two
// builds of rwkvbench in turn. The child's stdout and stderr go to a log
// file, so a failing round can be read afterwards.
#pragma once

#include <string>
#include <vector>

namespace harness {

// Runs argv[0] (a path, not searched in PATH) with `argv`, its stdout and
// stderr written to `log_path` (truncated), and waits for it. Returns its
// exit code, or 128 + the signal that killed it (as a shell reports it).
// Throws io_error when the log cannot be created or the program cannot be started.
int run_process(const std::vector<std::string>& argv, const std::string& log_path);

// The last `max_lines` lines of a text file ("" when it cannot be read), for
// error messages that quote a child's log.
std::string tail_of_file(const std::string& path, int max_lines);

}  // namespace harness
