#include "pairwatch/services/services_file.h"

#include <gtest/gtest.h>

#include <sstream>
#include <stdexcept>
#include <string>

using pairwatch::services::OnMalformed;
using pairwatch::services::parse_services;
using pairwatch::services::Proto;
using pairwatch::services::read_services_file;
using pairwatch::services::ServicesFile;

namespace {

ServicesFile parse(const std::string& text, OnMalformed mode = OnMalformed::Throw) {
    std::istringstream in(text);
    return parse_services(in, "test.services", mode);
}

/// The message parse() throws in Throw mode, or "" when it does not throw.
std::string error_of(const std::string& text) {
    try {
        (void)parse(text);
    } catch (const std::runtime_error& e) {
        return e.what();
    }
    return "";
}

} // namespace

TEST(ServicesFile, ParsesTheServicesFormat) {
    const auto f = parse("# Network services, Internet style\n"
                         "\n"
                         "ssh\t\t22/tcp\t\t\t\t# SSH Remote Login Protocol\n"
                         "smtp   25/tcp   mail\n"
                         "domain 53/UDP\r\n"
                         "   # indented comment\n"
                         "hi-port 65535/udp alias1 alias2 #  trailing  \n"
                         "zero 0/tcp\n");
    ASSERT_EQ(f.entries.size(), 5U);
    EXPECT_EQ(f.entries[0].name, "ssh");
    EXPECT_EQ(f.entries[0].port, 22);
    EXPECT_EQ(f.entries[0].proto, Proto::Tcp);
    EXPECT_EQ(f.entries[0].description, "SSH Remote Login Protocol");
    EXPECT_EQ(f.entries[0].line, 3U);
    EXPECT_EQ(f.entries[1].name, "smtp"); // the alias "mail" is not a second entry
    EXPECT_EQ(f.entries[1].description, "");
    EXPECT_EQ(f.entries[2].proto, Proto::Udp); // protocol case and CRLF tolerated
    EXPECT_EQ(f.entries[2].name, "domain");
    EXPECT_EQ(f.entries[3].port, 65535);
    EXPECT_EQ(f.entries[3].description, "trailing");
    EXPECT_EQ(f.entries[3].line, 7U);
    EXPECT_EQ(f.entries[4].port, 0);
    EXPECT_EQ(f.malformed, 0U);
}

TEST(ServicesFile, OtherTransportsAreCountedNotErrors) {
    // Debian's /etc/services lists AppleTalk (ddp) and SCTP ports.
    const auto f = parse("rtmp 1/ddp\nsctp-svc 9/sctp\ndccp-svc 5004/dccp\nssh 22/tcp\n");
    EXPECT_EQ(f.entries.size(), 1U);
    EXPECT_EQ(f.other_transport, 3U);
}

TEST(ServicesFile, MalformedLinesNameFileAndLine) {
    EXPECT_EQ(error_of("ok 1/tcp\nbad abc/tcp\n"), "test.services:2: bad port 'abc' in 'abc/tcp'");
    EXPECT_EQ(error_of("\n\nbig 70000/udp\n"), "test.services:3: port 70000 is past 65535");
    EXPECT_EQ(error_of("huge 99999999999/udp\n"),
              "test.services:1: bad port '99999999999' in '99999999999/udp'");
    EXPECT_EQ(error_of("x 22/icmp\n"),
              "test.services:1: unknown protocol 'icmp' in '22/icmp' (expected tcp or udp)");
    EXPECT_EQ(error_of("x 22\n"), "test.services:1: expected PORT/PROTO, got '22'");
    EXPECT_EQ(error_of("lonely # no port\n"),
              "test.services:1: service 'lonely' has no PORT/PROTO");
    EXPECT_EQ(error_of("neg -1/tcp\n"), "test.services:1: bad port '-1' in '-1/tcp'");
    EXPECT_EQ(error_of("empty /tcp\n"), "test.services:1: bad port '' in '/tcp'");
    EXPECT_EQ(error_of("range 6000-6063/tcp\n"),
              "test.services:1: bad port '6000-6063' in '6000-6063/tcp'");
    EXPECT_EQ(error_of("fine 1/tcp\n"), "");
}

TEST(ServicesFile, SkipModeCountsAndKeepsTheFirstError) {
    const auto f = parse("a 1/tcp\nb x/tcp\nc 2/udp\nd 3/foo\ne 70000/tcp\n", OnMalformed::Skip);
    ASSERT_EQ(f.entries.size(), 2U);
    EXPECT_EQ(f.entries[1].name, "c");
    EXPECT_EQ(f.malformed, 3U);
    EXPECT_EQ(f.first_error, "test.services:2: bad port 'x' in 'x/tcp'");
}

TEST(ServicesFile, UnreadableFileSaysSo) {
    try {
        (void)read_services_file("/nonexistent/pairwatch.services", OnMalformed::Throw);
        FAIL() << "no exception";
    } catch (const std::runtime_error& e) {
        EXPECT_STREQ(e.what(),
                     "/nonexistent/pairwatch.services: cannot open: No such file or directory");
    }
}
