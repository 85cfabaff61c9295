// The A1111 "parameters" text parser (PNG tEXt of images from A1111, Civitai, Pictor).
// Contract (core/image/a1111_parameters.h): nothing throws, any bytes are fine, time linear in the
// length. The harness catches nothing.
// Extra oracle: the header lists when parse(format(p)) == p holds (at least 3 pairs, no known key
// in `extra` that the field would take, no '\r' line ends, ...); a parse of arbitrary text need not
// meet them, but one write + read normalises it, so from there on writing and reading again must
// be a fixed point (Pictor's own images read back unchanged). NaN is left out (NaN != NaN), and
// so are prompt lines ending in '\r' (see has_cr_line_end).
#include <cmath>

#include "core/image/a1111_parameters.h"
#include "fuzz/fuzz_support.h"

namespace {

bool has_nan(const pictor::GenerationParameters& p) {
    return (p.cfg_scale && std::isnan(*p.cfg_scale)) || (p.denoising_strength && std::isnan(*p.denoising_strength));
}

// A prompt line ending in '\r' loses one '\r' per read (documented: "\r\n" texts), so a run of
// them takes as many rounds to settle; the header excludes such lines from the round trip.
bool has_cr_line_end(const std::string& text) {
    return text.find("\r\n") != std::string::npos || (!text.empty() && text.back() == '\r');
}

// The header's condition on `extra`: a known key there reads back into its field when that field
// is "not given" ("Steps: 0" fills steps with 0, which is not written; a later "Steps: 5" extra
// then becomes the field). Left out of the round trip.
bool known_key_in_extra_without_field(const pictor::GenerationParameters& p) {
    for (const auto& [key, value] : p.extra) {
        const bool not_given =
            (key == "Steps" && p.steps == 0) || (key == "Sampler" && p.sampler.empty()) ||
            (key == "Schedule type" && p.schedule_type.empty()) || (key == "CFG scale" && !p.cfg_scale) ||
            (key == "Seed" && !p.seed) || (key == "Size" && p.width == 0 && p.height == 0) ||
            (key == "Model hash" && p.model_hash.empty()) || (key == "Model" && p.model.empty()) ||
            (key == "Denoising strength" && !p.denoising_strength) || (key == "Clip skip" && p.clip_skip == 0) ||
            (key == "Batch size" && p.batch_size == 0) || (key == "Batch pos" && p.batch_pos == -1);
        if (not_given) return true;
    }
    return false;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const auto parsed = pictor::parse_parameters(pictor::fuzz::as_text(data, size));
    if (!parsed) return 0;
    (void)pictor::lora_hashes(*parsed);
    (void)pictor::combined_sampler_name(*parsed);
    if (parsed->cfg_scale) (void)pictor::python_float(*parsed->cfg_scale);
    const auto normalised = pictor::parse_parameters(pictor::format_parameters(*parsed));
    if (!normalised || has_nan(*normalised)) return 0;  // fewer than 3 pairs once written, see the header
    if (has_cr_line_end(normalised->prompt) || has_cr_line_end(normalised->negative_prompt)) return 0;
    if (known_key_in_extra_without_field(*normalised)) return 0;
    const std::string text = pictor::format_parameters(*normalised);
    const auto again = pictor::parse_parameters(text);
    // A field read as its "not given" value ("Steps: 0") is not written: fewer than 3 pairs may be
    // left, and then there is no parameters line (documented).
    if (!again) return 0;
    if (!(*again == *normalised)) {
        std::fprintf(stderr, "formatted:\n%s\n", text.c_str());
        pictor::fuzz::finding("format_parameters / parse_parameters is not a fixed point after one round");
    }
    return 0;
}
