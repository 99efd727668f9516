// The capture files the tests read: ../shared/captures (when present) and captures/.
#pragma once

#include <string>
#include <vector>

namespace pairwatch::testing {

/// Capture files in `dir` (pcap, pcapng, cap), sorted by name; empty when dir is empty.
std::vector<std::string> capture_files_in(const std::string& dir);

/// Every capture the differential tests read: ../shared/captures (when present), then captures/.
std::vector<std::string> all_test_captures();

/// A capture's file name as a gtest parameter name ("ndpi-ftp.pcap" -> "ndpi_ftp_pcap").
std::string param_name(const std::string& path);

} // namespace pairwatch::testing
