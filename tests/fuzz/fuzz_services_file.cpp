// fuzz_services_file: a services(5) file, as /etc/services (malformed lines skipped) and as the
// user's --services file (a malformed line refuses the start), parsed and loaded into a
// ServiceRegistry.
//
// Input: the file's text. The two modes must agree: the strict one throws exactly when the
// lenient one counted a malformed line, and otherwise reads the same entries. Every entry read
// from the user's file must then be what the registry names its port by.
#include "fuzz_check.h"
#include "pairwatch/services/service_registry.h"
#include "pairwatch/services/services_file.h"

#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>

namespace {

using namespace pairwatch;
using services::OnMalformed;

services::ServicesFile parse(const std::string& text, OnMalformed mode) {
    std::istringstream in(text);
    return services::parse_services(in, "fuzz.services", mode);
}

bool same_entries(const services::ServicesFile& a, const services::ServicesFile& b) {
    if (a.entries.size() != b.entries.size()) return false;
    for (std::size_t i = 0; i < a.entries.size(); ++i) {
        const auto& x = a.entries[i];
        const auto& y = b.entries[i];
        if (x.name != y.name || x.port != y.port || x.proto != y.proto ||
            x.description != y.description || x.line != y.line) {
            return false;
        }
    }
    return a.other_transport == b.other_transport;
}

/// An in-memory file (memfd: no temporary file on disk) that the registry opens by path.
class MemFile {
public:
    explicit MemFile(const std::string& text) : fd_(::memfd_create("fuzz.services", MFD_CLOEXEC)) {
        std::string_view rest = text;
        while (fd_ >= 0 && !rest.empty()) {
            const ssize_t n = ::write(fd_, rest.data(), rest.size());
            if (n <= 0) {
                ::close(fd_);
                fd_ = -1;
                break;
            }
            rest.remove_prefix(static_cast<std::size_t>(n));
        }
    }
    ~MemFile() {
        if (fd_ >= 0) ::close(fd_);
    }
    MemFile(const MemFile&) = delete;
    MemFile& operator=(const MemFile&) = delete;
    [[nodiscard]] bool ok() const { return fd_ >= 0; }
    [[nodiscard]] std::string path() const { return "/proc/self/fd/" + std::to_string(fd_); }

private:
    int fd_;
};

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string text(data, data + size);
    const services::ServicesFile lenient = parse(text, OnMalformed::Skip);
    PW_FUZZ_CHECK((lenient.malformed == 0) == lenient.first_error.empty());
    std::size_t last_line = 0;
    for (const auto& e : lenient.entries) {
        // In file order, one entry a line, each with a name that is one token.
        PW_FUZZ_CHECK(e.line > last_line && !e.name.empty());
        PW_FUZZ_CHECK(e.name.find_first_of(" \t\r\f\v#") == std::string::npos);
        last_line = e.line;
    }

    bool threw = false;
    try {
        const services::ServicesFile strict = parse(text, OnMalformed::Throw);
        PW_FUZZ_CHECK(strict.malformed == 0 && same_entries(strict, lenient));
    } catch (const std::runtime_error& e) {
        threw = true;
        // The first mistake, as the lenient mode recorded it.
        PW_FUZZ_CHECK(lenient.first_error == e.what());
    }
    PW_FUZZ_CHECK(threw == (lenient.malformed > 0));

    MemFile file(text);
    if (!file.ok()) return 0;
    services::ServiceRegistry registry;
    const services::ServicesLoad system = registry.load_system_file(file.path());
    PW_FUZZ_CHECK(system.present && system.entries == lenient.entries.size() &&
                  system.malformed == lenient.malformed);
    if (threw) return 0;
    registry.load_user_file(file.path());
    for (const auto& e : lenient.entries) {
        // The user's file wins over every other source; of its own duplicates, one of them.
        const std::optional<services::Service> s = registry.lookup(e.proto, e.port);
        PW_FUZZ_CHECK(s.has_value() && s->source == services::ServiceSource::User);
        bool listed = false;
        for (const auto& other : lenient.entries) {
            listed = listed || (other.proto == e.proto && other.port == e.port &&
                                other.name == s->name && other.description == s->description);
        }
        PW_FUZZ_CHECK(listed);
    }
    return 0;
}
