#include "core/text/extra_networks.h"

#include <cmath>
#include <cstdlib>

#include "core/util/error.h"

namespace pictor {

namespace {

// Python's \w on str: letters, digits and '_' (any non-ASCII byte is taken as part of a letter:
// multi-byte UTF-8 letters are what such bytes are in practice).
bool word_char(unsigned char c) { return c == '_' || std::isalnum(c) || c >= 0x80; }

std::vector<std::string> split(const std::string& s, char sep) {
    std::vector<std::string> out;
    size_t start = 0;
    for (;;) {
        const size_t pos = s.find(sep, start);
        out.push_back(s.substr(start, pos == std::string::npos ? std::string::npos : pos - start));
        if (pos == std::string::npos) return out;
        start = pos + 1;
    }
}

// Python float(): surrounding whitespace allowed, the whole rest must be a number.
double python_float_arg(const std::string& value, const ExtraNetworkTag& tag) {
    const char* begin = value.c_str();
    char* end = nullptr;
    const double v = std::strtod(begin, &end);
    while (end && (*end == ' ' || *end == '\t')) ++end;
    if (value.empty() || end == begin || *end != '\0' || !std::isfinite(v))
        fail("'" + tag.text + "': '" + value + "' is not a number");
    return v;
}

}  // namespace

// Ref: modules/extra_networks.py parse_prompt — re.sub(`<(\w+):([^>]+)>`, found, prompt).
PromptExtraNetworks parse_extra_networks(std::string_view prompt) {
    PromptExtraNetworks out;
    size_t i = 0;
    while (i < prompt.size()) {
        if (prompt[i] != '<') {
            out.prompt += prompt[i++];
            continue;
        }
        size_t j = i + 1;
        while (j < prompt.size() && word_char(static_cast<unsigned char>(prompt[j]))) ++j;
        const size_t colon = j;
        size_t close = std::string_view::npos;
        if (colon > i + 1 && colon < prompt.size() && prompt[colon] == ':') {
            close = prompt.find('>', colon + 1);
            if (close == colon + 1) close = std::string_view::npos;  // [^>]+ needs one character
        }
        if (close == std::string_view::npos) {
            out.prompt += prompt[i++];
            continue;
        }
        ExtraNetworkTag tag;
        tag.kind = std::string(prompt.substr(i + 1, colon - i - 1));
        tag.text = std::string(prompt.substr(i, close - i + 1));
        // Ref: ExtraNetworkParams — item.split('=', 2): exactly two parts make a named item.
        for (const std::string& item : split(std::string(prompt.substr(colon + 1, close - colon - 1)), ':')) {
            const std::vector<std::string> parts = split(item, '=');
            if (parts.size() == 2) tag.named[parts[0]] = parts[1];
            else tag.positional.push_back(item);
        }
        out.tags.push_back(std::move(tag));
        i = close + 1;
    }
    return out;
}

std::string strip_extra_networks(std::string_view prompt) { return parse_extra_networks(prompt).prompt; }

bool is_lora_tag(const ExtraNetworkTag& tag) { return tag.kind == "lora" || tag.kind == "lyco"; }

// Ref: extensions-builtin/Lora/extra_networks_lora.py ExtraNetworkLora.activate.
LoraTag lora_tag(const ExtraNetworkTag& tag) {
    LoraTag t;
    if (tag.positional.empty() || tag.positional[0].empty()) fail("'" + tag.text + "' names no LoRA");
    t.name = tag.positional[0];
    t.text_encoder_scale = tag.positional.size() > 1 ? python_float_arg(tag.positional[1], tag) : 1.0;
    if (auto it = tag.named.find("te"); it != tag.named.end()) t.text_encoder_scale = python_float_arg(it->second, tag);
    t.unet_scale = tag.positional.size() > 2 ? python_float_arg(tag.positional[2], tag) : t.text_encoder_scale;
    if (auto it = tag.named.find("unet"); it != tag.named.end()) t.unet_scale = python_float_arg(it->second, tag);
    return t;
}

}  // namespace pictor
