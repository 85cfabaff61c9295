#include "app/cli/args.h"

#include <charconv>
#include <cstdlib>

#include "app/cli/command.h"

namespace pictor::cli {

Args::Args(std::string command, std::vector<std::string> words) : command_(std::move(command)) {
    bool only_positionals = false;
    for (size_t i = 0; i < words.size(); ++i) {
        const std::string& w = words[i];
        if (only_positionals || w.size() < 2 || w.rfind("-", 0) != 0 || w == "-") {
            items_.push_back({"", {w}});
            continue;
        }
        if (w == "--") {
            only_positionals = true;
            continue;
        }
        if (w == "--help" || w == "-h") {
            help_ = true;
            continue;
        }
        if (w.rfind("--", 0) != 0) throw UsageError("unknown option '" + w + "' (options start with --)");
        Item item;
        const auto eq = w.find('=');
        if (eq != std::string::npos) {
            item.name = w.substr(2, eq - 2);
            item.vals.push_back(w.substr(eq + 1));
        } else {
            item.name = w.substr(2);
            // Gather following words until the next option. Whether they belong to the option or
            // are positionals is decided when the subcommand reads the option (flags give theirs back).
            // "--" itself is never a value: it ends the options (`tokenize --json -- -x`).
            while (i + 1 < words.size() && words[i + 1].rfind("--", 0) != 0) {
                item.vals.push_back(words[++i]);
            }
        }
        items_.push_back(std::move(item));
    }
}

std::vector<Args::Item*> Args::find(const std::string& name) {
    std::vector<Item*> found;
    for (auto& item : items_) {
        if (item.name == name) found.push_back(&item);
    }
    return found;
}

bool Args::flag(const std::string& name) {
    auto found = find(name);
    if (found.empty()) return false;
    bool on = true;
    std::vector<std::string> given_back;
    for (Item* item : found) {
        item->consumed = true;
        // Words after a flag are positionals: give them back.
        for (auto& v : item->vals) {
            if (v == "true" || v == "false") continue;
            given_back.push_back(v);
        }
        if (item->vals.size() == 1 && item->vals[0] == "false") on = false;
        item->vals.clear();
    }
    // Appending invalidates the pointers in `found`: only after the loop.
    for (auto& v : given_back) items_.push_back({"", {v}});
    return on;
}

std::optional<std::string> Args::value(const std::string& name) {
    auto found = find(name);
    if (found.empty()) return std::nullopt;
    if (found.size() > 1) throw UsageError("--" + name + " given more than once");
    Item* item = found.front();
    item->consumed = true;
    if (item->vals.empty()) throw UsageError("--" + name + " needs a value");
    const std::string result = item->vals.front();
    if (item->vals.size() > 1) {
        // One value for this option; the rest are positionals (appending invalidates `item`).
        std::vector<std::string> rest(item->vals.begin() + 1, item->vals.end());
        item->vals.resize(1);
        for (auto& v : rest) items_.push_back({"", {v}});
    }
    return result;
}

std::string Args::value_or(const std::string& name, const std::string& fallback) {
    return value(name).value_or(fallback);
}

std::string Args::required(const std::string& name) {
    auto v = value(name);
    if (!v) throw UsageError("missing --" + name);
    return *v;
}

std::vector<std::string> Args::values(const std::string& name) {
    std::vector<std::string> out;
    for (Item* item : find(name)) {
        item->consumed = true;
        if (item->vals.empty()) throw UsageError("--" + name + " needs a value");
        out.insert(out.end(), item->vals.begin(), item->vals.end());
    }
    return out;
}

namespace {
template <typename T>
T parse_number(const std::string& name, const std::string& text) {
    T out{};
    const char* end = text.data() + text.size();
    auto [ptr, ec] = std::from_chars(text.data(), end, out);
    if (ec != std::errc() || ptr != end) throw UsageError("--" + name + ": '" + text + "' is not a valid number");
    return out;
}
}  // namespace

int Args::int_or(const std::string& name, int fallback) {
    auto v = value(name);
    return v ? parse_number<int>(name, *v) : fallback;
}

int64_t Args::int64_or(const std::string& name, int64_t fallback) {
    auto v = value(name);
    return v ? parse_number<int64_t>(name, *v) : fallback;
}

std::optional<int64_t> Args::optional_int64(const std::string& name) {
    auto v = value(name);
    if (!v) return std::nullopt;
    return parse_number<int64_t>(name, *v);
}

double Args::double_or(const std::string& name, double fallback) {
    auto v = value(name);
    if (!v) return fallback;
    char* end = nullptr;
    const double d = std::strtod(v->c_str(), &end);
    if (v->empty() || end != v->c_str() + v->size()) {
        throw UsageError("--" + name + ": '" + *v + "' is not a valid number");
    }
    return d;
}

std::vector<std::string> Args::positionals() {
    positionals_read_ = true;
    std::vector<std::string> out;
    for (auto& item : items_) {
        if (item.name.empty()) {
            item.consumed = true;
            out.push_back(item.vals.front());
        }
    }
    return out;
}

void Args::finish() {
    for (const auto& item : items_) {
        if (item.consumed) continue;
        if (item.name.empty()) throw UsageError("unexpected argument '" + item.vals.front() + "'");
        throw UsageError("unknown option --" + item.name + " for '" + command_ + "'");
    }
}

}  // namespace pictor::cli
