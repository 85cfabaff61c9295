// core/hub/hash: SHA-256 and git blob SHA-1 against published test vectors.
#include "tests/support/catch.h"

#include <fstream>

#include "core/hub/hash.h"
#include "core/util/error.h"
#include "tests/support/fixtures.h"

using namespace pictor::hub;

TEST_CASE("SHA-256 matches the FIPS 180-2 test vectors", "[hub][hash]") {
    CHECK(sha256_hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    CHECK(sha256_hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST_CASE("git blob SHA-1 equals `git hash-object`", "[hub][hash]") {
    pictor::test::TempDir dir;
    pictor::test::write_text_file(dir / "hello", "hello\n");
    pictor::test::write_text_file(dir / "empty", "");
    CHECK(git_blob_sha1_file(dir / "hello") == "ce013625030ba8dba906f756967f9e9ca394464a");
    CHECK(git_blob_sha1_file(dir / "empty") == "e69de29bb2d1d6434b8b29ae775ad8c2e48c5391");
    CHECK(sha256_file(dir / "hello") == "5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03");
}

TEST_CASE("etag formats select the hash to check", "[hub][hash]") {
    CHECK(hash_kind_of_etag(std::string(64, 'a')) == HashKind::sha256);
    CHECK(hash_kind_of_etag("ce013625030ba8dba906f756967f9e9ca394464a") == HashKind::git_sha1);
    CHECK(hash_kind_of_etag("abc-123") == HashKind::none);
    CHECK(hash_kind_of_etag(std::string(64, 'g')) == HashKind::none);
}

TEST_CASE("hashing a missing or short file is a clear error", "[hub][hash]") {
    pictor::test::TempDir dir;
    CHECK_THROWS_WITH(sha256_file(dir / "nope"), Catch::Contains("cannot open") && Catch::Contains("nope"));
    pictor::test::write_text_file(dir / "short", "abc");
    Hasher h(HashKind::sha256);
    CHECK_THROWS_WITH(hash_file_into(h, dir / "short", 10), Catch::Contains("shorter than expected"));
}
