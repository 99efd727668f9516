// The report without a terminal: one plain-text block per snapshot, each starting with a
// timestamp line, so `pairwatch -i eth0 > report.txt` and `| less` read well.
#pragma once

#include "pairwatch/report/snapshot.h"
#include "pairwatch/report/views.h"

#include <string>

namespace pairwatch::report {

/// Width the blocks are laid out for: wide enough for two IPv6 endpoints side by side.
inline constexpr std::size_t kTextWidth = 160;
inline constexpr std::size_t kTextRows = 10;

/// "=== <time>" line, the header, then the flows, services, categories and servers views.
[[nodiscard]] std::string format_text_block(const Snapshot& s, const HeaderInfo& info);

} // namespace pairwatch::report
