// A flow sink that writes one file (or standard output): what --json, --csv and --zeek-conn
// share, so the program treats every file output alike when it reports and exits.
#pragma once

#include "pairwatch/export/output_file.h"
#include "pairwatch/flow/app_lookup.h"
#include "pairwatch/flow/flow_sink.h"

#include <memory>
#include <string_view>
#include <utility>

namespace pairwatch::exporter {

class FileSink : public flow::FlowSink {
public:
    /// `apps`: payload inspection's verdicts, asked as each flow ends; null: `app` is empty.
    explicit FileSink(std::unique_ptr<OutputFile> out, const flow::AppLookup* apps = nullptr)
        : out_(std::move(out)), apps_(apps) {}
    void on_flow_end(const flow::Flow& flow, flow::EndReason why) final {
        write_flow(flow, why, apps_ != nullptr ? apps_->app_of(flow) : std::string_view{});
    }
    /// The record of one ended flow, with its app already asked: on the flow thread, or on
    /// the writer thread with a copy of the flow (FileSinkThread).
    virtual void write_flow(const flow::Flow& flow, flow::EndReason why, std::string_view app) = 0;
    void on_finish() override { out_->flush(); }
    /// Writes out what is buffered (a live capture does it every second, for `tail -f`).
    void flush() { out_->flush(); }
    /// SIGHUP: the file again (see OutputFile::reopen); a format with a header starts the new
    /// file with one.
    virtual void reopen() { out_->reopen(); }
    [[nodiscard]] const OutputFile& output() const { return *out_; }

protected:
    OutputFile& out() { return *out_; }

private:
    std::unique_ptr<OutputFile> out_;
    const flow::AppLookup* apps_;
};

} // namespace pairwatch::exporter
