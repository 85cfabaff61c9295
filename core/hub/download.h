// Downloads from the Hugging Face Hub and from download.pytorch.org into the caches the Python
// tools use, so a model fetched by Pictor is found by diffusers/transformers/torchvision and vice
// versa.
//
// Hugging Face (Ref: huggingface_hub file_download.py hf_hub_download / _snapshot_download.py):
//   file list  GET  {endpoint}/api/models/{repo}/revision/{revision}   → "sha", "siblings[].rfilename"
//   metadata   HEAD {endpoint}/{repo}/resolve/{commit}/{file}          → X-Repo-Commit, X-Linked-Etag
//              (or ETag), X-Linked-Size (or Content-Length); a redirect to another host (the CDN)
//              is not followed for HEAD, its Location is where the bytes come from
//   content    GET  the resolved URL, redirects followed, "Range: bytes=N-" to resume
// and the cache layout (`hf_hub_cache_dir()` of core/io/model_ref.h):
//   models--ORG--NAME/blobs/<etag>                       the content, named by its etag
//   models--ORG--NAME/blobs/<etag>.incomplete            a transfer in progress (resumable)
//   models--ORG--NAME/snapshots/<commit>/<file>          relative symlink to ../../blobs/<etag>
//   models--ORG--NAME/refs/<revision>                    the commit <revision> points to
//   .locks/models--ORG--NAME/<etag>.lock                 flock(2) held while a blob is written
// A blob becomes visible (renamed from .incomplete, then linked under snapshots/) only after its
// size and hash were checked: SHA-256 for LFS etags (64 hex), git blob SHA-1 for 40-hex etags.
// refs/<revision> is written only after every selected file of download_repo() is in place.
//
// torchvision (Ref: torch/hub.py download_url_to_file, load_state_dict_from_url check_hash):
//   $TORCH_HOME/hub/checkpoints/<name>, downloaded to .<name>.incomplete beside it (resumable),
//   the SHA-256 must start with the hash prefix in the name ("resnet50-11ad3fa6.pth" → 11ad3fa6),
//   then renamed into place.
//
// Authentication: HF_TOKEN (else HUGGING_FACE_HUB_TOKEN, else the file $HF_HOME/token) is sent as
// "Authorization: Bearer" to the endpoint's origin only; never to a redirect target on another
// scheme/host/port (the CDN URLs are pre-signed).
//
// Failure contract: every function throws pictor::Error with a message naming the repo, file or
// URL and the cause (HTTP status with what it means, e.g. 401 → "gated or private: set HF_TOKEN";
// 404 → which of repo / revision / file is missing; hash mismatch; size mismatch; not enough disk
// space; write errors with the system's reason; connection failures). A failed file leaves the
// visible cache as it was: nothing under snapshots/, blobs/ or refs/ changes. An interrupted
// transfer keeps its .incomplete file so the next call resumes it; a hash or size mismatch
// deletes it. Cancellation is not an error: the result says `cancelled`, the .incomplete stays.
//
// Thread-safety: calls are independent and may run concurrently on different threads (each has
// its own connections); two processes or threads fetching the same blob serialise on its lock
// file. The sink is called only from the calling thread; `cancelled()` may be flipped from any
// thread (e.g. CancelFlagSink) and is checked several times per second during a transfer.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "core/util/progress.h"

namespace pictor::hub {

// Where and how to reach the Hub. `from_environment()` fills everything from the environment the
// Python tools read; tests and front ends may override any field afterwards.
struct HubConfig {
    std::string endpoint;               // $HF_ENDPOINT or https://huggingface.co (no trailing '/')
    std::optional<std::string> token;   // $HF_TOKEN, $HUGGING_FACE_HUB_TOKEN or $HF_HOME/token
    std::filesystem::path cache_dir;    // hf_hub_cache_dir()
    int max_attempts = 3;               // per file: a transfer cut short is resumed up to this many tries in all
    long connect_timeout_s = 30;
    long stall_timeout_s = 60;          // abort a transfer when no byte arrives for this long

    static HubConfig from_environment();
};

// Progress of one download job (all files of a download_repo() call, or one URL).
struct DownloadProgress {
    std::string item;                   // repo path or file name being transferred
    int item_index = 0;                 // 1-based among items that need a transfer
    int item_count = 0;
    std::uint64_t item_done = 0;        // bytes of this item on disk (a resumed prefix counts)
    std::uint64_t item_total = 0;       // 0 when unknown
    std::uint64_t done = 0;             // bytes of all items
    std::uint64_t total = 0;            // 0 when unknown
    double bytes_per_second = 0.0;      // smoothed rate of this job's network transfer
    double eta_seconds = -1.0;          // -1 when unknown
};

// A ProgressSink that also receives byte-level progress. Any ProgressSink works with the download
// calls (on_stage per file, on_step in MiB of the whole job, on_message for retries/resumes);
// a DownloadSink additionally gets on_download, at most ~10 times per second plus once per item end.
class DownloadSink : public ProgressSink {
public:
    virtual void on_download(const DownloadProgress& progress) {}
};

// ----- Hugging Face -----

struct RepoFile {
    std::string path;                       // "unet/config.json"
    std::optional<std::uint64_t> size;      // when the listing gives it
};

struct RepoInfo {
    std::string repo_id;
    std::string revision;                   // as asked ("main")
    std::string commit;                     // 40-hex commit the revision points to
    std::vector<RepoFile> files;
};

// GET {endpoint}/api/models/{repo}/revision/{revision}. Throws pictor::Error (HTTP status and its
// meaning, malformed JSON, a file name that would escape the snapshot folder).
RepoInfo fetch_repo_info(const std::string& repo_id, const std::string& revision, const HubConfig& config);

struct RepoDownloadRequest {
    std::string repo_id;                    // "ORG/NAME"
    std::string revision = "main";          // branch, tag or commit
    // Files that must be present; each entry lists alternatives, the first one the repo has is taken
    // ({"model.safetensors", "pytorch_model.bin"}). A missing required file is an error.
    std::vector<std::vector<std::string>> required;
    // Further files, by glob (core/util/glob.h: Python's fnmatch, '*' also matches '/'); a pattern
    // ending in '/' means everything below. When `required` and `include` are both empty, every file is selected.
    std::vector<std::string> include;
    std::vector<std::string> exclude;
    // Weight-file variant ("fp16"): where the repo has both X.fp16.ext and X.ext, X.fp16.ext is taken
    // instead of X.ext (required entries included; a required weight file without a variant copy
    // falls back to X.ext, as diffusers does). Without a variant, the variant copies are skipped.
    std::string variant;
};

// The name of a weight file's variant copy: ("unet/diffusion_pytorch_model.safetensors", "fp16") →
// "unet/diffusion_pytorch_model.fp16.safetensors". Other files (configs, tokenizer) and an empty
// variant give `path` unchanged. Weight files: .safetensors .bin .ckpt .pt .pth .msgpack .onnx .h5.
std::string variant_file_name(const std::string& path, const std::string& variant);

// Selects the repo paths a request names, in listing order (exposed for the CLI's dry listing and
// for tests). Throws pictor::Error for a required file the repo lacks.
std::vector<std::string> select_files(const RepoDownloadRequest& request, const std::vector<RepoFile>& files);

struct DownloadResult {
    bool cancelled = false;
    std::string commit;
    std::filesystem::path snapshot_dir;     // cache/models--ORG--NAME/snapshots/<commit>
    std::vector<std::string> files;         // repo paths selected (all present unless cancelled)
    std::uint64_t bytes_total = 0;          // size of the selected files
    std::uint64_t bytes_downloaded = 0;     // received over the network by this call
    int files_downloaded = 0;               // files transferred (the others were already cached)
};

// snapshot_download(allow_patterns=...) equivalent: lists the repo, selects files, fetches the
// missing ones, then writes refs/<revision>.
DownloadResult download_repo(const RepoDownloadRequest& request, const HubConfig& config,
                             ProgressSink* sink = nullptr);

// hf_hub_download equivalent for one file (refs/<revision> written when the file is in place).
DownloadResult download_file(const std::string& repo_id, const std::string& filename,
                             const std::string& revision, const HubConfig& config, ProgressSink* sink = nullptr);

// ----- torchvision / torch.hub -----

struct TorchHubOptions {
    std::filesystem::path checkpoints_dir;  // empty: torch_hub_checkpoints_dir()
    bool check_hash = true;                 // require the SHA-256 prefix found in the file name
    int max_attempts = 3;
    long connect_timeout_s = 30;
    long stall_timeout_s = 60;
};

struct TorchHubResult {
    bool cancelled = false;
    bool already_present = false;           // the file existed; nothing was fetched or checked
    std::filesystem::path path;             // checkpoints_dir / file name
    std::uint64_t bytes_downloaded = 0;
};

// Fetches `url` into the checkpoints folder under its last path segment, unless it is there already.
TorchHubResult download_url_to_torch_hub(const std::string& url, const TorchHubOptions& options = {},
                                         ProgressSink* sink = nullptr);

// The hash prefix torch.hub reads from a file name: the hex run after the last '-' before the first
// '.' following it ("resnet50-11ad3fa6.pth" → "11ad3fa6"); nullopt when the name has none.
std::optional<std::string> torch_hash_prefix(const std::string& filename);

// ----- helpers -----

// "4.3 GB", "605.2 MB", "512 B" (decimal units, as the Hub shows sizes).
std::string human_bytes(std::uint64_t bytes);


// "ORG/NAME" → "models--ORG--NAME" (the folder name of io's hf_repo_cache_dir). Throws
// pictor::Error for text that is not a repo id.
std::string repo_folder_name(const std::string& repo_id);

}  // namespace pictor::hub
