// pictor-cli models: the model catalogue — list what is on disk, pull (download), verify, add, remove.
#include <cstdio>
#include <iostream>
#include <optional>
#include <sstream>

#include <unistd.h>

#include <nlohmann/json.hpp>

#include "app/cli/args.h"
#include "app/cli/command.h"
#include "app/cli/terminal_progress.h"
#include "core/hub/catalogue.h"
#include "core/io/model_ref.h"
#include "core/util/error.h"

namespace pictor::cli {
namespace {

namespace fs = std::filesystem;
using namespace pictor::hub;

constexpr const char* kUsage =
    "usage: pictor-cli models list [--json]\n"
    "       pictor-cli models pull NAME|REPO|URL [--variant fp16] [--revision R] [--include GLOB...]\n"
    "       pictor-cli models verify NAME|REPO\n"
    "       pictor-cli models add REPO|FOLDER [--name N] [--revision R] [--include GLOB...]\n"
    "       pictor-cli models remove NAME\n"
    "\n"
    "The studio's models (sd15, clip-vit-base-patch32, resnet50, resnet18) and any you add.\n"
    "Downloads go to the caches the Python tools use: Hugging Face repos to the hub cache\n"
    "($HF_HUB_CACHE, else $HF_HOME/hub, else ~/.cache/huggingface/hub), torchvision weights to\n"
    "$TORCH_HOME/hub/checkpoints (else ~/.cache/torch/hub/checkpoints). An interrupted download\n"
    "resumes when the same command runs again; Ctrl-C cancels.\n"
    "\n"
    "  list      every catalogue entry: where it was found, its size, complete or not\n"
    "  pull      download what a model needs (REPO: any ORG/NAME, all files unless --include;\n"
    "            globs as huggingface_hub's allow_patterns, e.g. --include '*.json' 'unet/')\n"
    "  verify    SHA-256 / git SHA-1 of every cached file against its etag (torchvision: the\n"
    "            hash prefix in the file name); exit 1 when any file is damaged or missing\n"
    "  add       add a Hugging Face repo or a local folder to the catalogue (models.yaml)\n"
    "  remove    remove an added entry\n"
    "\n"
    "environment: HF_ENDPOINT (default https://huggingface.co), HF_TOKEN (gated/private repos).\n";

std::string kind_name(ModelKind k) {
    switch (k) {
        case ModelKind::hf_repo: return "huggingface";
        case ModelKind::torch_hub: return "torchvision";
        case ModelKind::local_folder: return "folder";
    }
    return "";
}

std::string source_of(const CatalogueEntry& e) {
    switch (e.kind) {
        case ModelKind::hf_repo: return e.repo_id + (e.revision == "main" ? "" : "@" + e.revision);
        case ModelKind::torch_hub: return e.url;
        case ModelKind::local_folder: return e.path.string();
    }
    return "";
}

std::string state_name(ModelStatus::State s) {
    switch (s) {
        case ModelStatus::State::complete: return "complete";
        case ModelStatus::State::partial: return "partial";
        case ModelStatus::State::missing: return "missing";
    }
    return "";
}

std::string pad(const std::string& s, std::size_t width) {
    return s.size() >= width ? s + " " : s + std::string(width - s.size(), ' ');
}

// The entry a pull/verify names: a catalogue entry, else an ad hoc one for a repo id or a URL.
CatalogueEntry entry_for(const Catalogue& catalogue, const std::string& key) {
    if (const CatalogueEntry* e = catalogue.find(key)) return *e;
    CatalogueEntry e;
    e.name = key;
    if (is_hf_repo_id(key)) {
        e.kind = ModelKind::hf_repo;
        e.repo_id = key;
        return e;
    }
    if (key.rfind("http://", 0) == 0 || key.rfind("https://", 0) == 0) {
        e.kind = ModelKind::torch_hub;
        e.url = key;
        e.name = e.file_name();
        return e;
    }
    throw UsageError("unknown model '" + key +
                     "': give a name from `pictor-cli models list`, a Hugging Face repo id ORG/NAME or a URL");
}

// A one-line progress display on a terminal; retries and resumes as plain lines.
class CliDownloadSink : public DownloadSink {
public:
    CliDownloadSink() : tty_(::isatty(STDERR_FILENO) == 1) {}
    ~CliDownloadSink() override { clear(); }
    void on_stage(std::string_view stage) override { stage_ = std::string(stage); }
    void on_message(std::string_view message) override {
        clear();
        std::cerr << message << "\n";
    }
    void on_step(int step, int total) override {
        // Verification (hashing) reports in MiB without on_download.
        if (!tty_ || stage_.rfind("verifying", 0) != 0) return;
        draw(stage_ + "  " + std::to_string(step) + "/" + std::to_string(total) + " MiB");
    }
    void on_download(const DownloadProgress& p) override {
        if (!tty_) return;
        std::ostringstream line;
        line << "[" << p.item_index << "/" << p.item_count << "] " << p.item << "  " << human_bytes(p.done);
        if (p.total > 0) line << " / " << human_bytes(p.total);
        if (p.bytes_per_second > 0) line << "  " << human_bytes(static_cast<std::uint64_t>(p.bytes_per_second)) << "/s";
        if (p.eta_seconds >= 0) line << "  ETA " << format_duration(p.eta_seconds);
        draw(line.str());
    }
    bool cancelled() const override { return interrupt_requested(); }
    void clear() {
        if (drawn_) std::cerr << "\r\x1b[K" << std::flush;
        drawn_ = false;
    }

private:
    void draw(const std::string& text) {
        std::cerr << "\r" << text << "\x1b[K" << std::flush;
        drawn_ = true;
    }
    bool tty_;
    bool drawn_ = false;
    std::string stage_;
};

struct Options {
    bool json = false;
    std::optional<std::string> variant, revision, name;
    std::vector<std::string> include;
};

int run_list(const Options& opt) {
    const Catalogue catalogue = Catalogue::load();
    nlohmann::json out = nlohmann::json::array();
    for (const auto& e : catalogue.entries()) {
        const ModelStatus s = model_status(e);
        if (opt.json) {
            nlohmann::json j{{"name", e.name},
                             {"title", e.title},
                             {"kind", kind_name(e.kind)},
                             {"source", source_of(e)},
                             {"reference", e.reference()},
                             {"builtin", e.builtin},
                             {"variants", e.variants},
                             {"approx_size_bytes", e.approx_size},
                             {"status", state_name(s.state)},
                             {"complete_variants", s.complete_variants},
                             {"location", s.location.string()},
                             {"commit", s.commit},
                             {"size_on_disk_bytes", s.size_on_disk},
                             {"missing_files", s.missing_files},
                             {"resumable", s.resumable}};
            for (const auto& [variant, size] : e.approx_variant_size) j["approx_variant_size_bytes"][variant] = size;
            out.push_back(j);
            continue;
        }
        std::string status = s.summary();
        if (s.state == ModelStatus::State::complete && !e.variants.empty()) {
            std::string vs;
            for (const auto& v : s.complete_variants) vs += (vs.empty() ? "" : ", ") + (v.empty() ? "default" : v);
            status += " (" + vs + ")";
        }
        std::string size = s.size_on_disk > 0 ? human_bytes(s.size_on_disk) : "";
        if (s.state != ModelStatus::State::complete && e.approx_size > 0) {
            size = "~";
            size += human_bytes(e.approx_size);
            for (const auto& [variant, bytes] : e.approx_variant_size) size += ", " + variant + " ~" + human_bytes(bytes);
        }
        std::cout << pad(e.name, 24) << pad(status, 30) << pad(size, 28) << source_of(e) << "\n";
        if (!s.location.empty()) std::cout << "    found: " << s.location.string() << "\n";
    }
    if (opt.json) std::cout << out.dump(2) << "\n";
    return 0;
}

int run_pull(const Options& opt, const std::string& key) {
    PullOptions options;
    options.variant = opt.variant.value_or("");
    options.revision = opt.revision.value_or("");
    options.include = opt.include;
    const Catalogue catalogue = Catalogue::load();
    const CatalogueEntry entry = entry_for(catalogue, key);
    install_interrupt_handler();
    CliDownloadSink sink;
    const PullResult r = pull_model(entry, options, HubConfig::from_environment(), {}, &sink);
    sink.clear();
    if (r.cancelled) {
        std::cerr << "cancelled: run the same command again to resume\n";
        return 130;
    }
    std::cout << entry.name << ": "
              << (r.files_downloaded == 0 ? std::string("already complete")
                                          : "downloaded " + std::to_string(r.files_downloaded) + " file(s), " +
                                                human_bytes(r.bytes_downloaded))
              << "\n    " << r.location.string() << "\n";
    return 0;
}

int run_verify(const std::string& key) {
    const Catalogue catalogue = Catalogue::load();
    const CatalogueEntry entry = entry_for(catalogue, key);
    install_interrupt_handler();
    CliDownloadSink sink;
    const VerifyReport report = verify_model(entry, &sink);
    sink.clear();
    if (report.cancelled) {
        std::cerr << "cancelled\n";
        return 130;
    }
    for (const auto& f : report.files) {
        switch (f.result) {
            case FileCheck::Result::ok: std::cout << "ok        " << f.file << "  (" << f.algorithm << ")\n"; break;
            case FileCheck::Result::unchecked: std::cout << "unchecked " << f.file << "  (no hash known)\n"; break;
            case FileCheck::Result::missing: std::cout << "MISSING   " << f.file << "  (" << f.blob.string() << ")\n"; break;
            case FileCheck::Result::mismatch:
                std::cout << "DAMAGED   " << f.file << "  " << f.algorithm << " expected " << f.expected << ", got "
                          << f.actual << "\n";
                break;
        }
    }
    const int bad = report.count(FileCheck::Result::mismatch) + report.count(FileCheck::Result::missing);
    std::cout << entry.name << ": " << report.count(FileCheck::Result::ok) << " ok, " << bad << " damaged or missing, "
              << report.count(FileCheck::Result::unchecked) << " unchecked\n";
    if (bad > 0) std::cout << "    pull it again to repair: pictor-cli models pull " << key << "\n";
    return bad > 0 ? 1 : 0;
}

int run_add(const Options& opt, const std::string& key) {
    Catalogue catalogue = Catalogue::load();
    std::error_code ec;
    const std::string name = opt.name.value_or("");
    const CatalogueEntry& e = fs::is_directory(key, ec)
                                  ? catalogue.add_local_folder(key, name)
                                  : catalogue.add_hf_repo(key, name, opt.revision.value_or("main"), opt.include);
    const std::string added = e.name;
    catalogue.save();
    std::cout << "added '" << added << "' to " << catalogue.path().string() << "\n";
    return 0;
}

int run_remove(const std::string& key) {
    Catalogue catalogue = Catalogue::load();
    if (!catalogue.remove(key)) throw UsageError("no model named '" + key + "' in the catalogue");
    catalogue.save();
    std::cout << "removed '" << key << "' (downloaded files stay in the caches)\n";
    return 0;
}

int run_models(Args& args) {
    if (args.wants_help()) {
        std::cout << kUsage;
        return 0;
    }
    // Options first: words after an option are given back as positionals when it takes one value.
    Options opt;
    opt.json = args.flag("json");
    opt.variant = args.value("variant");
    opt.revision = args.value("revision");
    opt.name = args.value("name");
    opt.include = args.values("include");
    const std::vector<std::string> words = args.positionals();
    args.finish();
    if (words.empty()) throw UsageError("missing action: list, pull, verify, add or remove");
    const std::string& action = words[0];
    const auto reject = [&](bool given, const char* option) {
        if (given) throw UsageError(std::string("--") + option + " does not apply to `models " + action + "`");
    };
    reject(opt.json && action != "list", "json");
    reject(opt.variant && action != "pull", "variant");
    reject(opt.revision && action != "pull" && action != "add", "revision");
    reject(opt.name && action != "add", "name");
    reject(!opt.include.empty() && action != "pull" && action != "add", "include");
    if (action == "list") {
        if (words.size() != 1) throw UsageError("models list takes no arguments");
        return run_list(opt);
    }
    if (action != "pull" && action != "verify" && action != "add" && action != "remove") {
        throw UsageError("unknown action '" + action + "' (list, pull, verify, add, remove)");
    }
    if (words.size() != 2) {
        throw UsageError("models " + action + " takes one model (a name, a repo id" +
                         std::string(action == "add" ? " or a folder)" : ")"));
    }
    if (action == "pull") return run_pull(opt, words[1]);
    if (action == "verify") return run_verify(words[1]);
    if (action == "add") return run_add(opt, words[1]);
    return run_remove(words[1]);
}

const Registration registration{"models", "list, download (pull) and verify model weights", run_models};

}  // namespace
}  // namespace pictor::cli
