// --packets: one line per TCP/UDP packet, the first view of what the decoder sees.
#pragma once

#include "pairwatch/decode/packet_consumer.h"

#include <cstdio>
#include <fmt/format.h>
#include <string>

namespace pairwatch::report {

/// "FRAME TS PROTO SRC:SPORT > DST:DPORT FLAGS LEN [frag]"
[[nodiscard]] std::string format_packet_line(const decode::PacketInfo& p, int ts_decimals);

/// tcpdump's letters: "[S.]", "[P.]", "[R]", "[none]".
[[nodiscard]] std::string format_tcp_flags(std::uint8_t flags);

class PacketPrinter final : public decode::PacketConsumer {
public:
    PacketPrinter(std::FILE* out, int ts_decimals) : out_(out), ts_decimals_(ts_decimals) {}
    void on_packet(const decode::PacketInfo& packet) override;
    void on_batch_end() override { flush(); }
    void on_end() override { flush(); }
    [[nodiscard]] bool wants_stop() const override { return closed_; }

private:
    void flush();

    std::FILE* out_;
    int ts_decimals_;
    fmt::memory_buffer buffer_;
    bool closed_ = false;
};

} // namespace pairwatch::report
