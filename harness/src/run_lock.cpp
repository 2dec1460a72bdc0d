#include "harness/run_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>

#include "harness/errors.h"

namespace harness {
namespace {

std::string read_all(int fd) {
    std::string text;
    char buf[512];
    ::lseek(fd, 0, SEEK_SET);
    for (ssize_t n; (n = ::read(fd, buf, sizeof buf)) > 0;) text.append(buf, static_cast<std::size_t>(n));
    while (!text.empty() && (text.back() == '\n' || text.back() == '\0')) text.pop_back();
    return text;
}

std::string holder_line() {
    char host[256] = "?";
    ::gethostname(host, sizeof host - 1);
    const std::time_t now = std::time(nullptr);
    char date[32];
    std::strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&now));
    return std::string("host ") + host + ", pid " + std::to_string(::getpid()) + ", since " + date;
}

}  // namespace

run_lock::run_lock(const std::string& dir, std::string* note) : path_(dir + "/run.lock") {
    fd_ = ::open(path_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd_ < 0) throw input_error(path_ + ": cannot create the run lock: " + std::strerror(errno));
    if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
        const int why = errno;
        const std::string holder = read_all(fd_);
        ::close(fd_);
        fd_ = -1;
        if (why == EWOULDBLOCK)
            throw input_error(path_ + ": another rwkvbench is running in this folder (" +
                              (holder.empty() ? std::string("holder unknown") : holder) +
                              "); wait for it, or use another --out");
        throw input_error(path_ + ": cannot lock: " + std::strerror(why));
    }
    // Ours now. What the file says is a previous holder that died without releasing it.
    const std::string previous = read_all(fd_);
    if (note && !previous.empty() && previous != "released")
        *note = "took over the lock of a process that is gone (" + previous + ")";
    const std::string me = holder_line() + "\n";
    if (::ftruncate(fd_, 0) != 0 || ::pwrite(fd_, me.data(), me.size(), 0) != static_cast<ssize_t>(me.size()))
        throw input_error(path_ + ": cannot write the run lock: " + std::strerror(errno));
}

run_lock::~run_lock() {
    if (fd_ < 0) return;
    // Left in place (unlinking a locked file races with a process about to open it), marked free.
    static const char released[] = "released\n";
    if (::ftruncate(fd_, 0) == 0) (void)!::pwrite(fd_, released, sizeof released - 1, 0);
    ::close(fd_);  // releases the flock
}

}  // namespace harness
