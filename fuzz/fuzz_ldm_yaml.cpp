// The original LDM inference yaml (v1-inference.yaml, an A1111 sidecar) and what the single-file
// loader derives from it: the UNet, VAE and scheduler configs (the scheduler also built and given
// a schedule, as loading a checkpoint does).
// Contract (core/io/ldm_yaml.h, core/models/sd/single_file_config.h): bad YAML, a key of the wrong
// type or values no network can have throw pictor::Error naming the file and the key;
// YAML::Exception must not escape. The harness catches pictor::Error only, per step.
#include "core/io/ldm_yaml.h"
#include "core/models/sd/single_file_config.h"
#include "core/schedulers/scheduler.h"
#include "core/util/error.h"
#include "fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    pictor::LdmYaml yaml;
    try {
        yaml = pictor::parse_ldm_yaml(std::string(pictor::fuzz::as_text(data, size)), "v1-inference.yaml");
    } catch (const pictor::Error&) {
        return 0;
    }
    std::vector<std::string> notes;
    try {
        (void)pictor::unet_config_from_ldm(yaml, notes);
    } catch (const pictor::Error&) {
    }
    try {
        (void)pictor::vae_config_from_ldm(yaml, notes);
    } catch (const pictor::Error&) {
    }
    try {
        pictor::make_scheduler(pictor::scheduler_config_from_ldm(yaml))->set_timesteps(4);
    } catch (const pictor::Error&) {
    }
    return 0;
}
