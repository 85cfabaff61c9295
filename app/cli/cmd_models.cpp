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
#include "core/jobs/memory_estimate.h"
#include "core/jobs/model_catalogue.h"
#include "core/jobs/pull_job.h"

namespace pictor::cli {
namespace {


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

std::string pad(const std::string& s, std::size_t width) {
    return s.size() >= width ? s + " " : s + std::string(width - s.size(), ' ');
}

// A one-line progress display on a terminal; retries and resumes as plain lines.
class CliDownloadSink : public JobSink {
public:
    CliDownloadSink() : tty_(::isatty(STDERR_FILENO) == 1) { install_interrupt_handler(); }
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
    void on_download(const DownloadStatus& p) override {
        if (!tty_) return;
        std::ostringstream line;
        line << "[" << p.item_index << "/" << p.item_count << "] " << p.item << "  " << format_bytes(p.done);
        if (p.total > 0) line << " / " << format_bytes(p.total);
        if (p.bytes_per_second > 0) line << "  " << format_bytes(static_cast<std::uint64_t>(p.bytes_per_second)) << "/s";
        if (p.eta_s >= 0) line << "  ETA " << format_duration(p.eta_s);
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
    nlohmann::json out = nlohmann::json::array();
    for (const jobs::CatalogueModel& m : jobs::list_catalogue_models()) {
        if (opt.json) {
            nlohmann::json j{{"name", m.name},
                             {"title", m.title},
                             {"kind", m.kind},
                             {"source", m.source},
                             {"reference", m.reference},
                             {"builtin", m.builtin},
                             {"variants", m.variants},
                             {"approx_size_bytes", m.approx_size},
                             {"status", m.state},
                             {"complete_variants", m.complete_variants},
                             {"location", m.location},
                             {"commit", m.commit},
                             {"size_on_disk_bytes", m.size_on_disk},
                             {"missing_files", m.missing_files},
                             {"resumable", m.resumable}};
            for (const auto& [variant, size] : m.approx_variant_size) j["approx_variant_size_bytes"][variant] = size;
            out.push_back(j);
            continue;
        }
        std::string status = m.status;
        if (m.complete && !m.variants.empty()) {
            std::string vs;
            for (const auto& v : m.complete_variants) vs += (vs.empty() ? "" : ", ") + (v.empty() ? "default" : v);
            status += " (" + vs + ")";
        }
        std::string size = m.size_on_disk > 0 ? format_bytes(m.size_on_disk) : "";
        if (!m.complete && m.approx_size > 0) {
            size = "~" + format_bytes(m.approx_size);
            for (const auto& [variant, bytes] : m.approx_variant_size) size += ", " + variant + " ~" + format_bytes(bytes);
        }
        std::cout << pad(m.name, 24) << pad(status, 30) << pad(size, 28) << m.source << "\n";
        if (!m.location.empty()) std::cout << "    found: " << m.location << "\n";
    }
    if (opt.json) std::cout << out.dump(2) << "\n";
    return 0;
}

int run_pull(const Options& opt, const std::string& key) {
    jobs::PullRequest r;
    r.name = key;
    r.variant = opt.variant.value_or("");
    r.revision = opt.revision.value_or("");
    r.include = opt.include;
    CliDownloadSink sink;
    const jobs::PullResult result = jobs::run_pull(r, sink);
    sink.clear();
    if (result.cancelled) {
        std::cerr << "cancelled: run the same command again to resume\n";
        return 130;
    }
    std::cout << result.name << ": "
              << (result.files_downloaded == 0 ? std::string("already complete")
                                               : "downloaded " + std::to_string(result.files_downloaded) + " file(s), " +
                                                     format_bytes(result.bytes_downloaded))
              << "\n    " << result.location.string() << "\n";
    return 0;
}

int run_verify(const std::string& key) {
    CliDownloadSink sink;
    const jobs::VerifyResult report = jobs::verify_catalogue_model(key, sink);
    sink.clear();
    if (report.cancelled) {
        std::cerr << "cancelled\n";
        return 130;
    }
    for (const auto& f : report.files) {
        if (f.result == "ok") std::cout << "ok        " << f.file << "  (" << f.algorithm << ")\n";
        else if (f.result == "unchecked") std::cout << "unchecked " << f.file << "  (no hash known)\n";
        else if (f.result == "missing") std::cout << "MISSING   " << f.file << "  (" << f.blob << ")\n";
        else std::cout << "DAMAGED   " << f.file << "  " << f.algorithm << " expected " << f.expected << ", got " << f.actual << "\n";
    }
    std::cout << report.name << ": " << report.ok << " ok, " << report.bad << " damaged or missing, " << report.unchecked
              << " unchecked\n";
    if (report.bad > 0) std::cout << "    pull it again to repair: pictor-cli models pull " << key << "\n";
    return report.bad > 0 ? 1 : 0;
}

int run_add(const Options& opt, const std::string& key) {
    const jobs::CatalogueChange c =
        jobs::add_catalogue_model(key, opt.name.value_or(""), opt.revision.value_or(""), opt.include);
    std::cout << "added '" << c.name << "' to " << c.catalogue_file << "\n";
    return 0;
}

int run_remove(const std::string& key) {
    const jobs::CatalogueChange c = jobs::remove_catalogue_model(key);
    std::cout << "removed '" << c.name << "' (downloaded files stay in the caches)\n";
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
