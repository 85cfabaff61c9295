#include "core/jobs/text_tokens.h"

#include "core/jobs/job_support.h"
#include "core/text/clip_tokenizer.h"

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

int PromptTokenizer::model_max_length() const { return impl_->tokenizer.model_max_length(); }

}  // namespace pictor::jobs
