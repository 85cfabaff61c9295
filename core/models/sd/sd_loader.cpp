#include "core/models/sd/sd_loader.h"

#include <ATen/ATen.h>

#include "core/io/json_config.h"
#include "core/io/model_ref.h"
#include "core/io/state_dict.h"
#include "core/io/tensor_map.h"
#include "core/util/error.h"

namespace pictor {

namespace fs = std::filesystem;

UNet2DConditionModel load_unet(const fs::path& folder, const at::TensorOptions& options) {
    try {
        const auto config = UNet2DConditionConfig::from_json(JsonConfig::load(folder / "config.json"));
        const fs::path file = find_weight_file(folder);
        UNet2DConditionModel unet(config, options);
        // Native dtype: load_state_dict converts tensor by tensor, so an F16 file never exists
        // as a second full F32 copy.
        const TensorMap weights = load_weights(file);
        LoadOptions lo;
        lo.what = std::string("'") + file.string() + "'";
        load_state_dict(*unet, weights, lo);
        unet->eval();
        return unet;
    } catch (const Error& e) {
        throw e.with_context("loading UNet from '" + folder.string() + "'");
    }
}

AutoencoderKL load_vae(const fs::path& folder, const at::TensorOptions& options) {
    try {
        const auto config = AutoencoderKLConfig::from_json(JsonConfig::load(folder / "config.json"));
        const fs::path file = find_weight_file(folder);
        AutoencoderKL vae(config, options);
        TensorMap weights = load_weights(file);
        vae_squeeze_attention_weights(weights);
        LoadOptions lo;
        lo.what = std::string("'") + file.string() + "'";
        lo.rename = vae_current_name;
        load_state_dict(*vae, weights, lo);
        vae->eval();
        return vae;
    } catch (const Error& e) {
        throw e.with_context("loading VAE from '" + folder.string() + "'");
    }
}

}  // namespace pictor
