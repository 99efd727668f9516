#include "export_outputs.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace pairwatch::testing {

ScratchDir::ScratchDir(const std::string& tag) {
    const auto dir = std::filesystem::temp_directory_path() /
                     ("pairwatch-" + tag + "-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    path_ = dir.string();
}

ScratchDir::~ScratchDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
}

std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

ZeekLog read_zeek_log(const std::string& path) {
    ZeekLog log;
    const std::string text = read_file(path);
    log.ends_with_newline = !text.empty() && text.back() == '\n';
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line)) {
        if (!line.empty() && line[0] == '#') {
            // #close ends the log even when no row came before it.
            const bool footer = !log.rows.empty() || !log.footer.empty() ||
                                line.rfind("#close", 0) == 0;
            (footer ? log.footer : log.header).push_back(line);
            if (line.rfind("#fields\t", 0) == 0) {
                std::istringstream names(line.substr(8));
                std::string name;
                while (std::getline(names, name, '\t')) log.fields.push_back(name);
            }
            continue;
        }
        std::vector<std::string> row;
        std::size_t start = 0;
        while (true) {
            const std::size_t tab = line.find('\t', start);
            row.push_back(line.substr(start, tab - start));
            if (tab == std::string::npos) break;
            start = tab + 1;
        }
        log.rows.push_back(std::move(row));
    }
    return log;
}

std::string zeek_unescape(const std::string& text) {
    std::string out;
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '\\' && i + 3 < text.size() && text[i + 1] == 'x') {
            out += static_cast<char>(std::stoi(text.substr(i + 2, 2), nullptr, 16));
            i += 3;
        } else {
            out += text[i];
        }
    }
    return out;
}

std::vector<std::vector<CsvField>> parse_csv(const std::string& text, std::string* error) {
    std::vector<std::vector<CsvField>> rows;
    std::vector<CsvField> row;
    CsvField field;
    bool in_quotes = false;
    bool after_quote = false; // a quoted field closed: only a comma or a line end may follow
    auto end_field = [&] {
        row.push_back(std::move(field));
        field = CsvField{};
        after_quote = false;
    };
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (in_quotes) {
            if (c != '"') {
                field.text += c;
            } else if (i + 1 < text.size() && text[i + 1] == '"') {
                field.text += '"';
                ++i;
            } else {
                in_quotes = false;
                after_quote = true;
            }
        } else if (c == ',') {
            end_field();
        } else if (c == '\n') {
            end_field();
            rows.push_back(std::move(row));
            row.clear();
        } else if (after_quote) {
            if (error != nullptr)
                *error = "text after a closing quote at byte " + std::to_string(i);
            return rows;
        } else if (c == '"' && field.text.empty() && !field.quoted) {
            in_quotes = true;
            field.quoted = true;
        } else if (c == '"' || c == '\r') {
            if (error != nullptr) *error = "a bare quote or CR at byte " + std::to_string(i);
            return rows;
        } else {
            field.text += c;
        }
    }
    if (in_quotes && error != nullptr) *error = "a quoted field runs to the end";
    if (!row.empty() || !field.text.empty() || field.quoted) {
        if (error != nullptr) *error = "the last row has no line end";
    }
    return rows;
}

std::vector<nlohmann::ordered_json> read_json_lines(const std::string& path) {
    std::vector<nlohmann::ordered_json> records;
    std::istringstream in(read_file(path));
    std::string line;
    while (std::getline(in, line)) {
        if (!line.empty()) records.push_back(nlohmann::ordered_json::parse(line));
    }
    return records;
}

std::string zeek_addr(const std::string& json_addr) {
    const std::string prefix = "::ffff:";
    if (json_addr.rfind(prefix, 0) == 0 && json_addr.find('.') != std::string::npos) {
        return json_addr.substr(prefix.size());
    }
    return json_addr;
}

} // namespace pairwatch::testing
