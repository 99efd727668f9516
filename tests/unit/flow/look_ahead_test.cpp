// The flow table's look-ahead is a hint: over the benchmark's own traffic (TCP handshakes,
// data, FIN and RST closes, UDP, VLANs, IPv6; conversations ending and new ones taking their
// slots all along), a table that looks ahead at every packet ends exactly the conversations,
// with exactly the counts and states, of one that never does.
#include "pairwatch/app/pipeline.h"
#include "pairwatch/capture/memory_source.h"
#include "pairwatch/flow/flow_table.h"

#include "support/flow_packets.h"
#include "traffic.h"

#include <gtest/gtest.h>

#include <pcap/dlt.h>

#include <cstring>
#include <limits>
#include <string>
#include <vector>

namespace pairwatch::test {
namespace {

std::vector<capture::MemoryFrame> generated(std::uint64_t packets, std::uint32_t conversations) {
    bench::TrafficOptions options;
    options.packets = packets;
    options.conversations = conversations;
    options.seed = 7;
    options.snaplen = 128;
    bench::TrafficGenerator generator(options);
    std::vector<capture::MemoryFrame> frames;
    bench::GeneratedFrame f;
    while (generator.next(f)) {
        frames.push_back({f.ts_ns, std::vector<std::byte>(f.bytes.begin(), f.bytes.end()), f.wire_len});
    }
    return frames;
}

/// What each ended conversation was, in the order they ended.
std::vector<std::string> ended_with_look_ahead_from(const std::vector<capture::MemoryFrame>& frames,
                                                    std::size_t from, bool& looked) {
    CapturingSink sink;
    flow::FlowTableOptions options;
    options.look_ahead_from = from;
    options.hash_seed = 3;
    flow::FlowTable table(options, {}, &sink);
    // Through the pipeline, which shows the table each packet ahead of its turn as it runs.
    app::Pipeline pipeline(std::make_unique<capture::MemorySource>(DLT_EN10MB, frames), {&table});
    pipeline.run();
    looked = table.looks_ahead();
    std::vector<std::string> out;
    out.reserve(sink.ended.size());
    for (const auto& e : sink.ended) {
        const flow::Flow& f = e.flow;
        std::string key(sizeof(flow::FlowKey), '\0');
        std::memcpy(key.data(), &f.key, sizeof(flow::FlowKey));
        out.push_back(key + std::to_string(f.first_ns) + " " + std::to_string(f.last_ns) + " " +
                      std::to_string(f.orig().packets.get()) + " " + std::to_string(f.resp().packets.get()) +
                      " " + std::to_string(f.orig().ip_bytes.get()) + " " +
                      std::to_string(f.resp().ip_bytes.get()) + " " + std::string(flow::to_string(e.conn_state())) +
                      " " + e.history() + " " + std::to_string(static_cast<int>(e.why)));
    }
    return out;
}

TEST(LookAhead, ATableThatLooksAheadEndsTheSameConversationsAsOneThatNeverDoes) {
    // 300k packets over 20k conversations open at once: thousands end and are replaced.
    const auto frames = generated(300'000, 20'000);
    bool always_looked = false, never_looked = true;
    const auto always = ended_with_look_ahead_from(frames, 0, always_looked);
    const auto never = ended_with_look_ahead_from(frames, std::numeric_limits<std::size_t>::max(), never_looked);
    EXPECT_TRUE(always_looked);
    EXPECT_FALSE(never_looked);
    ASSERT_GT(never.size(), 20'000u);
    ASSERT_EQ(always.size(), never.size());
    for (std::size_t i = 0; i < never.size(); ++i) {
        ASSERT_EQ(always[i], never[i]) << "conversation " << i << " to end";
    }
}

} // namespace
} // namespace pairwatch::test
