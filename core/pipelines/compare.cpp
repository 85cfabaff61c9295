#include "core/pipelines/compare.h"

#include <ATen/ATen.h>
#include <c10/core/InferenceMode.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <set>

#include "core/models/resnet/resnet.h"
#include "core/pipelines/zero_shot.h"
#include "core/util/error.h"
#include "core/util/progress.h"
#include "core/util/resources.h"

namespace pictor {

namespace {

// Lower-case ASCII words of `text` (letters and digits; everything else separates words).
std::vector<std::string> words_of(std::string_view text) {
    std::vector<std::string> words;
    std::string current;
    for (const char ch : text) {
        const auto c = static_cast<unsigned char>(ch);
        if (std::isalnum(c) || c >= 0x80) {
            current.push_back(static_cast<char>(std::tolower(c)));
        } else if (!current.empty()) {
            words.push_back(std::move(current));
            current.clear();
        }
    }
    if (!current.empty()) words.push_back(std::move(current));
    return words;
}

bool word_matches(const std::string& word, const std::string& pattern, bool last_of_phrase) {
    if (word == pattern) return true;
    if (!last_of_phrase) return false;
    return word == pattern + "s" || word == pattern + "es";
}

}  // namespace

std::vector<ImagenetGroup> parse_imagenet_groups(std::string_view json_text, int num_classes) {
    nlohmann::json root;
    try {
        root = nlohmann::json::parse(json_text.begin(), json_text.end());
    } catch (const nlohmann::json::exception& e) {
        fail(std::string("ImageNet groups: invalid JSON: ") + e.what());
    }
    if (!root.is_object() || !root.contains("groups") || !root["groups"].is_array()) {
        fail("ImageNet groups: expected an object with a 'groups' array");
    }
    std::vector<ImagenetGroup> groups;
    std::set<std::string> names;
    for (size_t g = 0; g < root["groups"].size(); ++g) {
        const auto& item = root["groups"][g];
        const std::string where = "ImageNet groups: group " + std::to_string(g);
        if (!item.is_object() || !item.contains("name") || !item["name"].is_string()) {
            fail(where + ": expected an object with a string 'name'");
        }
        ImagenetGroup group;
        group.name = item["name"].get<std::string>();
        const std::string here = where + " ('" + group.name + "')";
        if (words_of(group.name).empty()) fail(here + ": 'name' has no words");
        if (!names.insert(group.name).second) fail(here + ": duplicate name");
        std::set<std::string> words{group.name};
        if (item.contains("synonyms")) {
            if (!item["synonyms"].is_array()) fail(here + ": 'synonyms' must be an array of strings");
            for (const auto& s : item["synonyms"]) {
                if (!s.is_string() || words_of(s.get<std::string>()).empty()) {
                    fail(here + ": 'synonyms' must be non-empty strings");
                }
                words.insert(s.get<std::string>());
            }
        }
        for (const auto& w : words) {
            std::string joined;
            for (const auto& part : words_of(w)) joined += (joined.empty() ? "" : " ") + part;
            group.words.push_back(joined);
        }
        std::set<int> indices;
        auto add_index = [&](const nlohmann::json& v, const char* field) {
            if (!v.is_number_integer()) fail(here + ": '" + field + "' must hold integers");
            const int64_t i = v.get<int64_t>();
            if (i < 0 || i >= num_classes) {
                fail(here + ": class index " + std::to_string(i) + " in '" + field + "' is outside [0, " +
                     std::to_string(num_classes) + ")");
            }
            indices.insert(static_cast<int>(i));
        };
        if (item.contains("ranges")) {
            if (!item["ranges"].is_array()) fail(here + ": 'ranges' must be an array of [first, last] pairs");
            for (const auto& r : item["ranges"]) {
                if (!r.is_array() || r.size() != 2)
                    fail(here + ": 'ranges' must be an array of [first, last] pairs");
                add_index(r[0], "ranges");
                add_index(r[1], "ranges");
                const int first = r[0].get<int>(), last = r[1].get<int>();
                if (first > last)
                    fail(here + ": range [" + std::to_string(first) + ", " + std::to_string(last) +
                         "] is reversed");
                for (int i = first; i <= last; ++i) indices.insert(i);
            }
        }
        if (item.contains("indices")) {
            if (!item["indices"].is_array()) fail(here + ": 'indices' must be an array of integers");
            for (const auto& v : item["indices"]) add_index(v, "indices");
        }
        if (indices.empty()) fail(here + ": no classes ('ranges' / 'indices')");
        group.indices.assign(indices.begin(), indices.end());
        if (item.contains("note") && item["note"].is_string()) group.note = item["note"].get<std::string>();
        groups.push_back(std::move(group));
    }
    return groups;
}

const std::vector<ImagenetGroup>& imagenet_groups() {
    static const std::vector<ImagenetGroup> groups = [] {
        try {
            return parse_imagenet_groups(resources::imagenet_groups_json());
        } catch (const Error& e) {
            throw e.with_context("built-in resources/imagenet_groups.json");
        }
    }();
    return groups;
}

std::vector<int> groups_mentioned(std::string_view label, const std::vector<ImagenetGroup>& groups) {
    const std::vector<std::string> words = words_of(label);
    struct Match {
        size_t start, length;
        int group;
    };
    std::vector<Match> matches;
    for (size_t g = 0; g < groups.size(); ++g) {
        for (const auto& phrase : groups[g].words) {
            const std::vector<std::string> parts = words_of(phrase);
            for (size_t start = 0; start + parts.size() <= words.size(); ++start) {
                bool ok = true;
                for (size_t k = 0; k < parts.size() && ok; ++k) {
                    ok = word_matches(words[start + k], parts[k], k + 1 == parts.size());
                }
                if (ok) matches.push_back({start, parts.size(), static_cast<int>(g)});
            }
        }
    }
    // Longest match first; a match overlapping an accepted one is dropped.
    std::stable_sort(matches.begin(), matches.end(),
                     [](const Match& a, const Match& b) { return a.length > b.length; });
    std::vector<bool> taken(words.size(), false);
    std::vector<Match> accepted;
    for (const auto& m : matches) {
        bool free = true;
        for (size_t k = m.start; k < m.start + m.length; ++k) free = free && !taken[k];
        if (!free) continue;
        for (size_t k = m.start; k < m.start + m.length; ++k) taken[k] = true;
        accepted.push_back(m);
    }
    std::sort(accepted.begin(), accepted.end(),
              [](const Match& a, const Match& b) { return a.start < b.start; });
    std::vector<int> out;
    for (const auto& m : accepted) {
        if (std::find(out.begin(), out.end(), m.group) == out.end()) out.push_back(m.group);
    }
    return out;
}

float group_probability(const at::Tensor& probs_row, const ImagenetGroup& group) {
    const at::Tensor probs = probs_row.detach().to(at::kFloat).contiguous().view(-1);
    const float* p = probs.data_ptr<float>();
    double sum = 0.0;
    for (const int i : group.indices) {
        if (i < 0 || i >= probs.numel())
            fail("group '" + group.name + "' has class " + std::to_string(i) + " out of range");
        sum += p[i];
    }
    return static_cast<float>(sum);
}

CompareResult compare(const ClipZeroShot& clip, ResNetImpl& resnet, const CompareParams& params,
                      ProgressSink* progress, const std::vector<ImagenetGroup>& groups) {
    if (params.labels.empty()) fail("compare: no labels given");
    if (resnet.config().num_classes != 1000) {
        fail("compare: the ResNet must be an ImageNet-1k classifier (1000 classes), this one has " +
             std::to_string(resnet.config().num_classes));
    }
    CompareResult result;

    // CLIP: the labels' probabilities for this image.
    if (progress) progress->on_stage("CLIP zero-shot");
    ZeroShotParams zs;
    zs.images = {params.image};
    zs.image_names = {params.image_name};
    zs.labels = params.labels;
    zs.prompt_template = params.prompt_template;
    CancelFlagSink no_progress;
    const ZeroShotResult clip_result = clip.score(zs, progress ? *progress : no_progress);
    if (clip_result.cancelled || (progress && progress->cancelled())) {
        result.cancelled = true;
        return result;
    }

    // ResNet: ImageNet probabilities.
    if (progress) progress->on_stage("ResNet classification");
    ClassifyParams cp;
    cp.images = {params.image};
    cp.transform = params.transform;
    cp.top_k = params.top_k;
    const ClassifyResult resnet_result = classify(resnet, cp, progress);
    if (resnet_result.cancelled) {
        result.cancelled = true;
        return result;
    }
    const at::Tensor probs = resnet_result.probs[0];
    result.resnet_probs = probs;
    result.resnet_top = resnet_result.top[0];
    result.clip_probs = clip_result.probs[0];

    // The object-level view.
    const ImageScores& scores = clip_result.images.at(0);
    result.clip_best = scores.best;
    std::vector<int> object_groups;  // group index per result.objects entry
    for (size_t l = 0; l < scores.labels.size(); ++l) {
        CompareLabel label;
        label.label = scores.labels[l].label;
        label.prompt = scores.labels[l].prompt;
        label.clip_probability = scores.labels[l].prob;
        label.clip_logit = scores.labels[l].logit;
        for (const int g : groups_mentioned(label.label, groups)) {
            label.objects.push_back(groups[g].name);
            auto it = std::find(object_groups.begin(), object_groups.end(), g);
            if (it == object_groups.end()) {
                object_groups.push_back(g);
                ObjectAgreement object;
                object.object = groups[g].name;
                object.resnet_probability = group_probability(probs, groups[g]);
                // The group's most probable classes, for display.
                std::vector<std::string> names;
                const auto& all_names = imagenet_class_names();
                const at::Tensor idx =
                    at::tensor(std::vector<int64_t>(groups[g].indices.begin(), groups[g].indices.end()));
                const at::Tensor sub = probs.index_select(0, idx);
                for (const auto& c : top_k(sub, at::Tensor(), 3, {})) {
                    ClassPrediction p = c;
                    p.index = groups[g].indices[c.index];
                    p.name = all_names[p.index];
                    p.logit = resnet_result.logits[0][p.index].item<float>();
                    object.resnet_classes.push_back(std::move(p));
                }
                result.objects.push_back(std::move(object));
                it = object_groups.end() - 1;
            }
            ObjectAgreement& object = result.objects[static_cast<size_t>(it - object_groups.begin())];
            object.labels.push_back(static_cast<int>(l));
            object.clip_probability += label.clip_probability;
        }
        result.labels.push_back(std::move(label));
    }
    float best_clip = -1.0f, best_resnet = -1.0f;
    for (const auto& object : result.objects) {
        if (object.clip_probability > best_clip) {
            best_clip = object.clip_probability;
            result.clip_object = object.object;
        }
        if (object.resnet_probability > best_resnet) {
            best_resnet = object.resnet_probability;
            result.resnet_object = object.object;
        }
    }
    return result;
}

}  // namespace pictor
