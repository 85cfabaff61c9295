// Shared pieces of the job implementations (internal to core/jobs: front ends do not include it).
#pragma once

#include <ATen/core/Tensor.h>

#include <cmath>
#include <filesystem>
#include <string>
#include <vector>

#include "core/io/model_ref.h"
#include "core/jobs/job_error.h"
#include "core/jobs/job_sink.h"
#include "core/util/progress.h"

namespace pictor::jobs::detail {

// Resolves a model reference for `role` ("Stable Diffusion model"), or throws ModelNotFound
// naming the role, the reference and where it looked, with the catalogue entry it names if any.
ResolvedModel resolve_for(const std::string& reference, const std::string& role);

// The reference as it is written into outputs so that it can be found again: a repo id or a
// torchvision file name as given, a local path made absolute.
std::string portable_reference(const std::string& reference, const ResolvedModel& resolved);

// A1111's short model hash (the first 8 hex digits of the SHA-256 of the 64 KiB at offset 1 MiB,
// or of the whole file when shorter) of `file`; "" when it cannot be read.
std::string short_model_hash(const std::filesystem::path& file);

// Cache key part for a file or folder that may be rewritten in place: its modification time.
std::string modification_stamp(const std::filesystem::path& path);

// uint8 HWC (1, 3 or 4 channels) → RGB bytes.
Rgb8Image to_rgb8(const at::Tensor& hwc_u8);

// Forwards an engine ProgressSink to a JobSink (previews converted to RGB bytes).
class SinkBridge : public ProgressSink {
public:
    explicit SinkBridge(JobSink& sink) : sink_(sink) {}
    void on_stage(std::string_view stage) override { sink_.on_stage(stage); }
    void on_step(int step, int total) override { sink_.on_step(step, total); }
    void on_preview(const at::Tensor& rgb) override;
    void on_message(std::string_view message) override { sink_.on_message(message); }
    bool cancelled() const override { return sink_.cancelled(); }

protected:
    JobSink& sink_;
};

// Validation helpers: each throws InvalidRequest "<field> ...".
void require_finite(double value, const std::string& field);
void require_range(double value, double lo, double hi, const std::string& field);
void require_file(const std::filesystem::path& path, const std::string& field);
void require_nonempty(const std::string& value, const std::string& field);
void require_labels(const std::vector<std::string>& labels, const std::string& field);
void require_template(const std::string& prompt_template);  // "" or holding "{}"

// The next free counter of A1111-style numbered files in `dir`: one more than the largest number
// captured by `pattern`'s first group over the folder's file names (0 for none). Generated images
// ("(\\d{5})-.*\\.png") and grids ("grid-(\\d{5})\\.png") are numbered this way.
int next_free_counter(const std::filesystem::path& dir, const std::string& pattern);

}  // namespace pictor::jobs::detail
