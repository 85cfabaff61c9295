#include "tests/support/catch.h"

#include <ATen/ATen.h>

#include "core/image/image_io.h"
#include "core/training/image_folder.h"
#include "core/util/error.h"
#include "tests/support/fixtures.h"

using namespace pictor;

TEST_CASE("ImageFolder sorts classes and files like torchvision", "[training][image_folder]") {
    test::TempDir dir;
    const at::Tensor pixel = at::zeros({2, 2, 3}, at::kByte);
    for (const char* cls : {"fox", "dog", "Cat"}) std::filesystem::create_directories(dir / cls);
    write_png(dir / "fox" / "b.png", pixel);
    write_png(dir / "fox" / "a.png", pixel);
    write_png(dir / "dog" / "x.png", pixel);
    write_png(dir / "Cat" / "c.png", pixel);
    test::write_text_file(dir / "dog" / "notes.txt", "not an image");
    const ImageFolder folder = scan_image_folder(dir.path());
    REQUIRE(folder.classes == std::vector<std::string>{"Cat", "dog", "fox"});
    REQUIRE(folder.samples.size() == 4);
    CHECK(folder.samples[2].path.filename() == "a.png");
    CHECK(folder.samples[2].label == 2);
    CHECK(folder.class_counts() == std::vector<int64_t>{1, 1, 2});
}

TEST_CASE("ImageFolder errors name the folder", "[training][image_folder]") {
    test::TempDir dir;
    CHECK_THROWS_WITH(scan_image_folder(dir / "missing"), Catch::Contains("missing"));
    CHECK_THROWS_WITH(scan_image_folder(dir.path()), Catch::Contains("no class sub-folders"));
    std::filesystem::create_directories(dir / "empty_class");
    CHECK_THROWS_WITH(scan_image_folder(dir.path()), Catch::Contains("empty_class") && Catch::Contains("no images"));
}
