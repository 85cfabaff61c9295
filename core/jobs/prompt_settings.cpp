#include "core/jobs/prompt_settings.h"

#include "core/jobs/job_error.h"
#include "core/jobs/job_support.h"
#include "core/text/prompt_attention.h"

namespace pictor::jobs::detail {

PromptSyntax validate_prompt_settings(const std::string& syntax, int clip_skip, const std::vector<std::string>& prompts,
                                      const std::vector<std::string>& negative_prompts) {
    if (syntax != "a1111" && syntax != "plain")
        throw InvalidRequest("prompt syntax must be a1111 or plain, got '" + syntax + "'");
    require_range(clip_skip, 1, kMaxClipSkip, "clip skip");
    const PromptSyntax s = parse_prompt_syntax(syntax);
    if (s != PromptSyntax::a1111) return s;
    // Parse errors belong to the request (the user's text), not to the run.
    const auto check = [](const std::vector<std::string>& texts, const std::string& what) {
        for (size_t i = 0; i < texts.size(); ++i) {
            try {
                parse_prompt_attention(texts[i]);
            } catch (const Error& e) {
                const std::string n = texts.size() > 1 ? " " + std::to_string(i + 1) : "";
                std::string message = e.what();
                if (message.rfind("prompt: ", 0) == 0) message.erase(0, 8);  // the field is named here
                throw InvalidRequest(what + n + ": " + message);
            }
        }
    };
    check(prompts, "prompt");
    check(negative_prompts, "negative prompt");
    return s;
}

void require_clip_skip_fits(int clip_skip, int64_t text_encoder_layers) {
    if (clip_skip > text_encoder_layers)
        throw InvalidRequest("clip skip " + std::to_string(clip_skip) + " is more than the " +
                             std::to_string(text_encoder_layers) + " layers of the model's text encoder");
}

}  // namespace pictor::jobs::detail
