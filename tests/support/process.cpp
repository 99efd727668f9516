#include "support/process.h"

#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <stdexcept>

extern char** environ;

namespace pairwatch::testing {

namespace {
void drain(int fd, std::string& into, bool& open) {
    std::array<char, 65536> buf{};
    const ssize_t n = ::read(fd, buf.data(), buf.size());
    if (n > 0) {
        into.append(buf.data(), static_cast<std::size_t>(n));
    } else if (n == 0 || errno != EINTR) {
        open = false;
    }
}
} // namespace

CommandResult run_command(const std::vector<std::string>& argv, const std::string& input,
                          const std::string& working_dir) {
    int out_pipe[2], err_pipe[2], in_pipe[2];
    if (pipe2(out_pipe, O_CLOEXEC) != 0 || pipe2(err_pipe, O_CLOEXEC) != 0 ||
        pipe2(in_pipe, O_CLOEXEC) != 0) {
        throw std::runtime_error("pipe failed");
    }
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, in_pipe[0], 0);
    posix_spawn_file_actions_adddup2(&actions, out_pipe[1], 1);
    posix_spawn_file_actions_adddup2(&actions, err_pipe[1], 2);
    if (!working_dir.empty()) posix_spawn_file_actions_addchdir_np(&actions, working_dir.c_str());
    std::vector<std::string> pinned = argv;
    if (!argv.empty() && argv[0] == pairwatch_binary() &&
        std::find(argv.begin(), argv.end(), "--threads") == argv.end()) {
        pinned.insert(pinned.begin() + 1, {"--threads", "1"});
    }
    std::vector<char*> args;
    for (const auto& a : pinned) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    pid_t pid = 0;
    const int rc = posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    ::close(out_pipe[1]);
    ::close(err_pipe[1]);
    ::close(in_pipe[0]);
    CommandResult result;
    if (rc != 0) {
        ::close(out_pipe[0]);
        ::close(err_pipe[0]);
        ::close(in_pipe[1]);
        result.err = "cannot run " + argv[0];
        return result;
    }
    // Small inputs only (tests): write it all, then read both outputs until they close.
    std::size_t written = 0;
    while (written < input.size()) {
        const ssize_t n = ::write(in_pipe[1], input.data() + written, input.size() - written);
        if (n <= 0) break;
        written += static_cast<std::size_t>(n);
    }
    ::close(in_pipe[1]);
    bool out_open = true, err_open = true;
    while (out_open || err_open) {
        std::array<pollfd, 2> fds{{{out_pipe[0], POLLIN, 0}, {err_pipe[0], POLLIN, 0}}};
        if (::poll(fds.data(), fds.size(), -1) < 0 && errno != EINTR) break;
        if (out_open && (fds[0].revents & (POLLIN | POLLHUP)) != 0) {
            drain(out_pipe[0], result.out, out_open);
        }
        if (err_open && (fds[1].revents & (POLLIN | POLLHUP)) != 0) {
            drain(err_pipe[0], result.err, err_open);
        }
    }
    ::close(out_pipe[0]);
    ::close(err_pipe[0]);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    result.exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return result;
}

bool have_program(const std::string& program) {
    const char* path = std::getenv("PATH");
    if (path == nullptr) return false;
    std::string p = path;
    std::size_t start = 0;
    while (start <= p.size()) {
        const std::size_t end = p.find(':', start);
        const std::string dir = p.substr(start, end == std::string::npos ? end : end - start);
        if (!dir.empty() && ::access((dir + "/" + program).c_str(), X_OK) == 0) return true;
        if (end == std::string::npos) break;
        start = end + 1;
    }
    return false;
}

std::string source_dir() { return PAIRWATCH_SOURCE_DIR; }
std::string pairwatch_binary() { return PAIRWATCH_BINARY; }

std::string shared_captures_dir() {
    namespace fs = std::filesystem;
    std::vector<fs::path> candidates;
    if (const char* env = std::getenv("PAIRWATCH_SHARED")) candidates.emplace_back(fs::path(env) / "captures");
    candidates.push_back(fs::path(source_dir()).parent_path() / "shared" / "captures");
    for (const auto& c : candidates) {
        std::error_code ec;
        if (fs::is_directory(c, ec)) return fs::canonical(c, ec).string();
    }
    return {};
}

} // namespace pairwatch::testing
