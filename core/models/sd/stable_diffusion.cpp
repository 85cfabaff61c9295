#include "core/models/sd/stable_diffusion.h"

#include <ATen/ATen.h>
#include <ATen/Context.h>

#include "core/io/json_config.h"
#include "core/models/sd/sd_loader.h"
#include "core/schedulers/scheduler.h"
#include "core/util/error.h"

namespace pictor {

namespace fs = std::filesystem;

namespace {

// "stable-diffusion-v1-5" for .../stable-diffusion-v1-5/ and for a Hugging Face cache snapshot
// .../models--runwayml--stable-diffusion-v1-5/snapshots/<rev>/.
std::string model_name(const fs::path& folder) {
    fs::path p = folder.lexically_normal();
    if (p.filename().empty()) p = p.parent_path();
    if (p.parent_path().filename() == "snapshots") {
        const std::string repo = p.parent_path().parent_path().filename().string();
        const auto pos = repo.rfind("--");
        if (repo.rfind("models--", 0) == 0 && pos != std::string::npos) return repo.substr(pos + 2);
    }
    return p.filename().string();
}

}  // namespace

StableDiffusion load_stable_diffusion(const fs::path& folder, const SdPlacement& placement) {
    try {
        if (!fs::is_directory(folder)) fail("not a folder");
        if (placement.device.is_cuda() && !at::hasCUDA())
            fail("CUDA was requested but this LibTorch build has no CUDA support (use --device cpu)");
        if (placement.dtype != at::kFloat && placement.dtype != at::kHalf && placement.dtype != at::kBFloat16)
            fail("unsupported dtype (float32, float16 or bfloat16)");
        if (placement.device.is_cpu() && placement.dtype == at::kHalf)
            fail("on the CPU Stable Diffusion runs in float32 or bfloat16 (float16 is for CUDA)");
        const JsonConfig index = JsonConfig::load(folder / "model_index.json");
        const std::string cls = index.get_string("_class_name", "");
        // LatentConsistencyModelPipeline folders (LCM-distilled SD 1.5, e.g. LCM_Dreamshaper_v7)
        // hold the same components; the UNet's time_cond_proj_dim tells txt2img to run LCM's way.
        if (cls.find("StableDiffusion") == std::string::npos && cls != "LatentConsistencyModelPipeline")
            fail("'" + index.source() + "': \"_class_name\" is \"" + cls +
                 "\", expected a StableDiffusionPipeline or LatentConsistencyModelPipeline");
        for (const char* part : {"unet", "vae", "text_encoder", "tokenizer", "scheduler"})
            if (!index.has(part)) fail("'" + index.source() + "' has no \"" + std::string(part) + "\" component");

        StableDiffusion sd;
        sd.placement = placement;
        sd.name = model_name(folder);
        const auto options = at::TensorOptions().device(placement.device).dtype(placement.dtype);
        sd.tokenizer = ClipTokenizer::load(folder / "tokenizer");
        sd.text_encoder = load_clip_text_model(folder / "text_encoder");
        if (placement.device != at::kCPU || placement.dtype != at::kFloat)
            sd.text_encoder->to(placement.device, placement.dtype);
        sd.unet = load_unet(folder / "unet", options);
        sd.vae = load_vae(folder / "vae", options);
        sd.scheduler_config = JsonConfig::load(folder / "scheduler" / "scheduler_config.json");
        make_scheduler(sd.scheduler_config);  // fail now for an unknown scheduler class

        const auto& u = sd.unet->config();
        const int64_t hidden = sd.text_encoder->text_model->config.hidden_size;
        if (u.cross_attention_dim[0] != hidden)
            fail("the UNet expects " + std::to_string(u.cross_attention_dim[0]) +
                 "-d text embeddings but the text encoder gives " + std::to_string(hidden));
        if (u.in_channels != sd.vae->config().latent_channels || u.out_channels != sd.vae->config().latent_channels)
            fail("the UNet takes " + std::to_string(u.in_channels) + " channels but the VAE has " +
                 std::to_string(sd.vae->config().latent_channels) + " latent channels (an inpainting model?)");
        return sd;
    } catch (const Error& e) {
        throw e.with_context("loading Stable Diffusion from '" + folder.string() + "'");
    }
}

}  // namespace pictor
