#include "core/jobs/job_support.h"

#include <algorithm>
#include <regex>

#include <ATen/ATen.h>

#include <fstream>
#include <optional>
#include <system_error>

#include "core/hub/catalogue.h"
#include "core/hub/hash.h"

namespace pictor::jobs::detail {

namespace fs = std::filesystem;

namespace {

// The catalogue entry `reference` names (by its reference or its short name), if any; a
// malformed models.yaml only means no download offer.
const hub::CatalogueEntry* catalogue_entry_for(const hub::Catalogue& catalogue, const std::string& reference) {
    for (const hub::CatalogueEntry& e : catalogue.entries()) {
        if (e.kind == hub::ModelKind::local_folder) continue;  // nothing to download
        if (e.reference() == reference || e.name == reference) return &e;
    }
    return nullptr;
}

}  // namespace

ResolvedModel resolve_for(const std::string& reference, const std::string& role) {
    if (reference.empty()) throw ModelNotFound("no " + role + " is set", role, reference);
    // A path on disk needs no catalogue; anything else may be a catalogue name ("sd15") and, when
    // it does not resolve, the entry to offer for download. models.yaml is read once.
    std::error_code ec;
    std::optional<hub::Catalogue> catalogue;
    if (!std::filesystem::exists(reference, ec)) {
        try {
            catalogue = hub::Catalogue::load();
        } catch (const std::exception&) {  // a malformed models.yaml only means no catalogue names
        }
    }
    const hub::CatalogueEntry* entry = catalogue ? catalogue_entry_for(*catalogue, reference) : nullptr;
    std::string message;
    try {
        return resolve_model_ref(entry && entry->name == reference ? entry->reference() : reference);
    } catch (const Error& e) {
        message = e.what();
    }
    ModelNotFound error("the " + role + " '" + reference + "' was not found: " + message, role, reference);
    if (entry) {
        error.catalogue_entry = entry->name;
        error.catalogue_title = entry->title;
        error.approx_size = entry->approx_size;
    }
    throw error;
}

std::string portable_reference(const std::string& reference, const ResolvedModel& resolved) {
    if (resolved.source == ModelSource::HuggingFaceCache || resolved.source == ModelSource::TorchHubCache)
        return reference;
    std::error_code ec;
    const fs::path absolute = fs::absolute(fs::path(reference), ec);
    return ec ? reference : absolute.lexically_normal().string();
}

std::string short_model_hash(const fs::path& file) {
    // Ref: AUTOMATIC1111 modules/hashes.py / sd_models.model_hash (the legacy short hash).
    std::ifstream in(file, std::ios::binary);
    if (!in) return "";
    constexpr std::streamoff kOffset = 0x100000, kLength = 0x10000;
    in.seekg(0, std::ios::end);
    const std::streamoff size = in.tellg();
    const std::streamoff from = size > kOffset ? kOffset : 0;
    const std::streamoff length = size > kOffset ? std::min(kLength, size - kOffset) : size;
    std::string bytes(static_cast<size_t>(length), '\0');
    in.seekg(from);
    in.read(bytes.data(), length);
    if (!in) return "";
    return hub::sha256_hex(bytes).substr(0, 8);
}

std::string modification_stamp(const fs::path& path) {
    std::error_code ec;
    const auto t = fs::last_write_time(path, ec);
    return ec ? "?" : std::to_string(t.time_since_epoch().count());
}

Rgb8Image to_rgb8(const at::Tensor& hwc_u8) {
    at::Tensor t = hwc_u8.to(at::kCPU).to(at::kByte);
    if (t.dim() != 3) return {};
    const int64_t c = t.size(2);
    if (c == 1) t = t.expand({t.size(0), t.size(1), 3});
    else if (c == 4) t = t.slice(2, 0, 3);
    else if (c != 3) return {};
    t = t.contiguous();
    Rgb8Image out;
    out.height = int(t.size(0));
    out.width = int(t.size(1));
    const uint8_t* p = t.data_ptr<uint8_t>();
    out.pixels.assign(p, p + t.numel());
    return out;
}

void SinkBridge::on_preview(const at::Tensor& rgb) { sink_.on_preview(to_rgb8(rgb)); }

void require_finite(double value, const std::string& field) {
    if (!std::isfinite(value)) throw InvalidRequest(field + " must be a finite number, got " + std::to_string(value));
}

void require_range(double value, double lo, double hi, const std::string& field) {
    require_finite(value, field);
    if (value < lo || value > hi) {
        char buf[160];
        std::snprintf(buf, sizeof buf, " must be between %g and %g, got %g", lo, hi, value);
        throw InvalidRequest(field + buf);
    }
}

void require_file(const fs::path& path, const std::string& field) {
    std::error_code ec;
    if (path.empty()) throw InvalidRequest(field + " is not set");
    if (!fs::exists(path, ec)) throw InvalidRequest(field + " '" + path.string() + "' does not exist");
    if (fs::is_directory(path, ec)) throw InvalidRequest(field + " '" + path.string() + "' is a folder, not a file");
}

void require_nonempty(const std::string& value, const std::string& field) {
    if (value.empty()) throw InvalidRequest(field + " is not set");
}

void require_labels(const std::vector<std::string>& labels, const std::string& field) {
    if (labels.empty()) throw InvalidRequest(field + ": the label list is empty (give at least one label)");
    for (size_t i = 0; i < labels.size(); ++i) {
        if (labels[i].find_first_not_of(" \t\r\n") == std::string::npos)
            throw InvalidRequest(field + ": label " + std::to_string(i + 1) + " is empty");
    }
}

void require_template(const std::string& prompt_template) {
    if (!prompt_template.empty() && prompt_template.find("{}") == std::string::npos)
        throw InvalidRequest("template '" + prompt_template + "' has no {} for the label");
}

int next_free_counter(const std::filesystem::path& dir, const std::string& pattern) {
    int next = 0;
    const std::regex re(pattern);
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
        std::smatch m;
        const std::string name = entry.path().filename().string();
        if (std::regex_match(name, m, re)) next = std::max(next, std::stoi(m[1].str()) + 1);
    }
    return next;
}

}  // namespace pictor::jobs::detail
