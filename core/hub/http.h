// A small synchronous HTTP client over libcurl, internal to the hub (not for front ends).
//
// Redirects are followed here rather than by libcurl so that (1) the headers of an intermediate
// response can be read (the Hub's 302 for a large file carries X-Linked-Etag / X-Repo-Commit) and
// (2) the Authorization header is sent only to the origin (scheme, host, port) of the first URL:
// a redirect to another origin (a CDN) never sees the token.
//
// Failure contract: `perform` does not throw for HTTP statuses nor for transport failures; both are
// reported in HttpResponse. It throws pictor::Error only for unusable input (a malformed URL).
// Thread-safety: every call uses its own curl handle; calls may run concurrently.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace pictor::hub::http {

struct Request {
    std::string method = "GET";  // GET or HEAD
    std::string url;
    std::vector<std::string> headers;           // extra "Name: value" lines
    std::optional<std::string> bearer_token;    // "Authorization: Bearer …", first origin only
    // all: follow every redirect; relative_only: follow only a Location without scheme and host
    // (Ref: huggingface_hub _request_wrapper follow_relative_redirects — the Hub's renamed-repo
    // redirects) and stop at any other, returning the 3xx response with `location` set.
    enum class Redirects { all, relative_only } redirects = Redirects::all;
    std::uint64_t range_from = 0;  // > 0: ask for "Range: bytes=<range_from>-"
    // Body bytes of a 2xx response; return false to abort (e.g. a write error).
    std::function<bool(const char* data, std::size_t size)> on_body;
    // Called once before the first body byte of a 2xx response (status, lowercased headers);
    // return false to abort (counts as body_aborted).
    std::function<bool(long status, const std::map<std::string, std::string>& headers)> on_response;
    // Called often while transferring (bytes of this response so far, its size or 0 if unknown);
    // return false to cancel.
    std::function<bool(std::uint64_t now, std::uint64_t total)> on_progress;
    long connect_timeout_s = 30;
    long stall_timeout_s = 60;  // abort when no byte arrived for this long
};

struct Response {
    long status = 0;                              // 0 when no HTTP response was received
    std::string url;                              // URL of the final response
    std::map<std::string, std::string> headers;   // final response, names lowercased
    std::string location;                         // absolute Location of an unfollowed 3xx
    std::string body;                             // non-2xx bodies (first 64 KiB), or 2xx when no on_body
    bool cancelled = false;                       // on_progress returned false
    bool body_aborted = false;                    // on_body returned false
    std::string transport_error;                  // empty on success (connection, timeout, cut transfer)
    bool ok() const { return transport_error.empty() && !cancelled && !body_aborted; }
    std::string header(const std::string& lowercase_name) const;
};

Response perform(const Request& request);

// Absolute URL of `reference` (absolute or relative) resolved against `base`.
std::string resolve_url(const std::string& base, const std::string& reference);
// "scheme://host:port" with the default port made explicit.
std::string origin_of(const std::string& url);
// Percent-encodes everything but unreserved characters; with keep_slash, '/' stays.
std::string url_encode(const std::string& text, bool keep_slash);
// `s` without the white space at either end (header lines; also the token and ref files).
std::string trim(const std::string& s);
// A byte count in a header value (Content-Length, X-Linked-Size): decimal digits only, else nullopt.
std::optional<std::uint64_t> parse_size(const std::string& text);

}  // namespace pictor::hub::http
