// The Hugging Face download jobs: list or ask, then bring each file into the cache, then write the
// ref. The pieces live beside this file: repo_api (listing, file metadata), file_selection (what a
// request selects), blob_cache (the cache layout), transfer (the bytes), torch_hub (torch.hub).
#include "core/hub/download.h"

#include "core/hub/blob_cache.h"
#include "core/hub/repo_api.h"
#include "core/hub/transfer.h"
#include "core/util/error.h"

namespace pictor::hub {

namespace fs = std::filesystem;
using detail::FileMeta;
using detail::ProgressReporter;

namespace {

DownloadResult download_metas(const std::string& repo, const std::string& revision, const std::string& commit,
                              const std::vector<FileMeta>& metas, const HubConfig& config, ProgressSink* sink) {
    const detail::RepoPaths paths = detail::repo_paths(config, repo);
    DownloadResult result;
    result.commit = commit;
    result.snapshot_dir = paths.snapshot(commit);
    int items = 0;
    std::uint64_t total = 0;
    std::error_code ec;
    for (const auto& m : metas) {
        result.files.push_back(m.file);
        result.bytes_total += m.size.value_or(0);
        if (!fs::is_regular_file(paths.blob(m.etag), ec)) {
            ++items;
            total += m.size.value_or(0);
        }
    }
    ProgressReporter progress(sink, items, total);
    for (const auto& m : metas) {
        if (m.commit != commit) {
            fail(detail::repo_context(repo, revision, m.file) + ": the Hub answered for commit " + m.commit +
                 ", expected " + commit);
        }
        bool transferred = false;
        if (!detail::fetch_into_cache(config, repo, revision, m, paths, progress, result.bytes_downloaded,
                                      transferred)) {
            result.cancelled = true;
            return result;
        }
        if (transferred) ++result.files_downloaded;
    }
    detail::write_ref(paths, revision, commit);
    return result;
}

}  // namespace

DownloadResult download_repo(const RepoDownloadRequest& request, const HubConfig& config, ProgressSink* sink) {
    if (sink) sink->on_stage("listing " + request.repo_id);
    const RepoInfo info = fetch_repo_info(request.repo_id, request.revision, config);
    const std::vector<std::string> files = select_files(request, info.files);
    if (files.empty()) {
        fail("repository '" + request.repo_id + "' at revision '" + request.revision +
             "': no file matches the selection");
    }
    std::vector<FileMeta> metas;
    for (const auto& f : files) {
        if (sink && sink->cancelled()) {
            DownloadResult r;
            r.cancelled = true;
            r.commit = info.commit;
            return r;
        }
        if (sink) sink->on_stage("checking " + f);
        // Files are asked for at the listed commit so that all come from the same snapshot.
        metas.push_back(detail::fetch_file_meta(config, request.repo_id, info.commit, f));
    }
    return download_metas(request.repo_id, request.revision, info.commit, metas, config, sink);
}

DownloadResult download_file(const std::string& repo_id, const std::string& filename, const std::string& revision,
                             const HubConfig& config, ProgressSink* sink) {
    detail::check_repo_id(repo_id);
    detail::check_relative_path(filename, "file name");
    const FileMeta meta = detail::fetch_file_meta(config, repo_id, revision, filename);
    if (detail::is_commit_hash(revision) && meta.commit != revision) {
        fail(detail::repo_context(repo_id, revision, filename) + ": the Hub answered for commit " + meta.commit);
    }
    return download_metas(repo_id, revision, meta.commit, {meta}, config, sink);
}

}  // namespace pictor::hub
