// main() for the fuzz targets in builds without libFuzzer: runs LLVMFuzzerTestOneInput once over
// every file under the directories (or files) given, so ctest replays corpus/ and regressions/
// in every build. With PAIRWATCH_FUZZ=ON libFuzzer supplies main() instead.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <system_error>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);
extern "C" int LLVMFuzzerInitialize(int* argc, char*** argv) __attribute__((weak));

namespace {

namespace fs = std::filesystem;

/// Regular files under `root` (or `root` itself), sorted so every run replays the same order.
/// Dotfiles (.gitkeep) and README.md are skipped.
bool collect(const fs::path& root, std::vector<fs::path>& out) {
    std::error_code ec;
    const auto skip = [](const fs::path& p) {
        const std::string name = p.filename().string();
        return name.empty() || name.front() == '.' || name == "README.md";
    };
    if (fs::is_regular_file(root, ec)) {
        out.push_back(root);
        return true;
    }
    if (!fs::is_directory(root, ec)) return false;
    std::vector<fs::path> found;
    for (fs::recursive_directory_iterator it(root, ec), end; !ec && it != end; it.increment(ec)) {
        if (it->is_regular_file(ec) && !skip(it->path())) found.push_back(it->path());
    }
    if (ec) return false;
    std::sort(found.begin(), found.end());
    out.insert(out.end(), found.begin(), found.end());
    return true;
}

bool read_file(const fs::path& path, std::vector<std::uint8_t>& out) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return false;
    out.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    return !in.bad();
}

} // namespace

int main(int argc, char** argv) {
    if (LLVMFuzzerInitialize != nullptr) LLVMFuzzerInitialize(&argc, &argv);
    if (argc < 2) {
        std::fprintf(stderr, "usage: %s DIR_OR_FILE...\n", argv[0]);
        return 2;
    }
    std::vector<fs::path> inputs;
    for (int i = 1; i < argc; ++i) {
        if (!collect(argv[i], inputs)) {
            std::fprintf(stderr, "%s: %s: not a readable file or directory\n", argv[0], argv[i]);
            return 1;
        }
    }
    // No inputs at all means a wrong path, not a pass.
    if (inputs.empty()) {
        std::fprintf(stderr, "%s: no inputs found\n", argv[0]);
        return 1;
    }
    std::vector<std::uint8_t> data;
    for (const fs::path& path : inputs) {
        if (!read_file(path, data)) {
            std::fprintf(stderr, "%s: %s: cannot read\n", argv[0], path.c_str());
            return 1;
        }
        // Said before running, so the last line before a crash names the input.
        std::fprintf(stderr, "running %s (%zu bytes)\n", path.c_str(), data.size());
        // An exact-size copy: ASan then sees any read past the input's end.
        auto copy = std::make_unique<std::uint8_t[]>(std::max<std::size_t>(data.size(), 1));
        std::copy(data.begin(), data.end(), copy.get());
        LLVMFuzzerTestOneInput(copy.get(), data.size());
    }
    std::fprintf(stderr, "%s: %zu inputs replayed\n", argv[0], inputs.size());
    return 0;
}
