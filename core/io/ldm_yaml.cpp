#include "core/io/ldm_yaml.h"

#include <yaml-cpp/yaml.h>

#include <fstream>
#include <sstream>

#include "core/util/error.h"

namespace pictor {

namespace {

// parent[key], or a null node when `parent` is absent or not a mapping. yaml-cpp's operator[]
// throws YAML::BadSubscript on a scalar (`model: 3`) and YAML::InvalidNode on the result of a
// missing key (`params["unet_config"]["params"]` without unet_config); both must read as "section
// missing", not escape (found by fuzz/fuzz_ldm_yaml). operator bool is false, without throwing,
// for a missing node.
YAML::Node child(const YAML::Node& parent, const char* key) {
    return parent && parent.IsMap() ? parent[key] : YAML::Node();
}

template <typename T>
void read(const YAML::Node& parent, const char* key, std::optional<T>& out, const std::string& where) {
    const YAML::Node node = child(parent, key);
    if (!node || node.IsNull()) return;
    try {
        out = node.as<T>();
    } catch (const YAML::Exception&) {
        fail("'" + where + "." + key + "' has the wrong type");
    }
}

// transformer_depth / attention_resolutions: an int or a list of ints.
void read_int_list(const YAML::Node& parent, const char* key, std::optional<std::vector<int64_t>>& out,
                   const std::string& where) {
    const YAML::Node node = child(parent, key);
    if (!node || node.IsNull()) return;
    try {
        out = node.IsSequence() ? node.as<std::vector<int64_t>>() : std::vector<int64_t>{node.as<int64_t>()};
    } catch (const YAML::Exception&) {
        fail("'" + where + "." + key + "' must be an integer or a list of integers");
    }
}

}  // namespace

LdmYaml parse_ldm_yaml(const std::string& text, const std::string& source) {
    try {
        YAML::Node root;
        try {
            root = YAML::Load(text);
        } catch (const YAML::Exception& e) {
            fail(std::string("invalid YAML: ") + e.what());
        }
        const YAML::Node params = child(child(root, "model"), "params");
        if (!params || !params.IsMap()) fail("no 'model.params' section: not an LDM config");
        LdmYaml y;
        y.source = source;
        const std::string p = "model.params";
        read(params, "linear_start", y.linear_start, p);
        read(params, "linear_end", y.linear_end, p);
        read(params, "scale_factor", y.scale_factor, p);
        read(params, "timesteps", y.timesteps, p);
        read(params, "image_size", y.image_size, p);
        read(params, "parameterization", y.parameterization, p);

        const YAML::Node unet = child(child(params, "unet_config"), "params");
        if (unet && unet.IsMap()) {
            y.has_unet_config = true;
            const std::string u = p + ".unet_config.params";
            read(unet, "in_channels", y.in_channels, u);
            read(unet, "out_channels", y.out_channels, u);
            read(unet, "model_channels", y.model_channels, u);
            read(unet, "num_res_blocks", y.num_res_blocks, u);
            read(unet, "context_dim", y.context_dim, u);
            read(unet, "num_heads", y.num_heads, u);
            read(unet, "num_head_channels", y.num_head_channels, u);
            read(unet, "use_linear_in_transformer", y.use_linear_in_transformer, u);
            read_int_list(unet, "channel_mult", y.channel_mult, u);
            read_int_list(unet, "attention_resolutions", y.attention_resolutions, u);
            read_int_list(unet, "transformer_depth", y.transformer_depth, u);
        }
        const YAML::Node dd = child(child(child(params, "first_stage_config"), "params"), "ddconfig");
        if (dd && dd.IsMap()) {
            const std::string d = p + ".first_stage_config.params.ddconfig";
            read(dd, "ch", y.vae_ch, d);
            read(dd, "z_channels", y.vae_z_channels, d);
            read(dd, "num_res_blocks", y.vae_num_res_blocks, d);
            read(dd, "in_channels", y.vae_in_channels, d);
            read(dd, "out_ch", y.vae_out_ch, d);
            read(dd, "resolution", y.vae_resolution, d);
            read_int_list(dd, "ch_mult", y.vae_ch_mult, d);
        }
        read(child(params, "cond_stage_config"), "target", y.cond_stage_target, p + ".cond_stage_config");
        // num_heads -1 means "use num_head_channels" in the original code.
        if (y.num_heads && *y.num_heads <= 0) y.num_heads.reset();
        if (y.num_head_channels && *y.num_head_channels <= 0) y.num_head_channels.reset();
        return y;
    } catch (const Error& e) {
        throw e.with_context("reading LDM config '" + source + "'");
    }
}

LdmYaml load_ldm_yaml(const std::filesystem::path& file) {
    std::ifstream in(file, std::ios::binary);
    if (!in) fail("cannot read LDM config '" + file.string() + "'");
    std::ostringstream ss;
    ss << in.rdbuf();
    return parse_ldm_yaml(ss.str(), file.string());
}

}  // namespace pictor
