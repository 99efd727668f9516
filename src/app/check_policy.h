// pairwatch --check-policy FILE: validate a policy file and print its rules as understood.
#pragma once

#include "pairwatch/app/config.h"

namespace pairwatch::app {

/// Prints the rules (Policy::describe) on stdout and any warnings on stderr, and returns 0; for
/// a file with mistakes prints each on stderr, in line order, and returns 1. Service names are
/// read as a run with the same --services would read them.
int check_policy(const Config& config);

} // namespace pairwatch::app
