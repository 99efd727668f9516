// A flow sink that writes one file (or standard output): what --json, --csv and --zeek-conn
// share, so the program treats every file output alike when it reports and exits.
#pragma once

#include "pairwatch/export/output_file.h"
#include "pairwatch/flow/flow_sink.h"

#include <memory>
#include <utility>

namespace pairwatch::exporter {

class FileSink : public flow::FlowSink {
public:
    explicit FileSink(std::unique_ptr<OutputFile> out) : out_(std::move(out)) {}
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
};

} // namespace pairwatch::exporter
