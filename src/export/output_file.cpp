#include "pairwatch/export/output_file.h"

#include <cerrno>
#include <cstring>
#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <stdexcept>

namespace pairwatch::exporter {

namespace {
constexpr std::size_t kFlushAt = 256 * 1024;
}

OutputFile::OutputFile(std::string path) : path_(std::move(path)) {
    if (path_ == "-") {
        file_ = stdout;
    } else {
        file_ = std::fopen(path_.c_str(), "w");
        if (file_ == nullptr) {
            throw std::runtime_error(fmt::format("{}: cannot write: {}", path_, std::strerror(errno)));
        }
    }
    buffer_.reserve(kFlushAt + 4096);
}

OutputFile::~OutputFile() {
    flush();
    if (file_ != nullptr && file_ != stdout) std::fclose(file_);
}

void OutputFile::write(std::string_view bytes) {
    if (failed_) return;
    buffer_.append(bytes);
    if (buffer_.size() >= kFlushAt) flush();
}

void OutputFile::flush() {
    if (failed_ || file_ == nullptr) return;
    if (!buffer_.empty()) {
        const std::size_t n = std::fwrite(buffer_.data(), 1, buffer_.size(), file_);
        buffer_.clear();
        if (n == 0) return fail(errno);
    }
    if (std::fflush(file_) != 0) fail(errno);
}

void OutputFile::fail(int err) {
    failed_ = true;
    buffer_.clear();
    if (err == EPIPE) {
        epipe_ = true; // `| head`: the reader has what it wanted
        return;
    }
    spdlog::error("{}: write failed: {}", path_ == "-" ? "standard output" : path_,
                  std::strerror(err));
}

} // namespace pairwatch::exporter
