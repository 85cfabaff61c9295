// The engine's one error type.
//
// Every engine failure a user can cause (bad file, missing model, wrong setting) is reported by
// throwing pictor::Error with a message that names the file, tensor or field and what was expected.
// Context is added on the way up with `with_context` ("loading UNet from X: " + inner message).
// Cancellation is not an error: engine calls report it in their result.
#pragma once

#include <stdexcept>
#include <string>

namespace pictor {

class Error : public std::runtime_error {
public:
    explicit Error(const std::string& message) : std::runtime_error(message) {}

    // A new error whose message is "<context>: <this message>".
    Error with_context(const std::string& context) const { return Error(context + ": " + what()); }
};

// Throws pictor::Error(message). Handy in expressions and keeps call sites short.
[[noreturn]] inline void fail(const std::string& message) { throw Error(message); }

}  // namespace pictor
