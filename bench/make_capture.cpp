// pairwatch_make_capture: writes the benchmark's synthetic traffic (traffic.h) as a classic pcap,
// and beside it OUT.meta, what was generated (packets, conversations, mix), for scripts/bench.sh
// and its checks against tshark.
//
//   pairwatch_make_capture OUT.pcap [--packets N] [--conversations M] [--seed S]
//                          [--snaplen 128] [--gap-s 1.0]
#include "traffic.h"

#include <fmt/core.h>
#include <fmt/os.h>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace {

using pairwatch::bench::GeneratedFrame;
using pairwatch::bench::TrafficGenerator;
using pairwatch::bench::TrafficOptions;

// pcap files are written little-endian whatever the host, byte by byte like the frames.
void put_le32(std::vector<std::byte>& out, std::uint32_t v) {
    for (int i = 0; i < 4; ++i) out.push_back(static_cast<std::byte>(v >> (8 * i)));
}
void put_le16(std::vector<std::byte>& out, std::uint16_t v) {
    out.push_back(static_cast<std::byte>(v));
    out.push_back(static_cast<std::byte>(v >> 8));
}

struct FileCloser {
    void operator()(std::FILE* f) const { std::fclose(f); }
};

std::uint64_t number(std::string_view option, const char* text) {
    char* end = nullptr;
    const auto v = std::strtoull(text, &end, 10);
    if (end == text || *end != '\0') throw std::invalid_argument(fmt::format("{}: not a number: {}", option, text));
    return v;
}

int run(int argc, char** argv) {
    TrafficOptions options;
    std::string out_path;
    for (int i = 1; i < argc; ++i) {
        const std::string_view arg = argv[i];
        const bool has_value = i + 1 < argc;
        if (arg == "--packets" && has_value) options.packets = number(arg, argv[++i]);
        else if (arg == "--conversations" && has_value)
            options.conversations = static_cast<std::uint32_t>(number(arg, argv[++i]));
        else if (arg == "--seed" && has_value) options.seed = number(arg, argv[++i]);
        else if (arg == "--snaplen" && has_value)
            options.snaplen = static_cast<std::uint32_t>(number(arg, argv[++i]));
        else if (arg == "--gap-s" && has_value) options.data_gap_s = std::stod(argv[++i]);
        else if (!arg.starts_with("-") && out_path.empty()) out_path = arg;
        else throw std::invalid_argument(fmt::format("unknown option or missing value: {}", arg));
    }
    if (out_path.empty() || options.conversations == 0)
        throw std::invalid_argument("usage: pairwatch_make_capture OUT.pcap [--packets N] "
                                    "[--conversations M] [--seed S] [--snaplen L] [--gap-s G]");

    std::unique_ptr<std::FILE, FileCloser> file(std::fopen(out_path.c_str(), "wb"));
    if (!file) throw std::runtime_error(fmt::format("{}: cannot write", out_path));
    std::vector<std::byte> buffer;
    buffer.reserve(4 << 20);
    put_le32(buffer, 0xa1b2c3d4); // microsecond timestamps
    put_le16(buffer, 2);
    put_le16(buffer, 4);
    put_le32(buffer, 0); // thiszone
    put_le32(buffer, 0); // sigfigs
    put_le32(buffer, options.snaplen != 0 ? options.snaplen : 65535);
    put_le32(buffer, 1); // LINKTYPE_ETHERNET

    TrafficGenerator traffic(options);
    GeneratedFrame frame;
    const auto flush = [&] {
        if (std::fwrite(buffer.data(), 1, buffer.size(), file.get()) != buffer.size())
            throw std::runtime_error(fmt::format("{}: write failed", out_path));
        buffer.clear();
    };
    while (traffic.next(frame)) {
        const auto us = frame.ts_ns / 1000;
        put_le32(buffer, static_cast<std::uint32_t>(us / 1'000'000));
        put_le32(buffer, static_cast<std::uint32_t>(us % 1'000'000));
        put_le32(buffer, static_cast<std::uint32_t>(frame.bytes.size()));
        put_le32(buffer, frame.wire_len);
        buffer.insert(buffer.end(), frame.bytes.begin(), frame.bytes.end());
        if (buffer.size() > (4u << 20) - 2048) flush();
    }
    flush();
    if (std::fclose(file.release()) != 0) throw std::runtime_error(fmt::format("{}: close failed", out_path));

    const auto& s = traffic.stats();
    auto meta = fmt::output_file(out_path + ".meta");
    meta.print("packets {}\nconversations {}\ntcp_conversations {}\nudp_conversations {}\n"
               "udp_packets {}\nipv6_packets {}\nvlan_packets {}\nfin_closes {}\nrst_closes {}\n"
               "wire_bytes {}\ncaptured_bytes {}\nopen_at_once {}\nseed {}\nsnaplen {}\n",
               s.packets, s.conversations, s.tcp_conversations, s.udp_conversations,
               s.udp_packets, s.ipv6_packets, s.vlan_packets, s.fin_closes, s.rst_closes,
               s.wire_bytes, s.captured_bytes, options.conversations, options.seed,
               options.snaplen);
    return 0;
}

} // namespace

int main(int argc, char** argv) {
    try {
        return run(argc, argv);
    } catch (const std::invalid_argument& e) {
        fmt::print(stderr, "pairwatch_make_capture: {}\n", e.what());
        return 2;
    } catch (const std::exception& e) {
        fmt::print(stderr, "pairwatch_make_capture: {}\n", e.what());
        return 1;
    }
}
