// --alerts FILE: one JSON object per alert, one per line, written (and flushed) the moment the
// alert is raised, so `tail -f` or a log shipper sees it at once.
#pragma once

#include "pairwatch/export/output_file.h"
#include "pairwatch/watch/alert.h"

#include <memory>
#include <string>

namespace pairwatch::exporter {

/// Keys, in order: ts kind severity host proto port service app peer detail.
[[nodiscard]] std::string alert_to_json(const watch::Alert& alert);

class AlertWriter final : public watch::AlertSink {
public:
    explicit AlertWriter(std::unique_ptr<OutputFile> out) : out_(std::move(out)) {}
    void on_alert(const watch::Alert& alert) override;
    [[nodiscard]] const OutputFile& output() const { return *out_; }
    void reopen() { out_->reopen(); }

private:
    std::unique_ptr<OutputFile> out_;
};

} // namespace pairwatch::exporter
