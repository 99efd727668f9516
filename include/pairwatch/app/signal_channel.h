// The signals a run answers (SIGINT and SIGTERM stop it, SIGHUP reopens or stops, SIGWINCH
// redraws), taken through a signalfd so nothing runs in a handler in the middle of a packet.
// A signal that comes while the channel is open and nobody reads it stays pending and is read
// later: app::run opens the channel before it starts its first thread (libmicrohttpd's, for
// --metrics), so a SIGTERM between that and the capture's start still ends the run with its
// summary instead of killing the process.
#pragma once

#include <signal.h>

namespace pairwatch::app {

class SignalChannel {
public:
    /// Blocks the signals on the calling thread (the threads it starts inherit the mask).
    SignalChannel();
    /// Drops what is still pending, then the mask before comes back.
    ~SignalChannel();
    SignalChannel(const SignalChannel&) = delete;
    SignalChannel& operator=(const SignalChannel&) = delete;

    /// Readable while a signal is pending.
    [[nodiscard]] int fd() const { return fd_; }
    /// The next pending signal, or 0.
    [[nodiscard]] int take() const;

private:
    sigset_t set_{};
    sigset_t old_mask_{};
    int fd_ = -1;
};

} // namespace pairwatch::app
