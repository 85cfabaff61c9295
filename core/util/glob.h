// Shell-style wildcards with the semantics of Python's fnmatch.fnmatchcase, the matcher behind
// huggingface_hub's allow_patterns / ignore_patterns, so that a pattern selects in Pictor what it
// selects in the Python tools. Used for the hub's include / exclude lists and for the names a
// state_dict load ignores (core/io/state_dict.h).
//
//   *        any run of characters, '/' and '.' included (no path-segment or dot-file rule)
//   ?        exactly one character
//   [abc]    one of the characters; "a-z" a range (an empty one like "z-a" matches nothing);
//            "[!...]" any character but those; a ']' right after "[" or "[!" is a member; a '['
//            without a closing ']' is an ordinary character
//   other    itself, case-sensitively; '\' is an ordinary character (fnmatch has no escapes)
// Characters are Unicode code points when pattern and text are both valid UTF-8, bytes otherwise.
//
// Failure contract: never throws (beyond std::bad_alloc); every pattern is valid.
// Thread-safety: pure functions. Matching is linear in practice (backtracking to the last '*' only).
#pragma once

#include <string>

namespace pictor {

// True when all of `name` matches `pattern`.
bool glob_match(const std::string& pattern, const std::string& name);

// glob_match, where a pattern ending in '/' matches everything below that folder ("unet/" is
// "unet/*"). Ref: huggingface_hub utils/_paths.py filter_repo_objects (_add_wildcard_to_directories).
bool path_glob_match(const std::string& pattern, const std::string& path);

}  // namespace pictor
