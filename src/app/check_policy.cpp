#include "check_policy.h"

#include "pairwatch/services/service_registry.h"
#include "pairwatch/watch/policy.h"

#include <fmt/format.h>

namespace pairwatch::app {

int check_policy(const Config& config) {
    const services::ServiceRegistry registry =
        services::ServiceRegistry::standard(config.services_file);
    try {
        const watch::Policy policy = watch::load_policy(config.policy_file.value(), registry);
        // Warnings first, on stderr, as a compiler puts them: stdout stays the listing alone.
        for (const auto& w : policy.warnings())
            fmt::print(stderr, "pairwatch: {}\n", w.to_string());
        fmt::print("{}", policy.describe());
        return 0;
    } catch (const watch::PolicyError& e) {
        for (const auto& error : e.errors()) {
            fmt::print(stderr, "pairwatch: {}\n", error.to_string());
        }
        return 1;
    }
}

} // namespace pairwatch::app
