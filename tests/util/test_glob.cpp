// Glob patterns (core/util/glob.h): Python's fnmatch.fnmatchcase, as huggingface_hub's
// allow_patterns use it. The expected values are what CPython 3 answers for the same pair.
#include "tests/support/catch.h"

#include <string>
#include <vector>

#include "core/util/glob.h"

namespace {

struct Case {
    std::string pattern;
    std::string text;
    bool matches;
};

// Checks every case, naming the failing pair.
void check_cases(bool (*match)(const std::string&, const std::string&), const std::vector<Case>& cases) {
    for (const Case& c : cases) {
        INFO("pattern '" << c.pattern << "' text '" << c.text << "'");
        CHECK(match(c.pattern, c.text) == c.matches);
    }
}

}  // namespace

TEST_CASE("glob star matches any run including slashes and dots") {
    check_cases(pictor::glob_match, {
        {"*.json", "unet/config.json", true},
        {"**.bin", "text_encoder/pytorch_model.bin", true},
        {"*", "", true},
        {"*", ".gitattributes", true},
        {"a*b*c", "aXXbYYbc", true},
        {"a*b*c", "aXXbYYb", false},
        {"*a*b*", "xaybz", true},
        {"*a*b", "xaybz", false},
        {"*.position_ids", "text_model.embeddings.position_ids", true},
        {"*.position_ids", "text_model.embeddings.position_ids.x", false},
        {"*.JSON", "config.json", false},  // case-sensitive
        {"exact", "exact", true},
        {"exact", "exactly", false},
        {"", "x", false},
    });
}

TEST_CASE("glob question mark matches exactly one character") {
    check_cases(pictor::glob_match, {
        {"a?c", "abc", true},
        {"a?c", "ac", false},
        {"a?c", "abbc", false},
        {"?", "/", true},
        {"caf?", "caf\xc3\xa9", true},     // one character of two UTF-8 bytes
        {"a?c", "a\xff" "c", true},        // not UTF-8: bytes
    });
}

TEST_CASE("glob brackets match one character of a set") {
    check_cases(pictor::glob_match, {
        {"[abc]x", "bx", true},
        {"[a-c]x", "dx", false},
        {"[!a-c]x", "dx", true},
        {"[!a-c]x", "bx", false},
        {"model.[0-9][0-9].bin", "model.07.bin", true},
        {"[]]", "]", true},  // a ']' first is a member
        {"[!]]", "a", true},
        {"[!]]", "]", false},
        {"[a-]", "-", true},  // a '-' last is a member
        {"[a-]", "a", true},
        {"[a-]", "b", false},
        {"[--z]", "a", true},    // the range '-'..'z'
        {"[z-a]", "a", false},   // an empty range matches nothing
        {"[!z-a]", "a", true},
        {"[c-a-z]", "-", true},
        {"[c-a-z]", "z", true},
        {"[c-a-z]", "b", false},
        {"[^a]", "^", true},  // '^' does not negate in fnmatch
        {"[^a]", "b", false},
        {"[\xc3\xa9]", "\xc3\xa9", true},
    });
}

TEST_CASE("glob has no escapes and an unclosed bracket is literal") {
    check_cases(pictor::glob_match, {
        {"[", "[", true},
        {"a[b", "a[b", true},
        {"a\\*", "a\\xyz", true},
        {"a\\*", "a*", false},
    });
}

TEST_CASE("path_glob_match takes a trailing slash as the whole folder") {
    check_cases(pictor::path_glob_match, {
        {"unet/", "unet/config.json", true},
        {"unet/", "unet/sub/diffusion_pytorch_model.bin", true},
        {"unet/", "unet", false},
        {"unet/", "vae/unet/config.json", false},
        {"*.safetensors", "vae/diffusion_pytorch_model.safetensors", true},
        {"unet", "unet/config.json", false},
    });
}
