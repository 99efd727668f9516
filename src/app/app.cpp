#include "pairwatch/app/app.h"

#include "pairwatch/app/pipeline.h"
#include "pairwatch/app/privileges.h"
#include "pairwatch/capture/pcap_source.h"
#include "pairwatch/decode/link_type.h"
#include "pairwatch/report/decode_summary.h"
#include "pairwatch/report/packet_printer.h"

#include <unistd.h>

#include <filesystem>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

namespace pairwatch::app {

namespace {

constexpr const char* kDemoName = "demo.pcapng";

int list_interfaces() {
    for (const auto& i : capture::list_interfaces()) {
        std::string flags;
        if (i.up) flags += "up";
        if (i.running) flags += flags.empty() ? "running" : ",running";
        if (i.loopback) flags += flags.empty() ? "loopback" : ",loopback";
        fmt::print("{:<16} [{}]{}{}\n", i.name, flags, i.description.empty() ? "" : " ",
                   i.description);
    }
    return 0;
}

} // namespace

std::string find_demo_capture() {
    namespace fs = std::filesystem;
    std::error_code ec;
    const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
    std::vector<fs::path> candidates;
    if (!ec) candidates.push_back(exe.parent_path().parent_path() / "share/pairwatch" / kDemoName);
    candidates.push_back(fs::path(PAIRWATCH_SOURCE_DIR) / "captures" / kDemoName);
    for (const auto& c : candidates) {
        if (fs::exists(c, ec)) return c.string();
    }
    return {};
}

int run(const Config& config) {
    if (config.action == Action::Help) {
        fmt::print("{}", usage_text());
        return 0;
    }
    if (config.action == Action::Version) {
        fmt::print("pairwatch {}\n", PAIRWATCH_VERSION);
        return 0;
    }
    if (config.action == Action::ListInterfaces) return list_interfaces();

    std::unique_ptr<capture::PacketSource> source;
    if (!config.interface.empty()) {
        capture::LiveOptions live;
        live.interface = config.interface;
        live.snaplen = config.snaplen;
        live.promiscuous = config.promiscuous;
        live.buffer_kib = config.buffer_kib;
        live.filter = config.filter;
        source = capture::open_live(live);
        spdlog::info("capturing on {} (link type {}, snaplen {}){}", config.interface,
                     decode::link_type_name(source->info().dlt), config.snaplen,
                     config.filter.empty() ? "" : ", filter '" + config.filter + "'");
    } else {
        std::string path = config.read_file;
        if (config.demo) {
            path = find_demo_capture();
            if (path.empty()) {
                throw capture::CaptureError(
                    "no source given and the demo capture is not installed; use -r FILE or "
                    "-i IFACE (pairwatch --help)");
            }
            spdlog::info("no source given: replaying the bundled demo capture {}", path);
        }
        source = capture::open_capture_file(path, config.filter);
    }
    const std::string user = drop_privileges(config.drop_to_user);
    spdlog::debug("capturing as {}", user);

    const capture::SourceInfo info = source->info();
    std::vector<decode::PacketConsumer*> consumers;
    std::unique_ptr<report::PacketPrinter> printer;
    if (config.packets) {
        printer = std::make_unique<report::PacketPrinter>(stdout, info.ts_decimals);
        consumers.push_back(printer.get());
    }
    Pipeline pipeline(std::move(source), consumers);
    const RunResult result = pipeline.run();

    if (result.source_warning) spdlog::warn("{}", *result.source_warning);
    const bool output_closed = printer && printer->wants_stop();
    if (!output_closed && (config.packets || !config.quiet)) {
        std::string text = report::format_decode_counters(result.decode, result.fragments);
        if (result.capture) text += report::format_capture_counters(*result.capture);
        if (config.packets) text.insert(0, "\n");
        std::fwrite(text.data(), 1, text.size(), stdout);
        std::fflush(stdout);
    }
    if (config.demo) {
        spdlog::info("that was the demo capture; to watch live: sudo pairwatch -i IFACE "
                     "(pairwatch -D lists interfaces), or read your own: pairwatch -r FILE");
    }
    return 0;
}

} // namespace pairwatch::app
