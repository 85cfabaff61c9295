#include "core/image/resize.h"

#include <ATen/ATen.h>

#include <cmath>
#include <vector>

#include "core/util/error.h"

namespace pictor {

namespace {

// Fixed-point precision of the 8-bit resampling coefficients: 32 bits minus 8 for the sample
// and 2 of headroom for filters with negative lobes (sums can leave [0, 1]).
constexpr int kPrecisionBits = 32 - 8 - 2;

struct Filter {
    double (*weight)(double);
    double support;
};

// Ref: Pillow src/libImaging/Resample.c (filter kernels).
double bilinear_weight(double x) {
    x = std::fabs(x);
    return x < 1.0 ? 1.0 - x : 0.0;
}

double bicubic_weight(double x) {
    constexpr double a = -0.5;  // Keys' cubic with a = -0.5, as Pillow
    x = std::fabs(x);
    if (x < 1.0) return ((a + 2.0) * x - (a + 3.0)) * x * x + 1;
    if (x < 2.0) return (((x - 5) * x + 8) * x - 4) * a;
    return 0.0;
}

double sinc(double x) {
    if (x == 0.0) return 1.0;
    x *= M_PI;
    return std::sin(x) / x;
}

double lanczos_weight(double x) { return (-3.0 <= x && x < 3.0) ? sinc(x) * sinc(x / 3) : 0.0; }

// One output position's window: first input index, tap count and fixed-point weights.
struct Taps {
    int ksize = 0;
    std::vector<int> first, count;
    std::vector<int32_t> weights;  // ksize per output position
};

// Ref: Pillow Resample.c precompute_coeffs + normalize_coeffs_8bpc. The support grows with the
// downscale factor (antialiasing); window bounds are rounded, weights normalised to sum 1 in
// double, then converted to fixed point rounding away from zero.
Taps precompute_taps(int in_size, float in0, float in1, int out_size, const Filter& filter) {
    const double scale = static_cast<double>(in1 - in0) / out_size;
    const double filterscale = scale < 1.0 ? 1.0 : scale;
    const double support = filter.support * filterscale;
    Taps taps;
    taps.ksize = static_cast<int>(std::ceil(support)) * 2 + 1;
    taps.first.resize(out_size);
    taps.count.resize(out_size);
    taps.weights.assign(static_cast<size_t>(out_size) * taps.ksize, 0);
    std::vector<double> w(taps.ksize);
    for (int xx = 0; xx < out_size; ++xx) {
        const double center = in0 + (xx + 0.5) * scale;
        const double ss = 1.0 / filterscale;
        int xmin = static_cast<int>(center - support + 0.5);
        if (xmin < 0) xmin = 0;
        int xmax = static_cast<int>(center + support + 0.5);
        if (xmax > in_size) xmax = in_size;
        xmax -= xmin;
        double total = 0.0;
        for (int x = 0; x < xmax; ++x) {
            w[x] = filter.weight((x + xmin - center + 0.5) * ss);
            total += w[x];
        }
        int32_t* k = &taps.weights[static_cast<size_t>(xx) * taps.ksize];
        for (int x = 0; x < xmax; ++x) {
            const double v = total != 0.0 ? w[x] / total : w[x];
            k[x] = v < 0 ? static_cast<int32_t>(-0.5 + v * (1 << kPrecisionBits))
                         : static_cast<int32_t>(0.5 + v * (1 << kPrecisionBits));
        }
        taps.first[xx] = xmin;
        taps.count[xx] = xmax;
    }
    return taps;
}

inline uint8_t clip8(int32_t acc) {
    const int32_t v = acc >> kPrecisionBits;  // arithmetic shift: floor for negative sums
    return static_cast<uint8_t>(v < 0 ? 0 : (v > 255 ? 255 : v));
}

// Horizontal pass over rows [row0, row0 + rows) of `in` (H×W×C contiguous).
void resample_horizontal(const uint8_t* in, int in_w, int channels, int row0, int rows, const Taps& taps,
                         int out_w, uint8_t* out) {
    for (int y = 0; y < rows; ++y) {
        const uint8_t* src = in + static_cast<size_t>(row0 + y) * in_w * channels;
        uint8_t* dst = out + static_cast<size_t>(y) * out_w * channels;
        for (int xx = 0; xx < out_w; ++xx) {
            const int32_t* k = &taps.weights[static_cast<size_t>(xx) * taps.ksize];
            const uint8_t* s = src + static_cast<size_t>(taps.first[xx]) * channels;
            for (int c = 0; c < channels; ++c) {
                int32_t acc = 1 << (kPrecisionBits - 1);
                for (int x = 0; x < taps.count[xx]; ++x) acc += s[x * channels + c] * k[x];
                dst[xx * channels + c] = clip8(acc);
            }
        }
    }
}

// Vertical pass: `taps.first` is relative to the first row of `in`.
void resample_vertical(const uint8_t* in, int width, int channels, const Taps& taps, int first_offset, int out_h,
                       uint8_t* out) {
    const size_t row = static_cast<size_t>(width) * channels;
    std::vector<int32_t> acc(row);
    for (int yy = 0; yy < out_h; ++yy) {
        const int32_t* k = &taps.weights[static_cast<size_t>(yy) * taps.ksize];
        const uint8_t* src = in + static_cast<size_t>(taps.first[yy] - first_offset) * row;
        std::fill(acc.begin(), acc.end(), 1 << (kPrecisionBits - 1));
        for (int y = 0; y < taps.count[yy]; ++y) {
            const uint8_t* s = src + y * row;
            const int32_t ky = k[y];
            for (size_t i = 0; i < row; ++i) acc[i] += s[i] * ky;
        }
        uint8_t* dst = out + static_cast<size_t>(yy) * row;
        for (size_t i = 0; i < row; ++i) dst[i] = clip8(acc[i]);
    }
}

// Ref: Pillow Resample.c ImagingResampleInner — which passes run, and the horizontal pass only
// over the rows the vertical pass reads.
at::Tensor resample(const at::Tensor& image, int out_w, int out_h, const Filter& filter, const std::array<float, 4>& box) {
    const int in_h = static_cast<int>(image.size(0)), in_w = static_cast<int>(image.size(1));
    const int channels = static_cast<int>(image.size(2));
    // Pillow compares box[2]/box[3] with the *output* size here; kept as is for parity.
    const bool need_horizontal = out_w != in_w || box[0] != 0.0f || box[2] != static_cast<float>(out_w);
    const bool need_vertical = out_h != in_h || box[1] != 0.0f || box[3] != static_cast<float>(out_h);

    const Taps vert = precompute_taps(in_h, box[1], box[3], out_h, filter);
    const int ybox_first = vert.first[0];
    const int ybox_last = vert.first[out_h - 1] + vert.count[out_h - 1];

    at::Tensor current = image;
    int first_offset = 0;
    if (need_horizontal) {
        const Taps horiz = precompute_taps(in_w, box[0], box[2], out_w, filter);
        at::Tensor temp = at::empty({ybox_last - ybox_first, out_w, channels}, at::kByte);
        resample_horizontal(image.data_ptr<uint8_t>(), in_w, channels, ybox_first, ybox_last - ybox_first, horiz,
                            out_w, temp.data_ptr<uint8_t>());
        current = temp;
        first_offset = ybox_first;
    }
    if (need_vertical) {
        at::Tensor out = at::empty({out_h, current.size(1), channels}, at::kByte);
        resample_vertical(current.data_ptr<uint8_t>(), static_cast<int>(current.size(1)), channels, vert,
                          first_offset, out_h, out.data_ptr<uint8_t>());
        return out;
    }
    return need_horizontal ? current : image.clone();
}

// Ref: Pillow Geometry.c ImagingScaleAffine (what Image.resize(NEAREST) runs): source positions
// are accumulated in double from box start + half a step, truncated; outside → 0.
at::Tensor resize_nearest(const at::Tensor& image, int out_w, int out_h, const std::array<float, 4>& box) {
    const int in_h = static_cast<int>(image.size(0)), in_w = static_cast<int>(image.size(1));
    const int channels = static_cast<int>(image.size(2));
    const double a0 = static_cast<double>(box[2] - box[0]) / out_w;
    const double a4 = static_cast<double>(box[3] - box[1]) / out_h;
    const auto coord = [](double v) { return v < 0.0 ? -1 : static_cast<int>(v); };
    std::vector<int> xin(out_w, -1);
    double xo = box[0] + a0 * 0.5;
    for (int x = 0; x < out_w; ++x, xo += a0) {
        const int xi = coord(xo);
        if (xi >= 0 && xi < in_w) xin[x] = xi;
    }
    at::Tensor out = at::zeros({out_h, out_w, channels}, at::kByte);
    const uint8_t* src = image.data_ptr<uint8_t>();
    uint8_t* dst = out.data_ptr<uint8_t>();
    double yo = box[1] + a4 * 0.5;
    for (int y = 0; y < out_h; ++y, yo += a4) {
        const int yi = coord(yo);
        if (yi < 0 || yi >= in_h) continue;
        for (int x = 0; x < out_w; ++x) {
            if (xin[x] < 0) continue;
            std::memcpy(dst + (static_cast<size_t>(y) * out_w + x) * channels,
                        src + (static_cast<size_t>(yi) * in_w + xin[x]) * channels, channels);
        }
    }
    return out;
}

inline int muldiv255(int a, int b) {
    const int t = a * b + 128;
    return ((t >> 8) + t) >> 8;
}

// Ref: Pillow Convert.c rgbA2rgba / lA2la: premultiply colour by alpha (last channel).
at::Tensor premultiply(const at::Tensor& image) {
    at::Tensor out = image.clone();
    const int64_t c = image.size(2), n = image.numel() / c;
    uint8_t* p = out.data_ptr<uint8_t>();
    for (int64_t i = 0; i < n; ++i, p += c) {
        for (int64_t k = 0; k + 1 < c; ++k) p[k] = static_cast<uint8_t>(muldiv255(p[k], p[c - 1]));
    }
    return out;
}

// Ref: Pillow Convert.c rgba2rgbA / la2lA: undo the premultiplication (alpha 0 and 255 untouched).
void unpremultiply(at::Tensor& image) {
    const int64_t c = image.size(2), n = image.numel() / c;
    uint8_t* p = image.data_ptr<uint8_t>();
    for (int64_t i = 0; i < n; ++i, p += c) {
        const int alpha = p[c - 1];
        if (alpha == 0 || alpha == 255) continue;
        for (int64_t k = 0; k + 1 < c; ++k) {
            const int v = 255 * p[k] / alpha;
            p[k] = static_cast<uint8_t>(v > 255 ? 255 : v);
        }
    }
}

}  // namespace

at::Tensor pillow_resize(const at::Tensor& hwc_u8, int width, int height, ResampleFilter filter) {
    if (!hwc_u8.defined() || hwc_u8.dim() != 3) fail("pillow_resize: expected a uint8 HWC image");
    return pillow_resize(hwc_u8, width, height, filter,
                         {0.0f, 0.0f, static_cast<float>(hwc_u8.size(1)), static_cast<float>(hwc_u8.size(0))});
}

at::Tensor pillow_resize(const at::Tensor& hwc_u8, int width, int height, ResampleFilter filter,
                         const std::array<float, 4>& box) {
    if (!hwc_u8.defined() || hwc_u8.dim() != 3 || hwc_u8.scalar_type() != at::kByte || hwc_u8.size(2) < 1 ||
        hwc_u8.size(0) < 1 || hwc_u8.size(1) < 1) {
        fail("pillow_resize: expected a non-empty uint8 HWC image");
    }
    if (width < 1 || height < 1) {
        fail("pillow_resize: height and width must be > 0, got " + std::to_string(width) + "x" +
             std::to_string(height));
    }
    const at::Tensor image = hwc_u8.cpu().contiguous();
    const auto in_w = static_cast<float>(image.size(1)), in_h = static_cast<float>(image.size(0));
    // Ref: Pillow _imaging.c _resize (box checks and the integer-crop shortcut), Image.resize.
    if (box[0] < 0 || box[1] < 0) fail("pillow_resize: box offset can't be negative");
    if (box[2] > in_w || box[3] > in_h) fail("pillow_resize: box can't exceed the original image size");
    if (box[2] - box[0] < 0 || box[3] - box[1] < 0) fail("pillow_resize: box can't be empty");
    if (width == image.size(1) && height == image.size(0) && box[0] == 0 && box[1] == 0 && box[2] == in_w &&
        box[3] == in_h) {
        return image.clone();
    }
    if (box[0] == std::floor(box[0]) && box[1] == std::floor(box[1]) && box[2] - box[0] == static_cast<float>(width) &&
        box[3] - box[1] == static_cast<float>(height)) {
        using at::indexing::Slice;
        const auto x0 = static_cast<int64_t>(box[0]), y0 = static_cast<int64_t>(box[1]);
        return image.index({Slice(y0, y0 + height), Slice(x0, x0 + width)}).contiguous();
    }
    if (filter == ResampleFilter::nearest) return resize_nearest(image, width, height, box);

    Filter kernel{};
    switch (filter) {
        case ResampleFilter::bilinear: kernel = {bilinear_weight, 1.0}; break;
        case ResampleFilter::bicubic: kernel = {bicubic_weight, 2.0}; break;
        case ResampleFilter::lanczos: kernel = {lanczos_weight, 3.0}; break;
        case ResampleFilter::nearest: break;
    }
    // Pillow resizes LA and RGBA premultiplied ("La"/"RGBa") and converts back afterwards.
    const bool alpha = image.size(2) == 2 || image.size(2) == 4;
    at::Tensor out = resample(alpha ? premultiply(image) : image, width, height, kernel, box);
    if (alpha) unpremultiply(out);
    return out;
}

std::pair<int, int> shorter_side_size(int width, int height, int shorter) {
    if (width < 1 || height < 1 || shorter < 1) {
        fail("shorter_side_size: sizes must be positive, got " + std::to_string(width) + "x" + std::to_string(height) +
             " → " + std::to_string(shorter));
    }
    // Ref: torchvision _compute_resized_output_size / HF get_resize_output_image_size:
    // int(size * long / short) — an integer product, a float division, truncation.
    const bool width_is_short = width <= height;
    const int64_t longer = width_is_short ? height : width;
    const int64_t short_side = width_is_short ? width : height;
    const int new_long = static_cast<int>(static_cast<double>(shorter * longer) / static_cast<double>(short_side));
    return width_is_short ? std::pair<int, int>{shorter, new_long} : std::pair<int, int>{new_long, shorter};
}

at::Tensor center_crop(const at::Tensor& hwc_u8, int size_w, int size_h, bool round_half_even) {
    if (!hwc_u8.defined() || hwc_u8.dim() != 3) fail("center_crop: expected an HWC image");
    const int64_t h = hwc_u8.size(0), w = hwc_u8.size(1);
    if (size_w < 1 || size_h < 1 || size_w > w || size_h > h) {
        fail("center_crop: cannot crop " + std::to_string(size_w) + "x" + std::to_string(size_h) + " out of a " +
             std::to_string(w) + "x" + std::to_string(h) + " image");
    }
    // torchvision: int(round((h - size) / 2.0)) with Python's round-half-to-even;
    // HF image processors: (h - size) // 2.
    const auto offset = [&](int64_t total, int64_t size) -> int64_t {
        const int64_t diff = total - size;  // >= 0
        if (!round_half_even) return diff / 2;
        return static_cast<int64_t>(std::nearbyint(static_cast<double>(diff) / 2.0));  // FE_TONEAREST: ties to even
    };
    using at::indexing::Slice;
    const int64_t top = offset(h, size_h), left = offset(w, size_w);
    return hwc_u8.index({Slice(top, top + size_h), Slice(left, left + size_w)}).contiguous();
}

}  // namespace pictor
