// UTF-8 decoding (core/util/utf8.h).
#include "tests/support/catch.h"

#include <cstdint>
#include <string>
#include <vector>

#include "core/util/utf8.h"

TEST_CASE("decode_utf8 gives code points and refuses malformed text") {
    std::vector<uint32_t> cps{42};
    CHECK(pictor::decode_utf8("", cps));
    CHECK(cps.empty());
    CHECK(pictor::decode_utf8("a\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80", cps));  // a é € 😀
    CHECK(cps == std::vector<uint32_t>{0x61, 0xE9, 0x20AC, 0x1F600});
    CHECK_FALSE(pictor::decode_utf8("\xff", cps));
    CHECK_FALSE(pictor::decode_utf8("\xc3", cps));              // cut sequence
    CHECK_FALSE(pictor::decode_utf8("\xc0\xaf", cps));          // overlong '/'
    CHECK_FALSE(pictor::decode_utf8("\xed\xa0\x80", cps));      // surrogate U+D800
    CHECK_FALSE(pictor::decode_utf8("\xf4\x90\x80\x80", cps));  // above U+10FFFF
}
