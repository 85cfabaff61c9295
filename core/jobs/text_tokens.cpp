#include "core/jobs/text_tokens.h"

#include <algorithm>

#include "core/jobs/job_support.h"
#include "core/text/clip_tokenizer.h"
#include "core/util/error.h"

namespace pictor::jobs {

struct PromptTokenizer::Impl {
    ClipTokenizer tokenizer;
};

PromptTokenizer::PromptTokenizer(const std::string& reference) {
    std::filesystem::path folder = reference;
    std::error_code ec;
    if (!std::filesystem::is_directory(folder, ec)) folder = detail::resolve_for(reference, "tokenizer").path;
    impl_ = std::make_unique<Impl>(Impl{load_clip_tokenizer(folder)});
}

PromptTokenizer::~PromptTokenizer() = default;
PromptTokenizer::PromptTokenizer(PromptTokenizer&&) noexcept = default;
PromptTokenizer& PromptTokenizer::operator=(PromptTokenizer&&) noexcept = default;

TokenIds PromptTokenizer::encode(const std::string& text) const {
    TokenIds t;
    t.input_ids = impl_->tokenizer.encode(text);
    t.attention_mask.assign(t.input_ids.size(), 1);
    return t;
}

TokenIds PromptTokenizer::encode_padded(const std::string& text, int max_length) const {
    const TokenizedText t = impl_->tokenizer.encode_padded(text, max_length);
    return TokenIds{t.input_ids, t.attention_mask};
}

int PromptTokenizer::count(const std::string& text) const { return int(impl_->tokenizer.encode(text).size()); }

PromptTokenCount PromptTokenizer::count_prompt(const std::string& text, PromptSyntax syntax) const {
    const TokenizedPrompt t = tokenize_prompt(impl_->tokenizer, text, syntax);
    PromptTokenCount c;
    c.chunks = static_cast<int>(t.chunks.size());
    if (syntax == PromptSyntax::plain) {
        c.tokens = std::max(0, count(text) - 2);  // what was typed, also past the window
        c.limit = t.chunk_length;
        c.truncated = c.tokens > c.limit;
        return c;
    }
    c.tokens = t.token_count;
    c.limit = t.target_token_count();
    c.spans = prompt_attention_spans(strip_trailing_space(text));
    return c;
}

std::vector<WeightedSpan> prompt_weight_spans(const std::string& text) {
    try {
        return prompt_attention_spans(text);
    } catch (const Error&) {
        return {};
    }
}

int PromptTokenizer::model_max_length() const { return impl_->tokenizer.model_max_length(); }

}  // namespace pictor::jobs
