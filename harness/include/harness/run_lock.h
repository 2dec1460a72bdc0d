// One process per run folder. The lock is `run.lock` in the folder, held
// with flock(2) for the life of the process, so a process killed with
// SIGKILL releases it with no cleanup; the file also holds who took it (host,
// pid, start time) so a refusal says who holds it, and a lock left by a dead
// process is taken over with a note. Under MPI only rank 0 takes it.
#pragma once

#include <string>

namespace harness {

class run_lock {
public:
    // Takes the lock on `dir` (which must exist) or throws input_error (exit
    // 2) naming the holder. `note` receives a line when a stale lock was taken over.
    run_lock(const std::string& dir, std::string* note = nullptr);
    ~run_lock();
    run_lock(const run_lock&) = delete;
    run_lock& operator=(const run_lock&) = delete;

private:
    std::string path_;
    int fd_ = -1;
};

}  // namespace harness
