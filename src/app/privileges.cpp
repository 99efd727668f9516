#include "pairwatch/app/privileges.h"

#include <grp.h>
#include <pwd.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fmt/format.h>
#include <stdexcept>
#include <vector>

namespace pairwatch::app {

bool user_exists(const std::string& name) {
    std::vector<char> buffer(16384);
    passwd pw{};
    passwd* found = nullptr;
    return getpwnam_r(name.c_str(), &pw, buffer.data(), buffer.size(), &found) == 0 && found != nullptr;
}

std::string drop_privileges(const std::optional<std::string>& user) {
    if (geteuid() != 0) {
        if (user && *user != "root") {
            // Only root can become someone else; not an error, since there is nothing to drop.
            return fmt::format("uid {} (not root: -Z {} has nothing to drop)", geteuid(), *user);
        }
        return fmt::format("uid {}", geteuid());
    }
    const std::string name = user.value_or("nobody");
    if (name == "root") return "root (kept with -Z root)";

    std::vector<char> buffer(16384);
    passwd pw{};
    passwd* found = nullptr;
    const int rc = getpwnam_r(name.c_str(), &pw, buffer.data(), buffer.size(), &found);
    if (rc != 0 || found == nullptr) {
        throw std::runtime_error(fmt::format("-Z {}: no such user", name));
    }
    // Order matters: groups and gid while still root, the uid last.
    if (initgroups(pw.pw_name, pw.pw_gid) != 0 || setgid(pw.pw_gid) != 0 ||
        setuid(pw.pw_uid) != 0) {
        throw std::runtime_error(
            fmt::format("-Z {}: cannot drop privileges: {}", name, std::strerror(errno)));
    }
    if (pw.pw_uid != 0 && (setuid(0) == 0 || geteuid() == 0)) {
        throw std::runtime_error(fmt::format("-Z {}: root could be regained; refusing to run", name));
    }
    return name;
}

} // namespace pairwatch::app
