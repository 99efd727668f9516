#include "pairwatch/export/output_file.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <stdexcept>

namespace pairwatch::exporter {

namespace {
constexpr std::size_t kFlushAt = 256 * 1024;
}

OutputFile::OutputFile(std::string path, std::string option) : path_(std::move(path)) {
    name_ = path_ == "-" ? "standard output" : path_;
    if (!option.empty()) name_ = option + " " + name_;
    if (path_ == "-") {
        file_ = stdout;
    } else {
        file_ = std::fopen(path_.c_str(), "w");
        if (file_ == nullptr) {
            throw std::runtime_error(
                fmt::format("{}: cannot write: {}", name_, std::strerror(errno)));
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
        const bool short_write = n != buffer_.size(); // a partial write loses records too
        buffer_.clear();
        if (short_write) return fail(errno);
    }
    if (std::fflush(file_) != 0) fail(errno);
}

bool OutputFile::reopen() {
    if (file_ == nullptr || file_ == stdout) return false;
    flush();
    std::FILE* next = std::fopen(path_.c_str(), "a");
    if (next == nullptr) {
        spdlog::error("{}: cannot reopen: {}; still writing to the file opened before", name_,
                      std::strerror(errno));
        return false;
    }
    std::fclose(file_);
    file_ = next;
    spdlog::info("{}: reopened", name_);
    return true;
}

bool OutputFile::empty_on_disk() const {
    struct stat st{};
    return file_ != nullptr && file_ != stdout && ::fstat(fileno(file_), &st) == 0 && st.st_size == 0 &&
           buffer_.empty();
}

void OutputFile::fail(int err) {
    failed_ = true;
    buffer_.clear();
    if (err == EPIPE) {
        epipe_ = true; // `| head`: the reader has what it wanted
        return;
    }
    // Once per output: later writes to it are dropped, and every other output and the capture
    // go on; the exit status says it failed.
    spdlog::error("{}: write failed: {}; nothing more is written there", name_, std::strerror(err));
}

} // namespace pairwatch::exporter
