// pictor-cli: every engine job from the shell.
#include <exception>
#include <iostream>
#include <string>
#include <vector>

#include "app/cli/args.h"
#include "app/cli/command.h"
#include "core/jobs/job_error.h"
#include "core/util/error.h"
#include "core/util/runtime.h"
#include "core/version.h"

namespace pictor::cli {

std::map<std::string, Command>& commands() {
    static std::map<std::string, Command> registry;
    return registry;
}

namespace {

void print_help(std::ostream& out) {
    out << "pictor-cli " << pictor::version() << " — Stable Diffusion, CLIP and ResNet from the shell\n\n"
        << "usage: pictor-cli <command> [options]\n"
        << "       pictor-cli <command> --help\n\ncommands:\n";
    for (const auto& [name, cmd] : commands()) {
        out << "  " << name << std::string(name.size() < 12 ? 12 - name.size() : 1, ' ') << cmd.summary << "\n";
    }
    out << "\noptions:\n  --help       this text\n  --version    print the version\n";
}

}  // namespace
}  // namespace pictor::cli

int main(int argc, char** argv) {
    using namespace pictor::cli;
    pictor::configure_runtime(argv);
    std::vector<std::string> words(argv + 1, argv + argc);
    if (words.empty() || words[0] == "--help" || words[0] == "-h" || words[0] == "help") {
        print_help(std::cout);
        return words.empty() ? 2 : 0;
    }
    if (words[0] == "--version") {
        std::cout << "pictor-cli " << pictor::version() << " (LibTorch " << pictor::libtorch_version() << ")\n";
        return 0;
    }
    const auto it = commands().find(words[0]);
    if (it == commands().end()) {
        std::cerr << "error: unknown command '" << words[0] << "' (see pictor-cli --help)\n";
        return 2;
    }
    try {
        Args args(words[0], std::vector<std::string>(words.begin() + 1, words.end()));
        return it->second.run(args);
    } catch (const UsageError& e) {
        std::cerr << "error: " << e.what() << "\n(see pictor-cli " << words[0] << " --help)\n";
        return 2;
    } catch (const pictor::ModelNotFound& e) {
        std::cerr << "error: " << e.what() << "\n";
        if (!e.catalogue_entry.empty())
            std::cerr << "(" << e.catalogue_title << " is in the model catalogue: pictor-cli models pull " << e.catalogue_entry
                      << ")\n";
        return 1;
    } catch (const pictor::InvalidRequest& e) {
        // The request itself is wrong (a range, NaN, a missing input file): like a usage error.
        std::cerr << "error: " << e.what() << "\n";
        return 2;
    } catch (const pictor::Error& e) {
        std::cerr << "error: " << e.what() << "\n";
        return 1;
    } catch (const std::exception& e) {
        std::cerr << "error: " << e.what() << "\n";
        return 1;
    }
}
