#include "core/hub/http.h"

#include <algorithm>
#include <cctype>
#include <mutex>

#include <curl/curl.h>

#include "core/util/error.h"

namespace pictor::hub::http {

namespace {

constexpr std::size_t kMaxErrorBody = 64 * 1024;
constexpr int kMaxRedirects = 10;

#ifndef PICTOR_HUB_VERSION
#define PICTOR_HUB_VERSION "0"
#endif

void global_init_once() {
    static std::once_flag once;
    std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
    return s;
}

// State of one curl_easy_perform (one hop of a redirect chain).
struct Hop {
    const Request* request = nullptr;
    long status = 0;
    std::map<std::string, std::string> headers;
    std::string body;
    bool deliver = false;  // status known to be 2xx and the caller wants the body
    bool started = false;  // on_response was called
    bool body_aborted = false;
    bool cancelled = false;
};

size_t on_header(char* data, size_t size, size_t count, void* user) {
    auto* hop = static_cast<Hop*>(user);
    const std::string line(data, size * count);
    if (line.rfind("HTTP/", 0) == 0) {
        // A new response (e.g. after "100 Continue"): start over.
        hop->headers.clear();
        const auto sp = line.find(' ');
        hop->status = sp == std::string::npos ? 0 : std::atol(line.c_str() + sp + 1);
        hop->deliver = hop->status >= 200 && hop->status < 300 && hop->request->on_body;
        hop->started = false;
        return size * count;
    }
    const auto colon = line.find(':');
    if (colon != std::string::npos) {
        hop->headers[lower(trim(line.substr(0, colon)))] = trim(line.substr(colon + 1));
    }
    return size * count;
}

size_t on_write(char* data, size_t size, size_t count, void* user) {
    auto* hop = static_cast<Hop*>(user);
    const size_t n = size * count;
    if (hop->deliver) {
        if (!hop->started) {
            hop->started = true;
            if (hop->request->on_response && !hop->request->on_response(hop->status, hop->headers)) {
                hop->body_aborted = true;
                return 0;
            }
        }
        if (!hop->request->on_body(data, n)) {
            hop->body_aborted = true;
            return 0;  // makes libcurl stop with CURLE_WRITE_ERROR
        }
        return n;
    }
    const bool success = hop->status >= 200 && hop->status < 300;
    const size_t room = success ? n : (hop->body.size() < kMaxErrorBody ? kMaxErrorBody - hop->body.size() : 0);
    hop->body.append(data, std::min(n, room));
    return n;
}

int on_xferinfo(void* user, curl_off_t dltotal, curl_off_t dlnow, curl_off_t, curl_off_t) {
    auto* hop = static_cast<Hop*>(user);
    if (!hop->request->on_progress) return 0;
    if (!hop->request->on_progress(static_cast<std::uint64_t>(dlnow), static_cast<std::uint64_t>(dltotal))) {
        hop->cancelled = true;
        return 1;
    }
    return 0;
}

struct CurlUrl {
    CURLU* h = curl_url();
    ~CurlUrl() { curl_url_cleanup(h); }
    std::string get(CURLUPart part, unsigned flags = 0) const {
        char* out = nullptr;
        if (curl_url_get(h, part, &out, flags) != CURLUE_OK || !out) return {};
        std::string s(out);
        curl_free(out);
        return s;
    }
};

}  // namespace

std::string trim(const std::string& s) {
    std::size_t b = 0, e = s.size();
    while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
    while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
    return s.substr(b, e - b);
}

std::optional<std::uint64_t> parse_size(const std::string& text) {
    if (text.empty() || !std::all_of(text.begin(), text.end(), ::isdigit)) return std::nullopt;
    try {
        return std::stoull(text);
    } catch (...) {
        return std::nullopt;
    }
}

std::string Response::header(const std::string& lowercase_name) const {
    const auto it = headers.find(lowercase_name);
    return it == headers.end() ? std::string() : it->second;
}

std::string resolve_url(const std::string& base, const std::string& reference) {
    global_init_once();
    CurlUrl u;
    if (curl_url_set(u.h, CURLUPART_URL, base.c_str(), 0) != CURLUE_OK) fail("malformed URL '" + base + "'");
    if (curl_url_set(u.h, CURLUPART_URL, reference.c_str(), 0) != CURLUE_OK) {
        fail("malformed redirect location '" + reference + "' (from " + base + ")");
    }
    return u.get(CURLUPART_URL);
}

std::string origin_of(const std::string& url) {
    global_init_once();
    CurlUrl u;
    if (curl_url_set(u.h, CURLUPART_URL, url.c_str(), 0) != CURLUE_OK) fail("malformed URL '" + url + "'");
    return lower(u.get(CURLUPART_SCHEME)) + "://" + lower(u.get(CURLUPART_HOST)) + ":" +
           u.get(CURLUPART_PORT, CURLU_DEFAULT_PORT);
}

std::string url_encode(const std::string& text, bool keep_slash) {
    static const char* digits = "0123456789ABCDEF";
    std::string out;
    for (unsigned char c : text) {
        if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~' || (keep_slash && c == '/')) {
            out.push_back(static_cast<char>(c));
        } else {
            out.push_back('%');
            out.push_back(digits[c >> 4]);
            out.push_back(digits[c & 15]);
        }
    }
    return out;
}

Response perform(const Request& request) {
    global_init_once();
    Response response;
    const std::string first_origin = origin_of(request.url);
    std::string url = request.url;
    const std::string user_agent = std::string("pictor/") + PICTOR_HUB_VERSION + " " + curl_version();

    for (int hop_index = 0;; ++hop_index) {
        CURL* curl = curl_easy_init();
        if (!curl) fail("libcurl: cannot create a handle");
        Hop hop;
        hop.request = &request;
        curl_slist* headers = nullptr;
        for (const auto& h : request.headers) headers = curl_slist_append(headers, h.c_str());
        const bool same_origin = origin_of(url) == first_origin;
        if (request.bearer_token && same_origin) {
            headers = curl_slist_append(headers, ("Authorization: Bearer " + *request.bearer_token).c_str());
        }
        std::string range;
        if (request.range_from > 0) range = std::to_string(request.range_from) + "-";

        curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
        curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
        curl_easy_setopt(curl, CURLOPT_USERAGENT, user_agent.c_str());
        curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
        curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, request.connect_timeout_s);
        curl_easy_setopt(curl, CURLOPT_LOW_SPEED_LIMIT, 1L);
        curl_easy_setopt(curl, CURLOPT_LOW_SPEED_TIME, request.stall_timeout_s);
        curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
        if (request.method == "HEAD") curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
        if (!range.empty()) curl_easy_setopt(curl, CURLOPT_RANGE, range.c_str());
        curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, on_header);
        curl_easy_setopt(curl, CURLOPT_HEADERDATA, &hop);
        curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_write);
        curl_easy_setopt(curl, CURLOPT_WRITEDATA, &hop);
        curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, on_xferinfo);
        curl_easy_setopt(curl, CURLOPT_XFERINFODATA, &hop);
        curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
        char error_buffer[CURL_ERROR_SIZE] = {0};
        curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error_buffer);

        const CURLcode code = curl_easy_perform(curl);
        long status = 0;
        curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
        curl_slist_free_all(headers);
        curl_easy_cleanup(curl);

        response.status = status ? status : hop.status;
        response.url = url;
        response.headers = std::move(hop.headers);
        response.body = std::move(hop.body);
        response.cancelled = hop.cancelled;
        response.body_aborted = hop.body_aborted;
        response.location.clear();
        if (code != CURLE_OK && !hop.cancelled && !hop.body_aborted) {
            response.transport_error = std::string(curl_easy_strerror(code)) +
                                       (error_buffer[0] ? std::string(" (") + error_buffer + ")" : "");
        }
        if (!response.ok()) return response;

        const bool redirect = response.status == 301 || response.status == 302 || response.status == 303 ||
                              response.status == 307 || response.status == 308;
        const std::string location = response.header("location");
        if (!redirect || location.empty()) return response;
        response.location = resolve_url(url, location);
        const bool relative = location.find("://") == std::string::npos && location.rfind("//", 0) != 0;
        if (request.redirects == Request::Redirects::relative_only && !relative) {
            return response;
        }
        if (hop_index + 1 >= kMaxRedirects) {
            response.transport_error = "too many redirects (last: " + response.location + ")";
            return response;
        }
        url = response.location;
    }
}

}  // namespace pictor::hub::http
