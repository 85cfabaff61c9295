// Which files of a repo listing a RepoDownloadRequest selects: required alternatives, include /
// exclude globs, and the weight-file variant rule (select_files, variant_file_name of download.h).
#include "core/hub/download.h"

#include <optional>
#include <set>
#include <utility>

#include "core/util/error.h"
#include "core/util/glob.h"

namespace pictor::hub {

namespace {

const std::set<std::string>& weight_extensions() {
    static const std::set<std::string> exts{"safetensors", "bin", "ckpt", "pt", "pth", "msgpack", "onnx", "h5"};
    return exts;
}

// "dir/name.fp16.safetensors" → {"dir/name.safetensors", "fp16"} when it looks like a variant file.
std::optional<std::pair<std::string, std::string>> split_variant(const std::string& path) {
    const auto slash = path.rfind('/');
    const std::string dir = slash == std::string::npos ? "" : path.substr(0, slash + 1);
    const std::string name = slash == std::string::npos ? path : path.substr(slash + 1);
    const auto last = name.rfind('.');
    if (last == std::string::npos || last == 0) return std::nullopt;
    const auto prev = name.rfind('.', last - 1);
    if (prev == std::string::npos || prev == 0) return std::nullopt;
    const std::string ext = name.substr(last + 1);
    if (!weight_extensions().count(ext)) return std::nullopt;
    return std::make_pair(dir + name.substr(0, prev) + "." + ext, name.substr(prev + 1, last - prev - 1));
}

}  // namespace

std::vector<std::string> select_files(const RepoDownloadRequest& request, const std::vector<RepoFile>& files) {
    std::set<std::string> present;
    for (const auto& f : files) present.insert(f.path);
    const auto wanted_variant = [&](const std::string& path) {
        if (const auto split = split_variant(path); split && present.count(split->first)) {
            return split->second == request.variant;  // a variant copy: only the asked-for variant
        }
        const std::string copy = variant_file_name(path, request.variant);
        return copy == path || !present.count(copy);  // skip X.ext when X.<variant>.ext is there
    };
    std::set<std::string> chosen;
    for (const auto& alternatives : request.required) {
        std::string found;
        for (const auto& alt : alternatives) {
            const std::string v = variant_file_name(alt, request.variant);
            if (!request.variant.empty() && present.count(v)) {
                found = v;
            } else if (present.count(alt)) {
                found = alt;
            }
            if (!found.empty()) break;
        }
        if (found.empty()) {
            std::string list;
            for (const auto& a : alternatives) list += (list.empty() ? "" : " or ") + a;
            fail("repository '" + request.repo_id + "' at revision '" + request.revision + "' has no " + list);
        }
        chosen.insert(found);
    }
    const bool everything = request.required.empty() && request.include.empty();
    for (const auto& f : files) {
        if (chosen.count(f.path) || !wanted_variant(f.path)) continue;
        bool take = everything;
        for (const auto& pattern : request.include) take = take || path_glob_match(pattern, f.path);
        for (const auto& pattern : request.exclude) take = take && !path_glob_match(pattern, f.path);
        if (take) chosen.insert(f.path);
    }
    std::vector<std::string> out;
    for (const auto& f : files) {
        if (chosen.count(f.path)) out.push_back(f.path);
    }
    return out;
}

std::string variant_file_name(const std::string& path, const std::string& variant) {
    const auto slash = path.rfind('/');
    const auto dot = path.rfind('.');
    if (variant.empty() || dot == std::string::npos || (slash != std::string::npos && dot < slash)) return path;
    if (!weight_extensions().count(path.substr(dot + 1))) return path;
    return path.substr(0, dot) + "." + variant + path.substr(dot);
}

}  // namespace pictor::hub
