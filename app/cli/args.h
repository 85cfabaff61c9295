// A small command-line parser for pictor-cli subcommands.
//
// Options are `--name value`, `--name=value` or flags (`--json`); an option may repeat
// (`--label a --label b`); an option taking several values consumes the following words that do
// not start with "--" (`--image a.png b.png`). Everything else is positional. A subcommand declares
// what it accepts, reads the values, then calls `finish()`, which rejects anything it did not read.
#pragma once

#include <optional>
#include <set>
#include <string>
#include <vector>

namespace pictor::cli {

class Args {
public:
    Args(std::string command, std::vector<std::string> words);

    const std::string& command() const { return command_; }
    // `--help` / `-h` was given.
    bool wants_help() const { return help_; }

    bool flag(const std::string& name);
    std::optional<std::string> value(const std::string& name);
    std::string value_or(const std::string& name, const std::string& fallback);
    std::string required(const std::string& name);
    // Every value of a repeatable / multi-value option, in order.
    std::vector<std::string> values(const std::string& name);
    int int_or(const std::string& name, int fallback);
    int64_t int64_or(const std::string& name, int64_t fallback);
    double double_or(const std::string& name, double fallback);
    std::optional<int64_t> optional_int64(const std::string& name);

    std::vector<std::string> positionals();
    // Throws UsageError for any option or positional that was not read.
    void finish();

private:
    struct Item {
        std::string name;   // empty for positionals
        std::vector<std::string> vals;
        bool consumed = false;
    };
    std::vector<Item*> find(const std::string& name);
    std::string command_;
    std::vector<Item> items_;
    bool help_ = false;
    bool positionals_read_ = false;
};

}  // namespace pictor::cli
