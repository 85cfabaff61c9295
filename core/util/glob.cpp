#include "core/util/glob.h"

#include <cstdint>
#include <utility>
#include <vector>

#include "core/util/utf8.h"

namespace pictor {

namespace {

using Units = std::vector<uint32_t>;

// One element of a pattern; each but `any_run` matches exactly one character.
struct Token {
    enum class Kind { literal, any_one, any_run, set } kind = Kind::literal;
    uint32_t literal = 0;
    bool negated = false;                              // set: "[!...]"
    std::vector<std::pair<uint32_t, uint32_t>> ranges;  // set: inclusive, single characters as c-c

    bool matches(uint32_t c) const {
        switch (kind) {
            case Kind::literal: return c == literal;
            case Kind::set: {
                bool in = false;
                for (const auto& [lo, hi] : ranges) in = in || (lo <= c && c <= hi);
                return in != negated;
            }
            default: return true;
        }
    }
};

// Ref: CPython Lib/fnmatch.py translate() — the same reading of '*', '?' and '[...]'.
std::vector<Token> compile(const Units& p) {
    std::vector<Token> tokens;
    const size_t n = p.size();
    for (size_t i = 0; i < n;) {
        const uint32_t c = p[i++];
        Token t;
        if (c == '*') {
            if (!tokens.empty() && tokens.back().kind == Token::Kind::any_run) continue;  // "**" is "*"
            t.kind = Token::Kind::any_run;
        } else if (c == '?') {
            t.kind = Token::Kind::any_one;
        } else if (c == '[') {
            size_t end = i;  // the closing ']': one right after "[" or "[!" is a member, not the end
            if (end < n && p[end] == '!') ++end;
            if (end < n && p[end] == ']') ++end;
            while (end < n && p[end] != ']') ++end;
            if (end >= n) {
                t.literal = c;  // no closing ']': a plain '['
            } else {
                t.kind = Token::Kind::set;
                size_t k = i;
                if (p[k] == '!') {
                    t.negated = true;
                    ++k;
                }
                while (k < end) {
                    if (k + 2 < end && p[k + 1] == '-') {
                        if (p[k] <= p[k + 2]) t.ranges.emplace_back(p[k], p[k + 2]);  // "z-a" is empty
                        k += 3;
                    } else {
                        t.ranges.emplace_back(p[k], p[k]);
                        ++k;
                    }
                }
                i = end + 1;
            }
        } else {
            t.literal = c;
        }
        tokens.push_back(std::move(t));
    }
    return tokens;
}

// Each byte as one character: text that is not UTF-8 still matches, byte by byte.
Units bytes_of(const std::string& s) {
    Units out;
    for (unsigned char c : s) out.push_back(c);
    return out;
}

}  // namespace

bool glob_match(const std::string& pattern, const std::string& name) {
    Units p, s;
    if (!decode_utf8(pattern, p) || !decode_utf8(name, s)) {
        p = bytes_of(pattern);
        s = bytes_of(name);
    }
    const std::vector<Token> tokens = compile(p);
    // Greedy with backtracking to the last '*': every other token takes exactly one character, so
    // trying the last star one character further is enough (no recursion, no regex).
    size_t k = 0, t = 0, star = std::string::npos, mark = 0;
    while (t < s.size()) {
        if (k < tokens.size() && tokens[k].kind == Token::Kind::any_run) {
            star = k++;
            mark = t;
        } else if (k < tokens.size() && tokens[k].matches(s[t])) {
            ++k;
            ++t;
        } else if (star != std::string::npos) {
            k = star + 1;
            t = ++mark;
        } else {
            return false;
        }
    }
    while (k < tokens.size() && tokens[k].kind == Token::Kind::any_run) ++k;
    return k == tokens.size();
}

bool path_glob_match(const std::string& pattern, const std::string& path) {
    if (!pattern.empty() && pattern.back() == '/') return glob_match(pattern + "*", path);
    return glob_match(pattern, path);
}

}  // namespace pictor
