#include "transport/transfer.h"

#include <algorithm>
#include <charconv>
#include <string>
#include <string_view>
#include "model/text.h"

namespace sb {

namespace {

size_t on_header(char* buffer, size_t size, size_t count, void* user) {
    auto& transfer = *static_cast<Transfer*>(user);
    const size_t bytes = size * count;
    transfer.last_activity = TransportClock::now();
    const std::string_view line = trim_space(std::string_view(buffer, bytes));
    if (line.starts_with("HTTP/")) {
        // A new status line (after 1xx, or a redirect): only the final response's headers stay.
        transfer.response.headers.clear();
        transfer.header_status = 0;
        const size_t space = line.find(' ');
        if (space != std::string_view::npos) {
            const std::string_view code = line.substr(space + 1);
            std::from_chars(code.data(), code.data() + code.size(), transfer.header_status);
        }
        return bytes;
    }
    const size_t colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0) return bytes;
    transfer.response.headers.emplace_back(to_lower(line.substr(0, colon)), trim_space(line.substr(colon + 1)));
    return bytes;
}

size_t on_body(char* data, size_t size, size_t count, void* user) {
    auto& transfer = *static_cast<Transfer*>(user);
    const size_t bytes = size * count;
    transfer.last_activity = TransportClock::now();
    transfer.body_bytes += bytes;
    if (transfer.request.max_response_bytes > 0 && transfer.body_bytes > transfer.request.max_response_bytes) {
        transfer.body_too_large = true;
        return 0;  // ends the transfer; retire() reports it as CURLE_FILESIZE_EXCEEDED
    }
    if (transfer.body_mode == Transfer::BodyMode::Undecided) {
        const bool ok_status = transfer.header_status >= 200 && transfer.header_status < 300;
        transfer.body_mode = transfer.on_data && ok_status ? Transfer::BodyMode::Stream
                                                           : Transfer::BodyMode::Accumulate;
    }
    if (transfer.body_mode == Transfer::BodyMode::Accumulate) {
        transfer.response.body.append(data, bytes);
        return bytes;
    }
    // A throwing callback must not unwind through libcurl; it ends the transfer instead.
    try {
        transfer.on_data(std::string_view(data, bytes));
    } catch (...) {
        transfer.data_callback_failed = true;
        return 0;
    }
    return bytes;
}

// One "name: value" line per header; curl needs "name;" to send an empty value.
CurlSlist build_header_list(const Headers& headers) {
    CurlSlist list;
    std::string line;
    bool has_expect = false;
    auto append = [&](const std::string& text) {
        if (curl_slist* grown = curl_slist_append(list.get(), text.c_str())) {
            (void)list.release();
            list.reset(grown);
        }
    };
    for (const auto& [name, value] : headers) {
        line.assign(name);
        if (value.empty()) {
            line.push_back(';');
        } else {
            line.append(": ");
            line.append(value);
        }
        append(line);
        has_expect = has_expect || iequals(name, "expect");
    }
    // curl would otherwise wait for "100 Continue" before sending a large body: a wasted round trip.
    if (!has_expect) append("Expect:");
    return list;
}

double to_ms(CURL* easy, CURLINFO info) {
    curl_off_t micros = 0;
    if (curl_easy_getinfo(easy, info, &micros) != CURLE_OK) return 0;
    return static_cast<double>(micros) / 1000.0;
}

}  // namespace

CURLcode configure_transfer(Transfer& transfer, const HttpClientOptions& options) {
    CURL* easy = transfer.easy.get();
    const HttpRequest& request = transfer.request;
    CURLcode result = CURLE_OK;
    auto set = [&](CURLoption option, auto value) {
        if (result == CURLE_OK) result = curl_easy_setopt(easy, option, value);
    };
    transfer.error_buffer[0] = '\0';
    set(CURLOPT_URL, request.url.c_str());
    set(CURLOPT_PRIVATE, static_cast<void*>(&transfer));
    set(CURLOPT_ERRORBUFFER, transfer.error_buffer);
    set(CURLOPT_NOSIGNAL, 1L);
    set(CURLOPT_PROTOCOLS_STR, "http,https");  // never file://, ftp:// … whatever a URL says
    set(CURLOPT_WRITEFUNCTION, &on_body);
    set(CURLOPT_WRITEDATA, static_cast<void*>(&transfer));
    set(CURLOPT_HEADERFUNCTION, &on_header);
    set(CURLOPT_HEADERDATA, static_cast<void*>(&transfer));
    // Verification is never switched off.
    set(CURLOPT_SSL_VERIFYPEER, 1L);
    set(CURLOPT_SSL_VERIFYHOST, 2L);
    if (!options.ca_bundle.empty()) set(CURLOPT_CAINFO, options.ca_bundle.c_str());
    set(CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(request.connect_timeout.count()));
    set(CURLOPT_TIMEOUT_MS, static_cast<long>(request.total_timeout.count()));
    set(CURLOPT_TCP_KEEPALIVE, 1L);
    // A body announced (Content-Length) as too large is refused before it is read.
    if (request.max_response_bytes > 0)
        set(CURLOPT_MAXFILESIZE_LARGE, static_cast<curl_off_t>(request.max_response_bytes));

    if (request.method == "GET") {
        set(CURLOPT_HTTPGET, 1L);
    } else if (request.method == "HEAD") {
        set(CURLOPT_NOBODY, 1L);
    } else {
        if (request.method != "POST") set(CURLOPT_CUSTOMREQUEST, request.method.c_str());
        if (request.method == "POST" || !request.body.empty()) {
            set(CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
            set(CURLOPT_POSTFIELDS, request.body.c_str());
        }
    }
    transfer.header_list = build_header_list(request.headers);
    set(CURLOPT_HTTPHEADER, transfer.header_list.get());
    if (result != CURLE_OK) return result;

    // HTTP/2 where TLS negotiates it (plain http stays HTTP/1.1); a libcurl without HTTP/2
    // support refuses the option, and then HTTP/1.1 is what we get anyway.
    (void)curl_easy_setopt(easy, CURLOPT_HTTP_VERSION, static_cast<long>(CURL_HTTP_VERSION_2TLS));
    // Over TLS, wait for a connection that may multiplex rather than open one per request.
    if (request.url.starts_with("https:")) (void)curl_easy_setopt(easy, CURLOPT_PIPEWAIT, 1L);
    return CURLE_OK;
}

long collect_transfer_info(Transfer& transfer) {
    CURL* easy = transfer.easy.get();
    HttpResponse& response = transfer.response;
    long status = 0;
    if (curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status) == CURLE_OK) response.status = static_cast<int>(status);

    PhaseTimings& t = response.timings;
    t.dns_ms = to_ms(easy, CURLINFO_NAMELOOKUP_TIME_T);
    t.connect_ms = to_ms(easy, CURLINFO_CONNECT_TIME_T);
    t.tls_ms = to_ms(easy, CURLINFO_APPCONNECT_TIME_T);
    t.first_byte_ms = to_ms(easy, CURLINFO_STARTTRANSFER_TIME_T);
    t.total_ms = to_ms(easy, CURLINFO_TOTAL_TIME_T);
    // Without TLS the handshake phase takes no time; keep the timings cumulative.
    t.tls_ms = std::max(t.tls_ms, t.connect_ms);

    long version = 0;
    if (curl_easy_getinfo(easy, CURLINFO_HTTP_VERSION, &version) == CURLE_OK) {
        switch (version) {
            case CURL_HTTP_VERSION_1_0: response.http_version = 10; break;
            case CURL_HTTP_VERSION_1_1: response.http_version = 11; break;
            case CURL_HTTP_VERSION_2_0: response.http_version = 2; break;
            case CURL_HTTP_VERSION_3: response.http_version = 3; break;
            default: response.http_version = 0; break;
        }
    }
    long connects = 0;
    if (curl_easy_getinfo(easy, CURLINFO_NUM_CONNECTS, &connects) != CURLE_OK) connects = 0;
    return connects;
}

}  // namespace sb
