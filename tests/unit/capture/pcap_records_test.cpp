// Classic pcap records read past libpcap, against libpcap itself: crafted files for each rule
// (stamps, byte order, the snapshot cut, each kind of damage, what stays with libpcap) and
// every test capture, with and without a filter.
#include "capture/pcap_records.h"
#include "pairwatch/capture/pcap_source.h"
#include "pairwatch/decode/link_type.h"
#include "pairwatch/util/saturating.h"
#include "support/process.h"
#include "support/test_captures.h"

#include <gtest/gtest.h>
#include <pcap/pcap.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include <array>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace pairwatch::capture {
namespace {

struct Frame {
    std::int64_t ts_ns = 0;
    std::uint32_t wire_len = 0;
    std::vector<std::byte> bytes;
    bool operator==(const Frame&) const = default;
};

/// Every frame a reader gave, and the warning it ended with (empty: a clean end).
struct Read {
    std::vector<Frame> frames;
    std::string warning;
    std::uint64_t position = 0;
};

Frame frame_of(std::int64_t ts_ns, std::uint32_t wire_len, const std::byte* data, std::size_t n) {
    return Frame{ts_ns, wire_len, std::vector<std::byte>(data, data + n)};
}

/// The oracle: libpcap's own reading, put as pairwatch's warning would put its error.
Read read_with_libpcap(const std::string& path, const std::string& filter = {}) {
    char errbuf[PCAP_ERRBUF_SIZE] = {};
    pcap_t* p = pcap_open_offline_with_tstamp_precision(path.c_str(), PCAP_TSTAMP_PRECISION_NANO,
                                                        errbuf);
    EXPECT_NE(p, nullptr) << errbuf;
    Read out;
    if (p == nullptr) return out;
    if (!filter.empty()) {
        bpf_program program{};
        EXPECT_EQ(pcap_compile(p, &program, filter.c_str(), 1, PCAP_NETMASK_UNKNOWN), 0);
        EXPECT_EQ(pcap_setfilter(p, &program), 0);
        pcap_freecode(&program);
    }
    pcap_pkthdr* header = nullptr;
    const u_char* data = nullptr;
    int rc = 0;
    while ((rc = pcap_next_ex(p, &header, &data)) == 1) {
        out.frames.push_back(frame_of(util::timestamp_ns(header->ts.tv_sec, header->ts.tv_usec, 1),
                                      header->len, reinterpret_cast<const std::byte*>(data),
                                      header->caplen));
    }
    if (rc == PCAP_ERROR) {
        out.warning = path + ": stopped reading after " + std::to_string(out.frames.size()) +
                      " packets: " + pcap_geterr(p);
    }
    pcap_close(p);
    return out;
}

int dlt_of(const std::string& path) {
    char errbuf[PCAP_ERRBUF_SIZE] = {};
    pcap_t* p = pcap_open_offline(path.c_str(), errbuf);
    if (p == nullptr) return -1;
    const int dlt = pcap_datalink(p);
    pcap_close(p);
    return dlt;
}

Read read_with_pairwatch(const std::string& path, const std::string& filter = {}) {
    auto source = open_capture_file(path, filter);
    Read out;
    RawFrame frame;
    while (source->next(frame) == ReadStatus::Frame) {
        EXPECT_EQ(frame.frame_no, out.frames.size() + 1);
        out.frames.push_back(
            frame_of(frame.ts_ns, frame.wire_len, frame.bytes.data(), frame.bytes.size()));
    }
    out.warning = source->warning().value_or("");
    out.position = source->position();
    return out;
}

/// A record as written: the stamp's two halves, both lengths, and the bytes that follow.
struct Record {
    Record(std::uint32_t s, std::uint32_t f, std::uint32_t cap, std::uint32_t len,
           std::size_t written = SIZE_MAX, std::vector<std::uint8_t> bytes = {})
        : seconds(s), fraction(f), caplen(cap), wire_len(len), bytes_written(written),
          data(std::move(bytes)) {}
    std::uint32_t seconds, fraction, caplen, wire_len;
    std::size_t bytes_written; // fewer than caplen: the file is cut here
    std::vector<std::uint8_t> data; // the bytes; when empty, a count from the record's index
};

struct FileSpec {
    std::uint32_t magic = 0xa1b2c3d4;
    bool big_endian = false;
    std::uint16_t minor = 4;
    std::uint32_t snaplen = 65535;
    std::uint32_t linktype = DLT_EN10MB;
    std::size_t header_bytes_after = 0; // a last record header cut after this many bytes
};

class PcapRecords : public ::testing::Test {
protected:
    void SetUp() override {
        char tmpl[] = "/tmp/pw-pcap-records-XXXXXX";
        ASSERT_NE(::mkdtemp(tmpl), nullptr);
        dir_ = tmpl;
    }
    void TearDown() override { std::filesystem::remove_all(dir_); }

    /// Writes the file; each record's bytes count up from its index, so a byte out of place
    /// or a record read twice shows.
    std::string write(const FileSpec& spec, const std::vector<Record>& records) {
        std::string out;
        auto put32 = [&](std::uint32_t v) {
            if (spec.big_endian) v = __builtin_bswap32(v);
            out.append(reinterpret_cast<const char*>(&v), 4);
        };
        auto put16 = [&](std::uint16_t v) {
            if (spec.big_endian) v = __builtin_bswap16(v);
            out.append(reinterpret_cast<const char*>(&v), 2);
        };
        put32(spec.magic);
        put16(2);
        put16(spec.minor);
        put32(0);
        put32(0);
        put32(spec.snaplen);
        put32(spec.linktype);
        for (std::size_t i = 0; i < records.size(); ++i) {
            const Record& r = records[i];
            put32(r.seconds);
            put32(r.fraction);
            put32(r.caplen);
            put32(r.wire_len);
            const std::size_t n = std::min<std::size_t>(r.caplen, r.bytes_written);
            for (std::size_t b = 0; b < n; ++b) {
                out.push_back(
                    static_cast<char>(b < r.data.size() ? r.data[b] : (i * 7 + b) & 0xff));
            }
        }
        if (spec.header_bytes_after > 0) out.append(spec.header_bytes_after, '\x01');
        const std::string path = dir_ + "/f" + std::to_string(++files_) + ".pcap";
        std::ofstream(path, std::ios::binary) << out;
        return path;
    }

    /// Reads the file both ways, expects the same, and returns pairwatch's.
    Read both_ways(const std::string& path, const std::string& filter = {}) {
        const Read ours = read_with_pairwatch(path, filter);
        const Read theirs = read_with_libpcap(path, filter);
        EXPECT_EQ(ours.frames.size(), theirs.frames.size());
        EXPECT_TRUE(ours.frames == theirs.frames);
        EXPECT_EQ(ours.warning, theirs.warning);
        return ours;
    }

    std::string dir_;
    int files_ = 0;
};

TEST_F(PcapRecords, MicrosecondStampsComeOutAsLibpcapGivesThemSignedHalvesIncluded) {
    const std::string path = write({}, {{1700000000, 123456, 60, 60},
                                        {0xffffffff, 0xffffffff, 60, 60},
                                        {0x80000000, 999999, 60, 60},
                                        {5, 2000000, 42, 1514}});
    const Read r = both_ways(path);
    ASSERT_EQ(r.frames.size(), 4U);
    EXPECT_EQ(r.frames[0].ts_ns, 1700000000123456000);
    EXPECT_EQ(r.frames[1].ts_ns, -1'000'001'000);
    EXPECT_EQ(r.frames[2].ts_ns, -2147483648LL * 1'000'000'000 + 999'999'000);
    EXPECT_EQ(r.frames[3].ts_ns, 7'000'000'000);
    EXPECT_EQ(r.frames[3].wire_len, 1514U);
    EXPECT_EQ(r.frames[3].bytes.size(), 42U);
    EXPECT_EQ(r.position, std::filesystem::file_size(path));
}

TEST_F(PcapRecords, NanosecondStampsArePassedThrough) {
    const Read r = both_ways(write({.magic = 0xa1b23c4d}, {{1700000000, 123456789, 60, 60}}));
    ASSERT_EQ(r.frames.size(), 1U);
    EXPECT_EQ(r.frames[0].ts_ns, 1700000000123456789);
}

TEST_F(PcapRecords, AFileOfTheOtherByteOrderReadsTheSame) {
    const Read r =
        both_ways(write({.big_endian = true}, {{1700000000, 5, 60, 70}, {1700000001, 6, 54, 54}}));
    ASSERT_EQ(r.frames.size(), 2U);
    EXPECT_EQ(r.frames[0].ts_ns, 1700000000000005000);
    EXPECT_EQ(r.frames[0].wire_len, 70U);
    EXPECT_EQ(r.frames[1].bytes.size(), 54U);
}

TEST_F(PcapRecords, AFileOfTheOtherByteOrderHasUnsignedStampHalvesAsLibpcapGivesThem) {
    // The same halves as in a file of this machine's order read signed; swapped, libpcap
    // reads them unsigned (found by fuzz_pcap_file).
    for (const std::uint32_t magic : {0xa1b2c3d4U, 0xa1b23c4dU}) {
        const std::int64_t tick = magic == 0xa1b2c3d4U ? 1000 : 1;
        const Read r = both_ways(write({.magic = magic, .big_endian = true},
                                       {{0xffffffff, 0xffffffff, 60, 60},
                                        {0x80000000, 0xfe21323a, 60, 60},
                                        {5, 0x80000000, 60, 60}}));
        ASSERT_EQ(r.frames.size(), 3U);
        EXPECT_EQ(r.frames[0].ts_ns, 4294967295LL * 1'000'000'000 + 4294967295LL * tick);
        EXPECT_EQ(r.frames[1].ts_ns, 2147483648LL * 1'000'000'000 + 4263588410LL * tick);
        EXPECT_EQ(r.frames[2].ts_ns, 5'000'000'000 + 2147483648LL * tick);
    }
}

TEST_F(PcapRecords, ARecordLongerThanTheSnapshotIsCutToIt) {
    const Read r = both_ways(write({.snaplen = 64}, {{1, 0, 100, 100}, {2, 0, 60, 60}}));
    ASSERT_EQ(r.frames.size(), 2U);
    EXPECT_EQ(r.frames[0].bytes.size(), 64U);
    EXPECT_EQ(r.frames[0].wire_len, 100U);
    // The cut-off 36 bytes are skipped, not read as the next record.
    EXPECT_EQ(r.frames[1].ts_ns, 2'000'000'000);
    EXPECT_EQ(r.frames[1].bytes.size(), 60U);
    EXPECT_EQ(std::to_integer<int>(r.frames[1].bytes[0]), 7);
}

TEST_F(PcapRecords, RecordsAsLongAsLibpcapAllowsCrossTheReadBlocks) {
    std::vector<Record> records;
    for (std::uint32_t i = 0; i < 9; ++i) {
        const std::uint32_t n = i % 3 == 0 ? 262144 : 1000 + i * 37;
        records.push_back({i, i, n, n});
    }
    const Read r = both_ways(write({.snaplen = 262144}, records));
    EXPECT_EQ(r.frames.size(), 9U);
    EXPECT_TRUE(r.warning.empty());
}

TEST_F(PcapRecords, ACaptureLengthPastLibpcapsBoundStopsWithItsWords) {
    const std::string path = write({}, {{1, 0, 60, 60}, {2, 0, 300000, 300000}});
    const Read r = both_ways(path);
    EXPECT_EQ(r.frames.size(), 1U);
    EXPECT_EQ(r.warning, path + ": stopped reading after 1 packets: invalid packet capture "
                                "length 300000, bigger than snaplen of 65535");
}

TEST_F(PcapRecords, ALinkTypeWithLargerRecordsHasLibpcapsLargerBound) {
    // USBPCAP records may be 1 MiB: one past the usual bound is cut short, not refused (found
    // by fuzz_pcap_file). pairwatch decodes no such link type, so the reader is asked alone.
    const std::string path = write({.snaplen = 262144, .linktype = DLT_USBPCAP},
                                   {{1, 0, 60, 60}, {2, 0, 262399, 0, 11}});
    const Read theirs = read_with_libpcap(path);
    char errbuf[PCAP_ERRBUF_SIZE] = {};
    pcap_t* p = pcap_open_offline(path.c_str(), errbuf);
    ASSERT_NE(p, nullptr) << errbuf;
    const auto layout = direct_record_layout(p, false);
    pcap_close(p);
    ASSERT_TRUE(layout.has_value());
    EXPECT_EQ(layout->max_caplen, 1024U * 1024);
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    ASSERT_GE(fd, 0);
    PcapRecordReader reader(fd, 24, *layout);
    PcapRecord record;
    EXPECT_EQ(reader.next(record), PcapRecordReader::Status::Record);
    EXPECT_EQ(record.bytes.size(), 60U);
    EXPECT_EQ(reader.next(record), PcapRecordReader::Status::Error);
    EXPECT_EQ(reader.error(),
              "truncated dump file; tried to read 262144 captured bytes, only got 11");
    ::close(fd);
    EXPECT_EQ(theirs.frames.size(), 1U);
    EXPECT_EQ(theirs.warning, path + ": stopped reading after 1 packets: " + reader.error());
}

TEST(LibpcapMaxCaplen, IsLibpcapsBoundForEveryLinkType) {
    // A header with snaplen 0 makes libpcap take its own bound for the link type as the
    // snapshot, which it then reports.
    int larger = 0;
    for (std::uint32_t linktype = 0; linktype < 400; ++linktype) {
        const std::array<std::uint32_t, 6> header = {0xa1b2c3d4, 0x00040002, 0, 0, 0, linktype};
        std::FILE* f = ::fmemopen(const_cast<std::uint32_t*>(header.data()), sizeof header, "rb");
        ASSERT_NE(f, nullptr);
        char errbuf[PCAP_ERRBUF_SIZE] = {};
        pcap_t* p = pcap_fopen_offline(f, errbuf);
        if (p == nullptr) continue; // a link type libpcap does not know
        const auto bound = static_cast<std::uint32_t>(pcap_snapshot(p));
        EXPECT_EQ(capture::libpcap_max_caplen(pcap_datalink(p)), bound) << "linktype " << linktype;
        if (bound > 262144) ++larger;
        pcap_close(p);
    }
    EXPECT_EQ(larger, 3); // DBUS, USBPCAP, EBHSCR
}

TEST_F(PcapRecords, AFileCutInARecordHeaderKeepsWhatCameBefore) {
    const std::string path = write({.header_bytes_after = 7}, {{1, 0, 60, 60}});
    const Read r = both_ways(path);
    EXPECT_EQ(r.frames.size(), 1U);
    EXPECT_EQ(r.warning, path + ": stopped reading after 1 packets: truncated dump file; tried to "
                                "read 16 header bytes, only got 7");
}

TEST_F(PcapRecords, AFileCutInARecordsBytesKeepsWhatCameBefore) {
    const std::string path = write({}, {{1, 0, 60, 60}, {2, 0, 60, 60, 20}});
    const Read r = both_ways(path);
    EXPECT_EQ(r.frames.size(), 1U);
    EXPECT_EQ(r.warning, path + ": stopped reading after 1 packets: truncated dump file; tried to "
                                "read 60 captured bytes, only got 20");
}

TEST_F(PcapRecords, AFileCutInARecordLongerThanTheSnapshotNamesWhatLibpcapNames) {
    // Short of the snapshot, libpcap names the snapshot; past it, the record's length.
    const std::string before = write({.snaplen = 64}, {{1, 0, 100, 100, 30}});
    EXPECT_EQ(both_ways(before).warning,
              before + ": stopped reading after 0 packets: truncated "
                       "dump file; tried to read 64 captured bytes, only got 30");
    const std::string after = write({.snaplen = 64}, {{1, 0, 100, 100, 80}});
    EXPECT_EQ(both_ways(after).warning,
              after + ": stopped reading after 0 packets: truncated "
                      "dump file; tried to read 100 captured bytes, only got 80");
}

TEST_F(PcapRecords, AnOldFileWithSwappedLengthsStaysWithLibpcap) {
    // Version 2.3 writers may have swapped caplen and len; libpcap swaps them back.
    const Read r = both_ways(write({.minor = 3}, {{1, 0, 60, 40}}));
    ASSERT_EQ(r.frames.size(), 1U);
    EXPECT_EQ(r.frames[0].bytes.size(), 40U);
    EXPECT_EQ(r.frames[0].wire_len, 60U);
}

TEST_F(PcapRecords, NflogOfTheOtherByteOrderStaysWithLibpcap) {
    // libpcap turns NFLOG's TLV headers around in such a file; the bytes must match its.
    const std::vector<std::uint8_t> nflog = {2, 0, 0, 0,             // AF_INET, version 0
                                             0, 8, 0, 10, 1, 2, 3, 4, // a TLV, written big-endian
                                             0, 8, 0, 9, 5, 6, 7, 8};
    const Read r = both_ways(
        write({.big_endian = true, .linktype = DLT_NFLOG}, {{1, 0, 20, 20, SIZE_MAX, nflog}}));
    ASSERT_EQ(r.frames.size(), 1U);
    EXPECT_EQ(std::to_integer<int>(r.frames[0].bytes[4]), 8); // now in this machine's order
}

TEST_F(PcapRecords, EveryTestCaptureReadsAsLibpcapReadsIt) {
    const auto files = testing::all_test_captures();
    if (testing::shared_captures_dir().empty()) {
        std::cout << "../shared/captures is absent: only captures/ is compared\n";
    }
    ASSERT_FALSE(files.empty());
    for (const std::string& path : files) {
        if (!decode::link_type_supported(dlt_of(path))) continue; // refused when opened
        SCOPED_TRACE(path);
        const Read r = both_ways(path);
        if (r.warning.empty()) {
            EXPECT_EQ(r.position, std::filesystem::file_size(path));
        }
    }
}

TEST_F(PcapRecords, AFilterKeepsWhatLibpcapsFilterKeeps) {
    int compared = 0;
    for (const std::string& path : testing::all_test_captures()) {
        if (!path.ends_with(".pcap") || dlt_of(path) != DLT_EN10MB) continue;
        SCOPED_TRACE(path);
        const Read all = read_with_pairwatch(path);
        const Read tcp = both_ways(path, "tcp and not port 80");
        EXPECT_LE(tcp.frames.size(), all.frames.size());
        ++compared;
    }
    EXPECT_GT(compared, 10);
}

} // namespace
} // namespace pairwatch::capture
