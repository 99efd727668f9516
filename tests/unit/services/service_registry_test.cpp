#include "pairwatch/services/service_registry.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <unistd.h>

using pairwatch::services::Proto;
using pairwatch::services::ServiceRegistry;
using pairwatch::services::ServiceSource;

namespace {

/// A file under the temp directory, removed when the test ends.
class TempFile {
public:
    TempFile(const std::string& tag, const std::string& text)
        : path_(std::filesystem::temp_directory_path() /
                ("pairwatch-" + tag + "-" + std::to_string(::getpid()) + ".services")) {
        std::ofstream(path_) << text;
    }
    ~TempFile() {
        std::error_code ec;
        std::filesystem::remove(path_, ec);
    }
    TempFile(const TempFile&) = delete;
    TempFile& operator=(const TempFile&) = delete;
    [[nodiscard]] const std::filesystem::path& path() const { return path_; }

private:
    std::filesystem::path path_;
};

const char* const kSystem = "# like /etc/services\n"
                            "ssh-sys    22/tcp     # overridden by core\n"
                            "domain     53/udp\n"
                            "http-alt-x 8080/tcp   # Sys 8080\n"
                            "first      9999/udp   # first wins\n"
                            "second     9999/udp\n"
                            "broken     12x/tcp\n"
                            "rtmp       1/ddp\n";
const char* const kUser = "mine     8080/tcp  # my proxy\n"
                          "my-ssh   22/tcp\n"
                          "lab-app  50000/udp # lab\n";

} // namespace

TEST(ServiceRegistry, IanaAloneWhenNothingElse) {
    const ServiceRegistry r;
    const auto s = r.lookup(Proto::Udp, 5353);
    ASSERT_TRUE(s);
    EXPECT_EQ(s->name, "mdns");
    EXPECT_EQ(s->source, ServiceSource::Iana);
    EXPECT_FALSE(r.lookup(Proto::Tcp, 50000));
    EXPECT_FALSE(r.has_service(Proto::Udp, 65535));
    EXPECT_TRUE(r.has_service(Proto::Tcp, 3306));
}

TEST(ServiceRegistry, OverlayPrecedence) {
    const TempFile system("sys", kSystem);
    const TempFile user("user", kUser);
    ServiceRegistry r;

    const auto sys = r.load_system_file(system.path());
    EXPECT_TRUE(sys.present);
    EXPECT_EQ(sys.entries, 5U);
    EXPECT_EQ(sys.malformed, 1U);
    EXPECT_EQ(sys.other_transport, 1U);
    EXPECT_EQ(sys.first_error, system.path().string() + ":7: bad port '12x' in '12x/tcp'");

    EXPECT_EQ(r.lookup(Proto::Tcp, 8080)->name, "http-alt-x"); // /etc/services over IANA
    EXPECT_EQ(r.lookup(Proto::Tcp, 8080)->description, "Sys 8080");
    EXPECT_EQ(r.lookup(Proto::Tcp, 8080)->source, ServiceSource::EtcServices);
    EXPECT_EQ(r.lookup(Proto::Udp, 9999)->name, "first"); // first line in a file wins
    EXPECT_EQ(r.lookup(Proto::Tcp, 22)->name, "ssh");     // core over /etc/services
    EXPECT_EQ(r.lookup(Proto::Udp, 53)->name, "dns");
    EXPECT_EQ(r.lookup(Proto::Tcp, 3306)->source, ServiceSource::Iana); // untouched

    r.load_user_file(user.path());
    EXPECT_EQ(r.lookup(Proto::Tcp, 8080)->name, "mine"); // user over everything
    EXPECT_EQ(r.lookup(Proto::Tcp, 8080)->source, ServiceSource::User);
    EXPECT_EQ(r.lookup(Proto::Tcp, 22)->name, "my-ssh"); // even over core
    EXPECT_EQ(r.lookup(Proto::Udp, 50000)->name, "lab-app");
    EXPECT_EQ(r.lookup(Proto::Udp, 9999)->name, "first");
    EXPECT_EQ(r.lookup(Proto::Tcp, 21)->name, "ftp");
    EXPECT_EQ(r.loads().size(), 2U);
}

TEST(ServiceRegistry, PrecedenceDoesNotDependOnLoadOrder) {
    const TempFile system("sys2", kSystem);
    const TempFile user("user2", kUser);
    ServiceRegistry r;
    r.load_user_file(user.path());
    r.load_system_file(system.path());
    EXPECT_EQ(r.lookup(Proto::Tcp, 8080)->name, "mine");
    EXPECT_EQ(r.lookup(Proto::Tcp, 22)->name, "my-ssh");
    EXPECT_EQ(r.lookup(Proto::Udp, 9999)->name, "first");
}

TEST(ServiceRegistry, StandardSkipsAMissingSystemFile) {
    const TempFile user("user3", kUser);
    const auto r = ServiceRegistry::standard(user.path(), "/nonexistent/services");
    ASSERT_EQ(r.loads().size(), 2U);
    EXPECT_FALSE(r.loads()[0].present);
    EXPECT_EQ(r.loads()[1].source, ServiceSource::User);
    EXPECT_EQ(r.lookup(Proto::Tcp, 8080)->name, "mine");
    EXPECT_EQ(r.lookup(Proto::Tcp, 443)->name, "https");
}

TEST(ServiceRegistry, UserFileErrorsCarryFileAndLine) {
    const TempFile user("bad", "ok 1/tcp\n\n# comment\nbad 65536/tcp\n");
    ServiceRegistry r;
    try {
        r.load_user_file(user.path());
        FAIL() << "no exception";
    } catch (const std::runtime_error& e) {
        EXPECT_EQ(std::string(e.what()), user.path().string() + ":4: port 65536 is past 65535");
    }
    EXPECT_THROW((void)ServiceRegistry::standard(std::filesystem::path("/nonexistent/mine")),
                 std::runtime_error);
    EXPECT_EQ(r.lookup(Proto::Tcp, 1)->source, ServiceSource::Iana); // nothing half-loaded
}

TEST(ServiceRegistry, SourceNames) {
    EXPECT_EQ(to_string(ServiceSource::Iana), "iana");
    EXPECT_EQ(to_string(ServiceSource::EtcServices), "etc-services");
    EXPECT_EQ(to_string(ServiceSource::Core), "core");
    EXPECT_EQ(to_string(ServiceSource::User), "user");
}

TEST(ServiceRegistry, RealEtcServicesLoadsWhenPresent) {
    if (!std::filesystem::exists("/etc/services")) {
        GTEST_SKIP() << "no /etc/services here";
    }
    const auto r = ServiceRegistry::standard(std::nullopt);
    ASSERT_EQ(r.loads().size(), 1U);
    EXPECT_TRUE(r.loads()[0].present);
    EXPECT_GT(r.loads()[0].entries, 0U);
    EXPECT_EQ(r.lookup(Proto::Tcp, 22)->name, "ssh");
}
