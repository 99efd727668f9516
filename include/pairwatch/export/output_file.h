// A file an exporter writes to ("-" is standard output): opened at start-up (before privileges
// are dropped), buffered, and loud exactly once when a write fails.
#pragma once

#include <cstdio>
#include <string>
#include <string_view>

namespace pairwatch::exporter {

class OutputFile {
public:
    /// Opens (truncates) `path`; throws std::runtime_error "OPTION PATH: reason" when it cannot.
    /// `option` ("--csv") names the output in messages, so the user knows which one failed.
    explicit OutputFile(std::string path, std::string option = {});
    ~OutputFile();
    OutputFile(const OutputFile&) = delete;
    OutputFile& operator=(const OutputFile&) = delete;

    void write(std::string_view bytes);
    void flush();
    /// SIGHUP, after logrotate moved the file: writes out what is buffered, then opens `path`
    /// again for appending (a new file if it was moved). True when the new file is in use;
    /// false for standard output, or when it cannot be opened (said once in the log: the
    /// records keep going to the file opened before, so nothing is lost).
    bool reopen();
    /// True when the file holds nothing yet (a header belongs at its top).
    [[nodiscard]] bool empty_on_disk() const;

    [[nodiscard]] const std::string& path() const { return path_; }
    /// True once a write failed; the first failure was logged with the path.
    [[nodiscard]] bool failed() const { return failed_; }
    /// True when the reader went away (EPIPE on a pipe): stop quietly.
    [[nodiscard]] bool closed_by_reader() const { return epipe_; }
    [[nodiscard]] bool is_stdout() const { return file_ == stdout; }

private:
    void fail(int err);

    std::string path_;
    std::string name_; // "--csv out.csv": what the messages call it
    std::FILE* file_ = nullptr;
    std::string buffer_;
    bool failed_ = false;
    bool epipe_ = false;
};

} // namespace pairwatch::exporter
