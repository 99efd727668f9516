// Runs pairwatch --json over a capture and reads the records back, for the tests that compare
// conversations with tshark's and Zeek's.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace pairwatch::testing {

/// The records of `pairwatch -r FILE --json - -q --hash-seed 1 EXTRA...`; empty on failure
/// (`error` says why).
std::vector<nlohmann::json> flow_records(const std::string& file, std::string* error,
                                         const std::vector<std::string>& extra = {});

using Endpoint = std::pair<std::string, unsigned>; // address, port

/// An unordered 5-tuple: proto and the two endpoints, lower first.
struct TupleKey {
    std::string proto;
    Endpoint a, b;
    auto operator<=>(const TupleKey&) const = default;
    [[nodiscard]] std::string text() const;
};
TupleKey make_tuple_key(const std::string& proto, const Endpoint& x, const Endpoint& y);

/// Per unordered 5-tuple, per endpoint (as sender): packets and bytes.
struct Sent {
    std::uint64_t packets = 0;
    std::uint64_t bytes = 0;
};
using ConversationTotals = std::map<TupleKey, std::map<Endpoint, Sent>>;

/// Known differences files: rows of (file, what, reason); `what` is matched by the test.
struct KnownDifference {
    std::string what;
    std::string reason;
};
std::vector<KnownDifference> known_differences_for(const std::string& tsv_name,
                                                   const std::string& capture_name);

/// Differences found (what -> detail) against those listed: `unexpected` lists the ones not
/// listed ("\n  what\tdetail" each), `stale` the listed ones no longer found ("\n  what").
struct KnownDifferenceCheck {
    std::string unexpected;
    std::string stale;
};
KnownDifferenceCheck check_known_differences(const std::map<std::string, std::string>& found,
                                             const std::vector<KnownDifference>& known);

} // namespace pairwatch::testing
