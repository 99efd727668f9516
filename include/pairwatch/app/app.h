// From a Config to an exit status: opens the source, drops privileges, runs, prints.
#pragma once

#include "pairwatch/app/config.h"

namespace pairwatch::app {

/// Exit statuses: 0 success, 1 runtime failure (a source that cannot be opened...), 2 usage.
int run(const Config& config);

/// Where the bundled demo capture is, or empty when it cannot be found.
[[nodiscard]] std::string find_demo_capture();

} // namespace pairwatch::app
