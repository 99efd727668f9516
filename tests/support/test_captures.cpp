#include "support/test_captures.h"

#include "support/process.h"

#include <algorithm>
#include <cctype>
#include <filesystem>

namespace pairwatch::testing {

std::vector<std::string> capture_files_in(const std::string& dir) {
    namespace fs = std::filesystem;
    std::vector<std::string> out;
    std::error_code ec;
    if (dir.empty() || !fs::is_directory(dir, ec)) return out;
    for (const auto& e : fs::directory_iterator(dir, ec)) {
        const std::string ext = e.path().extension().string();
        if (ext == ".pcap" || ext == ".pcapng" || ext == ".cap") out.push_back(e.path().string());
    }
    std::sort(out.begin(), out.end());
    return out;
}

std::vector<std::string> all_test_captures() {
    auto files = capture_files_in(shared_captures_dir());
    const auto ours = capture_files_in(source_dir() + "/captures");
    files.insert(files.end(), ours.begin(), ours.end());
    return files;
}

std::string param_name(const std::string& path) {
    std::string n = std::filesystem::path(path).filename().string();
    for (char& c : n) {
        if (std::isalnum(static_cast<unsigned char>(c)) == 0) c = '_';
    }
    return n;
}

} // namespace pairwatch::testing
