#include "pairwatch/app/app.h"

#include "pairwatch/app/pipeline.h"
#include "pairwatch/app/signal_channel.h"
#include "pairwatch/app/privileges.h"
#include "pairwatch/capture/pcap_source.h"
#include "pairwatch/decode/link_type.h"
#include "pairwatch/dpi/app_detector.h"
#include "pairwatch/export/csv_writer.h"
#include "pairwatch/export/file_sink_thread.h"
#include "pairwatch/export/ipfix_exporter.h"
#include "pairwatch/export/json_writer.h"
#include "pairwatch/export/zeek_conn_writer.h"
#include "pairwatch/flow/flow_table.h"
#include "pairwatch/report/decode_summary.h"
#include "pairwatch/report/flow_summary.h"
#include "pairwatch/report/console_view.h"
#include "pairwatch/report/live_report.h"
#include "pairwatch/report/packet_printer.h"
#include "pairwatch/services/client_port.h"
#include "pairwatch/services/flow_label.h"
#include "pairwatch/services/proto.h"
#include "pairwatch/services/service_registry.h"
#include "pairwatch/watch/alert_engine.h"
#include "pairwatch/watch/app_match.h"
#include "pairwatch/watch/inventory_file.h"
#include "pairwatch/watch/server_inventory.h"
#include "pairwatch/export/alert_writer.h"
#include "pairwatch/export/metrics.h"
#include "pairwatch/watch/policy.h"
#include "pairwatch/watch/server_inventory.h"
#include "check_policy.h"
#include "flow_workers.h"
#include "report_driver.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <mutex>
#include <random>
#include <fmt/format.h>
#include <spdlog/sinks/ringbuffer_sink.h>
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

/// Hands each ended flow to every sink in turn.
std::int64_t to_ns(double seconds) { return static_cast<std::int64_t>(seconds * 1e9); }

/// The file outputs (--json, --zeek-conn, --csv), each writing on its own: one that fails says
/// so once and stops, the others and the capture go on, and the exit status is 1.
struct FileOutputs {
    std::vector<std::unique_ptr<exporter::FileSink>> sinks;

    /// The writers ask no app of their own: FileSinkThread looks it up on the flow thread.
    FileOutputs(const Config& config, const services::ServiceRegistry& registry, std::uint64_t seed) {
        using exporter::OutputFile;
        if (config.json_file) {
            sinks.push_back(std::make_unique<exporter::JsonWriter>(
                std::make_unique<OutputFile>(*config.json_file, "--json"), registry, seed));
        }
        if (config.zeek_conn_file) {
            sinks.push_back(std::make_unique<exporter::ZeekConnWriter>(
                std::make_unique<OutputFile>(*config.zeek_conn_file, "--zeek-conn"), registry,
                seed, config.local_nets));
        }
        if (config.csv_file) {
            sinks.push_back(std::make_unique<exporter::CsvWriter>(
                std::make_unique<OutputFile>(*config.csv_file, "--csv"), registry, seed));
        }
    }
    [[nodiscard]] bool any(bool (exporter::OutputFile::*test)() const) const {
        return std::any_of(sinks.begin(), sinks.end(),
                           [test](const auto& s) { return (s->output().*test)(); });
    }
    /// A write failed for another reason than the reader of a pipe going away.
    [[nodiscard]] bool failed() const {
        return std::any_of(sinks.begin(), sinks.end(), [](const auto& s) {
            return s->output().failed() && !s->output().closed_by_reader();
        });
    }
};

/// Alerts in the log (stderr, or held while the full-screen view is up).
class LogAlerts final : public watch::AlertSink {
public:
    void on_alert(const watch::Alert& alert) override {
        spdlog::warn("alert: {}", watch::alert_to_text(alert));
    }
};

/// "alerts: 2 raised (new-server 1, scan 1)" and one line each, for the summary.
std::string format_alerts(const watch::AlertEngine& engine) {
    const auto& all = engine.alerts();
    if (all.empty()) return "alerts: none\n";
    std::string kinds;
    const auto counts = engine.counts();
    for (std::size_t k = 0; k < counts.size(); ++k) {
        if (counts[k] == 0) continue;
        kinds += fmt::format("{}{} {}", kinds.empty() ? "" : ", ",
                             watch::to_string(static_cast<watch::AlertKind>(k)), counts[k]);
    }
    std::string out = fmt::format("alerts: {} raised ({})\n", all.size(), kinds);
    for (const auto& a : all) out += "  " + watch::alert_to_text(a) + "\n";
    if (engine.not_raised() > 0) {
        out += fmt::format("  {} more not raised: {} is the most kept\n", engine.not_raised(),
                           watch::AlertEngine::kMaxAlerts);
    }
    return out;
}

/// The sinks' lock while flow workers write them; nothing to take with one worker (null).
[[nodiscard]] std::unique_lock<std::mutex> hold_sinks(std::mutex* lock) {
    return lock != nullptr ? std::unique_lock(*lock) : std::unique_lock<std::mutex>();
}

/// The output files' upkeep, asked of their writer thread in line with the records. A live
/// capture's records reach their files within a second, so `tail -f flows.jsonl` follows the
/// link (a file read keeps the big buffered writes); SIGHUP reopens every file, for logrotate.

class OutputUpkeep final : public decode::PacketConsumer {
public:
    /// `writer`: the thread the file outputs are written on (null without any); `lock`: the
    /// sinks' lock while flow workers hand it flows (null with one worker).
    OutputUpkeep(exporter::FileSinkThread* writer, exporter::AlertWriter* alerts, bool live,
                 std::mutex* lock)
        : writer_(writer), alerts_(alerts), live_(live), lock_(lock) {}
    void on_packet(const decode::PacketInfo& /*packet*/) override {}
    void on_batch_end() override {
        if (!live_) return;
        const auto now = std::chrono::steady_clock::now();
        if (now < next_) return;
        next_ = now + std::chrono::seconds(1);
        const auto hold = hold_sinks(lock_);
        if (writer_ != nullptr) writer_->flush();
    }
    void on_reopen() override {
        const auto hold = hold_sinks(lock_);
        if (writer_ != nullptr) writer_->reopen();
        if (alerts_ != nullptr) alerts_->reopen();
    }

private:
    exporter::FileSinkThread* writer_;
    exporter::AlertWriter* alerts_;
    bool live_;
    std::mutex* lock_;
    std::chrono::steady_clock::time_point next_{};
};

/// IPFIX's clock on the flow thread (sending a held message, refreshing templates) works on
/// the state the flow workers' records go to: with several workers it takes the sinks' lock.
class IpfixUpkeep final : public decode::PacketConsumer {
public:
    IpfixUpkeep(exporter::IpfixExporter& ipfix, std::mutex* lock) : ipfix_(ipfix), lock_(lock) {}
    void on_packet(const decode::PacketInfo& /*packet*/) override {}
    void on_batch_end() override {
        const auto hold = hold_sinks(lock_);
        ipfix_.on_batch_end();
    }

private:
    exporter::IpfixExporter& ipfix_;
    std::mutex* lock_;
};

std::unique_ptr<exporter::IpfixExporter> make_ipfix(const Config& config, std::uint64_t seed) {
    const exporter::CollectorAddress address = exporter::parse_collector(*config.ipfix);
    exporter::IpfixExporterOptions options;
    options.encoder.observation_domain_id = config.ipfix_domain;
    options.encoder.biflow = config.ipfix_biflow;
    // UDP: a message in one datagram under a 1500-byte MTU; TCP: larger messages, fewer headers.
    options.encoder.max_message_bytes = address.tcp ? 16384 : 1400;
    options.hash_seed = seed;
    return std::make_unique<exporter::IpfixExporter>(exporter::open_transport(address), options);
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
    if (config.action == Action::CheckPolicy) return check_policy(config);

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
    // Everything that opens a file does so before privileges are dropped.
    const services::ServiceRegistry registry =
        services::ServiceRegistry::standard(config.services_file);
    // --policy: a mistake stops the start with its line (watch::PolicyError, caught in main).
    // TODO(#5): the alerts evaluate it once per new server of the inventory.
    std::optional<watch::Policy> policy;
    if (config.policy_file) {
        policy.emplace(watch::load_policy(*config.policy_file, registry));
        for (const auto& w : policy->warnings()) spdlog::warn("{}", w.to_string());
        spdlog::info("policy {}: {} rules, then default {}", policy->file(), policy->rules().size(),
                     watch::to_string(policy->default_action()));
    }
    const std::uint64_t seed = config.hash_seed.value_or(std::random_device{}() * 0x9e3779b97f4a7c15ULL ^
                                                         std::random_device{}());
    const capture::SourceInfo info = source->info();
    // The rolling report: a live capture and a paced replay report by capture time; a file
    // read at full speed only when --interval was given, by wall time.
    const bool rolling = !config.quiet && !config.packets && config.interval_s > 0 &&
                         (info.live || config.replay_speed > 0 || config.interval_given);
    // The flow tables (one per --threads worker) and their payload inspectors, which sit between
    // each table and the sinks (see dpi/app_detector.h); built before privileges are dropped.
    flow::FanOutSink sinks;
    FlowWorkersOptions flow_options;
    flow_options.workers = config.threads != 0 ? config.threads : default_flow_workers();
    flow_options.dpi = config.dpi;
    flow_options.table.max_flows = config.max_flows;
    flow_options.table.tcp_timeout_ns = to_ns(config.tcp_timeout_s);
    flow_options.table.udp_timeout_ns = to_ns(config.udp_timeout_s);
    flow_options.table.closed_linger_ns = to_ns(config.linger_s);
    flow_options.table.hash_seed = seed;
    // Only IPFIX reports running conversations; the other outputs keep one record each.
    if (config.ipfix) flow_options.table.active_timeout_ns = to_ns(config.active_timeout_s);
    auto client_rule = [&registry](std::uint8_t proto, std::uint16_t a, std::uint16_t b) {
        const auto p = proto == decode::kIpProtoTcp ? services::Proto::Tcp : services::Proto::Udp;
        const services::ClientGuess g = services::guess_client_port(registry, p, a, b);
        return g.side == services::ClientSide::A ? -1 : g.side == services::ClientSide::B ? 1 : 0;
    };
    FlowWorkers flows(flow_options, client_rule, sinks);
    FileOutputs outputs(config, registry, seed);
    std::optional<absl::flat_hash_set<watch::ServerKey>> baseline;
    if (config.baseline_file) baseline = watch::read_baseline(*config.baseline_file);
    std::unique_ptr<exporter::AlertWriter> alert_writer;
    if (config.alerts_file) {
        alert_writer = std::make_unique<exporter::AlertWriter>(
            std::make_unique<exporter::OutputFile>(*config.alerts_file, "--alerts"));
    }
    std::unique_ptr<exporter::OutputFile> servers_out, learn_out;
    if (config.servers_file) servers_out = std::make_unique<exporter::OutputFile>(*config.servers_file, "--servers");
    if (config.learn_file) learn_out = std::make_unique<exporter::OutputFile>(*config.learn_file, "--learn");
    // Every file is open (opening a FIFO waits for its reader, and a signal must still end
    // that wait). From here on the run starts threads and waits on nothing outside: the stop
    // signals are held for the capture from now, so none of those threads takes one and
    // ends the process without its summary (app/signal_channel.h).
    const SignalChannel signals;
    // --metrics binds before privileges are dropped (a port below 1024 needs root). Until the
    // collector exists the endpoint serves empty counters.
    std::atomic<const exporter::MetricsCollector*> metrics_source{nullptr};
    std::atomic<const Pipeline*> running{nullptr};
    std::unique_ptr<exporter::MetricsServer> metrics_server;
    if (config.metrics) {
        const exporter::BindAddress where = exporter::parse_bind_address(*config.metrics);
        metrics_server = std::make_unique<exporter::MetricsServer>(
            where, [&metrics_source, &running] {
                exporter::MetricsValues v;
                if (const auto* m = metrics_source.load()) v = m->latest();
                if (const auto* p = running.load()) v.capture = p->capture_counters();
                return exporter::format_metrics(v);
            });
        spdlog::info("metrics on http://{}:{}/metrics",
                     where.host.find(':') != std::string::npos ? "[" + where.host + "]" : where.host,
                     metrics_server->port());
    }
    // The report and summary go to stdout, unless a "-" output took it.
    std::FILE* const report_out =
        outputs.any(&exporter::OutputFile::is_stdout) || (alert_writer && alert_writer->output().is_stdout())
            ? stderr
            : stdout;
    std::unique_ptr<exporter::IpfixExporter> ipfix;
    if (config.ipfix) ipfix = make_ipfix(config, seed);
    const std::string user = drop_privileges(config.drop_to_user);
    spdlog::debug("capturing as {}", user);

    std::vector<decode::PacketConsumer*> consumers;
    std::unique_ptr<report::PacketPrinter> printer;
    if (config.packets) {
        printer = std::make_unique<report::PacketPrinter>(stdout, info.ts_decimals);
        consumers.push_back(printer.get());
    }
    // The files are written on a thread of their own, fed in the order the flows end.
    std::unique_ptr<exporter::FileSinkThread> file_writer;
    if (!outputs.sinks.empty()) {
        std::vector<exporter::FileSink*> files;
        for (const auto& s : outputs.sinks) files.push_back(s.get());
        file_writer = std::make_unique<exporter::FileSinkThread>(std::move(files), flows.apps());
        sinks.add(file_writer.get());
    }
    // Every server that answers, for the servers view, --servers/--learn and the alerts.
    watch::ServerInventory inventory;
    sinks.add(&inventory);
    watch::AlertOptions alert_options;
    alert_options.baseline = baseline ? &*baseline : nullptr;
    alert_options.policy = policy ? &*policy : nullptr;
    alert_options.scan_threshold = config.scan_threshold;
    alert_options.scan_window_ns = to_ns(config.scan_window_s);
    watch::AlertEngine alerts(registry, alert_options);
    LogAlerts log_alerts;
    alerts.add_sink(&log_alerts);
    if (alert_writer) alerts.add_sink(alert_writer.get());
    sinks.add(&alerts);
    if (ipfix) sinks.add(ipfix.get());
    report::FlowSummary summary(registry);
    if (!config.quiet && !config.packets) sinks.add(&summary);

    flows.set_app_listener([&alerts, &registry](const flow::Flow& f, std::string_view app) {
        const services::FlowLabel label = services::label_flow(f, registry);
        // Only the responder's own port makes a claim about what the server speaks.
        if (label.source != services::LabelSource::RespPort) return;
        if (watch::app_contradicts_service(app, label.service->name)) {
            alerts.on_app(f, app, label.service->name);
        }
    });
    // One worker runs on the decoding thread with the other consumers; several get a thread
    // each and the packets of their own conversations (app/pipeline.h).
    PipelineOptions pipeline_options;
    if (flows.size() == 1) {
        for (auto* c : flows.consumers(0)) consumers.push_back(c);
    } else {
        for (std::size_t k = 0; k < flows.size(); ++k) pipeline_options.workers.push_back(flows.consumers(k));
        pipeline_options.worker_seed = seed;
        spdlog::debug("{} flow workers", flows.size());
    }
    OutputUpkeep upkeep(file_writer.get(), alert_writer.get(), info.live, flows.sinks_lock());
    if (!outputs.sinks.empty() || alert_writer) consumers.push_back(&upkeep);
    std::optional<IpfixUpkeep> ipfix_upkeep;
    if (ipfix) consumers.push_back(&ipfix_upkeep.emplace(*ipfix, flows.sinks_lock()));
    std::unique_ptr<exporter::MetricsCollector> metrics;
    if (metrics_server) {
        metrics = std::make_unique<exporter::MetricsCollector>([&flows] { return flows.stats(); }, registry);
        consumers.push_back(metrics.get());
        sinks.add(metrics.get());
        alerts.add_sink(metrics.get());
        metrics_source.store(metrics.get());
    }

    const bool stdout_taken = report_out != stdout;
    std::unique_ptr<report::LiveReport> live;
    std::unique_ptr<report::ConsoleView> console;
    report::HeaderInfo header{info.name, info.live, info.live ? 0 : config.replay_speed, {}};
    if (rolling) {
        report::LiveReportOptions options;
        options.interval_s = config.interval_s;
        options.clock = info.live || config.replay_speed > 0 ? report::LiveReportOptions::Clock::Capture
                                                             : report::LiveReportOptions::Clock::Wall;
        options.lossless = !info.live;
        if (!stdout_taken && ::isatty(STDOUT_FILENO) != 0) {
            try {
                console = std::make_unique<report::ConsoleView>(report::ConsoleOptions{
                    config.color && std::getenv("NO_COLOR") == nullptr, header});
                options.top = 64;
            } catch (const report::ConsoleError& e) {
                spdlog::warn("no full-screen view ({}): printing the report as text", e.what());
            }
        }
        std::vector<const flow::FlowTable*> tables;
        for (std::size_t k = 0; k < flows.size(); ++k) tables.push_back(&flows.table(k));
        live = std::make_unique<report::LiveReport>(std::move(tables), registry, &inventory, options);
        live->set_alerts(&alerts);
        sinks.add(live.get());
        consumers.push_back(live.get());
        const bool by_capture_time = options.clock == report::LiveReportOptions::Clock::Capture;
        const std::int64_t interval_ns = by_capture_time ? to_ns(config.interval_s) : 0;
        // One table keeps the report's clock itself; with workers the pipeline keeps it.
        if (flows.size() == 1) {
            flows.table(0).set_report(live.get(), interval_ns, !info.live);
        } else {
            pipeline_options.report = live.get();
            pipeline_options.report_interval_ns = interval_ns;
            pipeline_options.report_compress_quiet = !info.live;
        }
    }
    // Diagnostics wait while the screen is taken, then follow the summary.
    std::shared_ptr<spdlog::sinks::ringbuffer_sink_mt> held_logs;
    std::vector<spdlog::sink_ptr> log_sinks;
    if (console) {
        held_logs = std::make_shared<spdlog::sinks::ringbuffer_sink_mt>(200);
        held_logs->set_pattern("pairwatch: %l: %v");
        log_sinks = spdlog::default_logger()->sinks();
        spdlog::default_logger()->sinks() = {held_logs};
    }
    pipeline_options.replay_speed = config.replay_speed;
    // On a terminal, SIGHUP is the terminal going away; without one (a service), logrotate.
    pipeline_options.hangup_stops = ::isatty(STDIN_FILENO) != 0 || ::isatty(STDOUT_FILENO) != 0;
    Pipeline pipeline(std::move(source), consumers, pipeline_options);
    running.store(&pipeline);
    if (live) live->set_waker(&pipeline.waker());
    std::FILE* progress_out = ::isatty(STDERR_FILENO) != 0 ? stderr : nullptr;
    ReportDriver driver(pipeline, live.get(), std::move(console),
                        rolling ? report_out : nullptr, header, progress_out);
    const RunResult result = pipeline.run(&driver, &signals);
    running.store(nullptr);
    metrics_server.reset(); // before the collector and the pipeline it reads from go
    driver.finish();
    driver.close_console();
    if (held_logs) {
        spdlog::default_logger()->sinks() = log_sinks;
        for (const std::string& line : held_logs->last_formatted()) std::fputs(line.c_str(), stderr);
    }

    if (result.source_warning) spdlog::warn("{}", *result.source_warning);
    if (config.dpi) {
        const dpi::AppDetectorStats ds = flows.dpi_stats();
        spdlog::debug("payload inspection (nDPI {}): {} flows inspected, {} named, {} gave up "
                      "after the packet bound, {} ended undecided; {} packets; peak {} at once",
                      dpi::AppDetector::ndpi_version(), ds.flows_inspected, ds.detected,
                      ds.gave_up, ds.ended_undecided, ds.packets_inspected, ds.peak_inspecting);
        if (ds.skipped_busy > 0) {
            spdlog::warn("payload inspection skipped {} conversations (their app is null): {} "
                         "were being inspected at once",
                         ds.skipped_busy, dpi::AppDetectorOptions{}.max_inspecting);
        }
    }
    const bool output_closed = (printer && printer->wants_stop()) ||
                               outputs.any(&exporter::OutputFile::closed_by_reader);
    if (!output_closed && !config.quiet) {
        std::string text;
        if (config.packets) {
            text = "\n" + report::format_decode_counters(result.decode, result.fragments);
        } else {
            text = fmt::format("pairwatch: {}{}\n", info.name,
                               result.interrupted ? " (interrupted)"
                               : result.quit    ? " (quit)"
                                                : "");
            text += summary.text();
            const flow::FlowTableStats ts = flows.stats();
            text += fmt::format("table: {} flows created, peak {} open{}, {} evicted; {} packets "
                                "in flows, {} in none\n",
                                ts.flows_created, ts.peak_active,
                                flows.size() > 1 ? fmt::format(" (the sum of {} workers' peaks)",
                                                               flows.size())
                                                 : "",
                                ts.ended[static_cast<std::size_t>(flow::EndReason::Evicted)],
                                ts.packets_in_flows, ts.packets_not_in_flows);
            // Only when a cap was reached: what a flood made pairwatch leave out.
            if (inventory.refused() > 0 || alerts.scan_sources_dropped() > 0) {
                text += fmt::format("caps: {} servers not kept (at most {}), {} scan sources "
                                    "dropped (at most {} followed)\n",
                                    inventory.refused(), watch::ServerInventory::kMaxServers,
                                    alerts.scan_sources_dropped(), watch::ScanDetector::kMaxSources);
            }
            text += format_alerts(alerts);
            text += report::format_decode_counters(result.decode, result.fragments);
        }
        if (result.capture) text += report::format_capture_counters(*result.capture);
        std::fwrite(text.data(), 1, text.size(), report_out);
        std::fflush(report_out);
    }
    for (auto* out : {servers_out.get(), learn_out.get()}) {
        if (out == nullptr) continue;
        out->write(watch::inventory_to_json(inventory, registry));
        out->flush();
    }
    const auto failed = [](const auto& out) { return out && out->failed() && !out->closed_by_reader(); };
    if (outputs.failed() || failed(servers_out) || failed(learn_out) ||
        (alert_writer && alert_writer->output().failed() && !alert_writer->output().closed_by_reader())) {
        return 1;
    }
    if (config.fail_on_alert && !alerts.alerts().empty()) {
        spdlog::info("{} alert(s) raised: exit status 3 (--fail-on-alert)", alerts.alerts().size());
        return 3;
    }
    if (config.demo) {
        spdlog::info("that was the demo capture; to watch live: sudo pairwatch -i IFACE "
                     "(pairwatch -D lists interfaces), or read your own: pairwatch -r FILE");
    }
    return 0;
}

} // namespace pairwatch::app
