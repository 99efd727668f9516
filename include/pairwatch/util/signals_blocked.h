// Threads born with every signal blocked. The capture takes its stop signals (SIGINT, SIGTERM,
// SIGHUP, SIGWINCH) through a signalfd, which only sees a signal no thread would take: a helper
// thread started with them unblocked (the file writer, libmicrohttpd's server thread) would take
// SIGTERM and end the process without its summary, or swallow a SIGINT the shell told it to
// ignore. A new thread inherits its creator's mask, so the creator blocks them while it starts
// one.
#pragma once

#include <signal.h>

namespace pairwatch::util {

/// While alive, the calling thread has every signal blocked; the mask before comes back after.
class SignalsBlocked {
public:
    SignalsBlocked() {
        sigset_t all{};
        sigfillset(&all);
        pthread_sigmask(SIG_BLOCK, &all, &before_);
    }
    ~SignalsBlocked() { pthread_sigmask(SIG_SETMASK, &before_, nullptr); }
    SignalsBlocked(const SignalsBlocked&) = delete;
    SignalsBlocked& operator=(const SignalsBlocked&) = delete;

private:
    sigset_t before_{};
};

} // namespace pairwatch::util
