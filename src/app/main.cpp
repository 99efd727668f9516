// pairwatch: parse, run, exit status. Everything else lives in pairwatch_core.
#include "pairwatch/app/app.h"
#include "pairwatch/app/config.h"

#include <csignal>
#include <exception>
#include <fmt/format.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

int main(int argc, char** argv) {
    // Diagnostics go to stderr: stdout carries only the report and "-" outputs.
    auto logger = spdlog::stderr_color_mt("pairwatch");
    logger->set_pattern("pairwatch: %^%l%$: %v");
    spdlog::set_default_logger(logger);
    std::signal(SIGPIPE, SIG_IGN); // a closed pipe is an EPIPE we handle, not a kill

    pairwatch::app::Config config;
    try {
        config = pairwatch::app::parse_options(argc, argv);
    } catch (const pairwatch::app::UsageError& e) {
        fmt::print(stderr, "pairwatch: {}\n", e.what());
        return 2;
    }
    try {
        return pairwatch::app::run(config);
    } catch (const std::exception& e) {
        fmt::print(stderr, "pairwatch: {}\n", e.what());
        return 1;
    }
}
