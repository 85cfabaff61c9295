// config.json readers of every model family: JsonConfig (Python's Infinity/NaN tokens included),
// CLIP (text, vision, CLIPModel), the SD UNet, AutoencoderKL and AutoencoderTiny (TAESD), and the
// schedulers (every class's from_json + validate, make_scheduler and a short set_timesteps).
// torchvision ResNets have no config.json (the architecture is the file name), so there is no
// ResNet reader to fuzz.
// Contract (core/io/json_config.h and each from_json): a syntax error, a wrong type or an
// unsupported value throws pictor::Error naming the key; nlohmann::json exceptions must not
// escape. The harness catches pictor::Error only, separately per reader, so one reader's error
// does not hide the next one.
#include <nlohmann/json.hpp>

#include "core/io/json_config.h"
#include "core/models/clip/clip.h"
#include "core/models/sd/taesd.h"
#include "core/models/sd/unet_2d_condition.h"
#include "core/models/sd/vae.h"
#include "core/schedulers/scheduler.h"
#include "core/util/error.h"
#include "fuzz/fuzz_support.h"

namespace {

template <typename F>
void expect_pictor_error_only(F&& f) {
    try {
        f();
    } catch (const pictor::Error&) {
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    pictor::JsonConfig config;
    try {
        config = pictor::JsonConfig::parse(std::string(pictor::fuzz::as_text(data, size)), "config.json");
    } catch (const pictor::Error&) {
        return 0;
    }
    using pictor::JsonConfig;
    expect_pictor_error_only([&] { (void)pictor::CLIPConfig::from_json(config); });
    expect_pictor_error_only([&] { (void)pictor::CLIPTextConfig::from_json(config); });
    expect_pictor_error_only([&] { (void)pictor::CLIPVisionConfig::from_json(config); });
    expect_pictor_error_only([&] { (void)pictor::UNet2DConditionConfig::from_json(config); });
    expect_pictor_error_only([&] { (void)pictor::AutoencoderKLConfig::from_json(config); });
    expect_pictor_error_only([&] { (void)pictor::AutoencoderTinyConfig::from_json(config); });
    for (auto kind : {pictor::SchedulerKind::pndm, pictor::SchedulerKind::ddim, pictor::SchedulerKind::euler,
                      pictor::SchedulerKind::euler_ancestral, pictor::SchedulerKind::dpm_solver_multistep,
                      pictor::SchedulerKind::lms, pictor::SchedulerKind::lcm})
        expect_pictor_error_only([&] { pictor::SchedulerConfig::from_json(kind, config).validate(); });
    // The class of "_class_name", built and given a schedule (what loading a model does).
    expect_pictor_error_only([&] { pictor::make_scheduler(config)->set_timesteps(4); });
    // The typed accessors on every top-level key, as the readers use them.
    if (config.json().is_object()) {
        for (auto it = config.json().begin(); it != config.json().end(); ++it) {
            const std::string& key = it.key();
            expect_pictor_error_only([&] { (void)config.get_int(key, 0); });
            expect_pictor_error_only([&] { (void)config.get_double(key, 0.0); });
            expect_pictor_error_only([&] { (void)config.get_bool(key, false); });
            expect_pictor_error_only([&] { (void)config.get_string(key, ""); });
            expect_pictor_error_only([&] { (void)config.get_int_list(key, {}); });
            expect_pictor_error_only([&] { (void)config.get_double_list(key, {}); });
            expect_pictor_error_only([&] { (void)config.get_string_list(key, {}); });
            expect_pictor_error_only([&] { (void)config.child(key).has(key); });
        }
    }
    return 0;
}
