// HubConfig::from_environment: the endpoint, token and cache the Python tools would use.
#include "core/hub/download.h"

#include <fstream>

#include "core/hub/http.h"
#include "core/hub/locations.h"
#include "core/io/model_ref.h"
#include "core/util/user_dirs.h"

namespace pictor::hub {

namespace fs = std::filesystem;

namespace {

std::string env_or_empty(const char* name) { return env_value(name).value_or(std::string()); }

}  // namespace

HubConfig HubConfig::from_environment() {
    HubConfig c;
    c.endpoint = env_or_empty("HF_ENDPOINT");
    if (c.endpoint.empty()) c.endpoint = "https://huggingface.co";
    while (!c.endpoint.empty() && c.endpoint.back() == '/') c.endpoint.pop_back();
    std::string token = http::trim(env_or_empty("HF_TOKEN"));
    if (token.empty()) token = http::trim(env_or_empty("HUGGING_FACE_HUB_TOKEN"));
    if (token.empty()) {
        fs::path token_file = env_or_empty("HF_TOKEN_PATH");
        if (token_file.empty()) token_file = hf_home_dir() / "token";
        std::ifstream in(token_file);
        if (in) std::getline(in, token);
        token = http::trim(token);
    }
    if (!token.empty()) c.token = token;
    c.cache_dir = hf_hub_cache_dir();
    return c;
}

}  // namespace pictor::hub
