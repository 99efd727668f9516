#include "pairwatch/app/signal_channel.h"

#include <pthread.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>

namespace pairwatch::app {

SignalChannel::SignalChannel() {
    sigemptyset(&set_);
    sigaddset(&set_, SIGINT);
    sigaddset(&set_, SIGTERM);
    sigaddset(&set_, SIGWINCH);
    sigaddset(&set_, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &set_, &old_mask_);
    fd_ = signalfd(-1, &set_, SFD_NONBLOCK | SFD_CLOEXEC);
    if (fd_ < 0) {
        // Without it the signals would stay blocked and unread: no way to stop the run.
        const int err = errno;
        pthread_sigmask(SIG_SETMASK, &old_mask_, nullptr);
        throw std::system_error(err, std::generic_category(), "signalfd");
    }
}

SignalChannel::~SignalChannel() {
    // One that came after the last read came while the run was ending anyway: delivered now,
    // a SIGTERM would kill the process after its summary, with exit status 143.
    while (take() != 0) {
    }
    ::close(fd_);
    pthread_sigmask(SIG_SETMASK, &old_mask_, nullptr);
}

int SignalChannel::take() const {
    signalfd_siginfo si{};
    if (::read(fd_, &si, sizeof si) != static_cast<ssize_t>(sizeof si)) return 0;
    return static_cast<int>(si.ssi_signo);
}

} // namespace pairwatch::app
