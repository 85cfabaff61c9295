// torch.hub downloads into $TORCH_HOME/hub/checkpoints (download_url_to_torch_hub,
// torch_hash_prefix of download.h).
#include "core/hub/download.h"

#include "core/hub/file_lock.h"
#include "core/hub/hash.h"
#include "core/hub/http.h"
#include "core/hub/transfer.h"
#include "core/io/model_ref.h"
#include "core/util/error.h"

namespace pictor::hub {

namespace fs = std::filesystem;

std::optional<std::string> torch_hash_prefix(const std::string& filename) {
    // Ref: torch/hub.py HASH_REGEX = r'-([a-f0-9]*)\.' (re.search: the first match).
    for (std::size_t i = 0; i < filename.size(); ++i) {
        if (filename[i] != '-') continue;
        std::size_t j = i + 1;
        while (j < filename.size() && ((filename[j] >= '0' && filename[j] <= '9') || (filename[j] >= 'a' && filename[j] <= 'f'))) ++j;
        if (j < filename.size() && filename[j] == '.') {
            if (j == i + 1) return std::nullopt;  // empty prefix: nothing to check
            return filename.substr(i + 1, j - i - 1);
        }
    }
    return std::nullopt;
}

TorchHubResult download_url_to_torch_hub(const std::string& url, const TorchHubOptions& options, ProgressSink* sink) {
    std::string path_part = url;
    const auto cut = path_part.find_first_of("?#");
    if (cut != std::string::npos) path_part.resize(cut);
    const auto slash = path_part.rfind('/');
    const std::string name = slash == std::string::npos ? "" : path_part.substr(slash + 1);
    if (name.empty() || name == "." || name == ".." || url.find("://") == std::string::npos) {
        fail("'" + url + "' is not a URL ending in a file name");
    }
    TorchHubResult result;
    const fs::path dir = options.checkpoints_dir.empty() ? torch_hub_checkpoints_dir() : options.checkpoints_dir;
    result.path = dir / name;
    std::error_code ec;
    if (fs::is_regular_file(result.path, ec)) {
        result.already_present = true;
        return result;
    }
    fs::create_directories(dir, ec);
    if (ec) fail("cannot create folder '" + dir.string() + "': " + ec.message());
    const std::string what = "'" + name + "' from " + url;

    // The size (for the disk check, progress and completeness) from a HEAD; servers without HEAD
    // support still work, with an unknown total.
    std::optional<std::uint64_t> size;
    {
        http::Request head;
        head.method = "HEAD";
        head.url = url;
        head.headers = {"Accept-Encoding: identity"};
        head.connect_timeout_s = options.connect_timeout_s;
        head.stall_timeout_s = options.stall_timeout_s;
        const http::Response r = http::perform(head);
        if (!r.transport_error.empty()) {
            fail(what + ": cannot reach " + http::origin_of(url) + ": " + r.transport_error);
        }
        if (r.status == 401 || r.status == 403 || r.status == 404) {
            fail(what + ": " + detail::describe_status(r));
        }
        if (r.status >= 200 && r.status < 300) size = http::parse_size(r.header("content-length"));
    }

    detail::ProgressReporter progress(sink, 1, size.value_or(0));
    const fs::path incomplete = dir / ("." + name + ".incomplete");
    detail::FileLock lock(dir / ("." + name + ".lock"), progress, name);
    if (!lock.held()) {
        result.cancelled = true;
        return result;
    }
    if (fs::is_regular_file(result.path, ec)) {
        result.already_present = true;
        return result;
    }
    progress.begin_item(name, detail::file_size_or_zero(incomplete), size.value_or(0));
    detail::TransferSpec spec;
    spec.url = url;
    spec.incomplete = incomplete;
    spec.expected_size = size;
    spec.what = what;
    spec.max_attempts = options.max_attempts;
    spec.connect_timeout_s = options.connect_timeout_s;
    spec.stall_timeout_s = options.stall_timeout_s;
    if (detail::transfer(spec, progress, result.bytes_downloaded) == detail::TransferOutcome::cancelled) {
        result.cancelled = true;
        return result;
    }
    if (options.check_hash) {
        if (const auto prefix = torch_hash_prefix(name)) {
            if (sink) sink->on_stage("verifying " + name);
            Hasher hasher(HashKind::sha256);
            if (!hash_file_into(hasher, incomplete, -1, sink)) {
                result.cancelled = true;
                return result;
            }
            const std::string digest = hasher.hex_digest();
            if (digest.compare(0, prefix->size(), *prefix) != 0) {
                fs::remove(incomplete, ec);
                fail(what + ": hash mismatch: SHA-256 " + digest + " does not start with '" + *prefix +
                     "' (the prefix in the file name); the download was discarded");
            }
        }
    }
    fs::rename(incomplete, result.path, ec);
    if (ec) fail(what + ": cannot move '" + incomplete.string() + "' into place: " + ec.message());
    fs::remove(dir / ("." + name + ".lock"), ec);
    progress.end_item();
    return result;
}

}  // namespace pictor::hub
