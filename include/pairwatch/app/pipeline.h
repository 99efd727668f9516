// The threads: capture reads frames into batches, the decoding thread decodes them and feeds
// the consumers, and the calling thread waits for signals (and, later, drives the report).
#pragma once

#include "pairwatch/capture/packet_source.h"
#include "pairwatch/decode/decode_stats.h"
#include "pairwatch/decode/decoder.h"
#include "pairwatch/decode/packet_consumer.h"

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace pairwatch::app {

struct RunResult {
    decode::DecodeStats decode;
    decode::FragmentTableStats fragments;
    std::optional<capture::CaptureCounters> capture;
    std::optional<std::string> source_warning;
    bool interrupted = false; // SIGINT or SIGTERM ended the run
};

class Pipeline {
public:
    Pipeline(std::unique_ptr<capture::PacketSource> source,
             std::vector<decode::PacketConsumer*> consumers, decode::DecoderOptions options = {});
    ~Pipeline();
    Pipeline(const Pipeline&) = delete;
    Pipeline& operator=(const Pipeline&) = delete;

    /// Runs until the source ends, a consumer stops, or SIGINT/SIGTERM arrives; every packet
    /// read is decoded and counted before it returns.
    /// `on_wake` runs on the calling thread about every 100 ms (the report prints from there).
    RunResult run(const std::function<void()>& on_wake = {});

private:
    struct Shared;
    void capture_loop();
    void decode_loop();

    std::unique_ptr<capture::PacketSource> source_;
    std::vector<decode::PacketConsumer*> consumers_;
    decode::Decoder decoder_;
    std::unique_ptr<Shared> shared_;
};

} // namespace pairwatch::app
