#include "flow_records.h"

#include "capture_files.h"
#include "support/process.h"

#include <fmt/format.h>
#include <sstream>

namespace pairwatch::testing {

std::vector<nlohmann::json> flow_records(const std::string& file, std::string* error,
                                         const std::vector<std::string>& extra) {
    std::vector<std::string> argv{pairwatch_binary(), "-r", file, "--json", "-", "-q",
                                  "--hash-seed", "1"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    const CommandResult r = run_command(argv);
    std::vector<nlohmann::json> records;
    if (r.exit_status != 0) {
        if (error != nullptr) *error = fmt::format("exit {}: {}", r.exit_status, r.err);
        return records;
    }
    std::istringstream in(r.out);
    std::string line;
    while (std::getline(in, line)) {
        if (!line.empty()) records.push_back(nlohmann::json::parse(line));
    }
    return records;
}

TupleKey make_tuple_key(const std::string& proto, const Endpoint& x, const Endpoint& y) {
    return x <= y ? TupleKey{proto, x, y} : TupleKey{proto, y, x};
}

std::string TupleKey::text() const {
    return fmt::format("{} {}:{} <-> {}:{}", proto, a.first, a.second, b.first, b.second);
}

std::vector<KnownDifference> known_differences_for(const std::string& tsv_name,
                                                   const std::string& capture_name) {
    std::vector<KnownDifference> out;
    for (const auto& row : read_tsv(source_dir() + "/tests/golden/" + tsv_name)) {
        if (row.size() >= 3 && row[0] == capture_name) out.push_back({row[1], row[2]});
    }
    return out;
}

KnownDifferenceCheck check_known_differences(const std::map<std::string, std::string>& found,
                                             const std::vector<KnownDifference>& known) {
    KnownDifferenceCheck out;
    std::vector<bool> used(known.size(), false);
    for (const auto& [what, detail] : found) {
        bool listed = false;
        for (std::size_t i = 0; i < known.size(); ++i) {
            if (known[i].what == what) listed = used[i] = true;
        }
        if (!listed) out.unexpected += fmt::format("\n  {}\t{}", what, detail);
    }
    for (std::size_t i = 0; i < known.size(); ++i) {
        if (!used[i]) out.stale += "\n  " + known[i].what;
    }
    return out;
}

} // namespace pairwatch::testing
