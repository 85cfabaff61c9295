// pictor-cli's subcommands register themselves here; main() dispatches by name.
//
// Each subcommand lives in its own cmd_<name>.cpp and registers with
//   static const pictor::cli::Registration reg{"inspect", "list the tensors of a weight file", run_inspect};
// Its function returns the process exit code. Usage errors throw UsageError (exit 2); engine errors
// (pictor::Error) are printed as "error: ..." with exit 1 by main().
#pragma once

#include <functional>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

namespace pictor::cli {

class Args;

struct UsageError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

struct Command {
    std::string name;
    std::string summary;
    std::function<int(Args&)> run;
};

std::map<std::string, Command>& commands();

struct Registration {
    Registration(std::string name, std::string summary, std::function<int(Args&)> run) {
        commands()[name] = Command{name, std::move(summary), std::move(run)};
    }
};

}  // namespace pictor::cli
