#pragma once
// Test support for tst_simulator and tst_simulator_batches: a blocking libcurl client and readers
// for the wire samples.
#include <QStringList>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <curl/curl.h>
#include <nlohmann/json.hpp>

#include "model/text.h"

namespace sbtest {

using ojson = nlohmann::ordered_json;

struct Reply {
    CURLcode code = CURLE_OK;
    long status = 0;
    std::string body;
    std::map<std::string, std::string> headers;  // lower-case names
    double seconds = 0;
    long connects = 0;

    bool has(const std::string& name) const { return headers.count(name) != 0; }
    std::string header(const std::string& name) const
    {
        auto it = headers.find(name);
        return it == headers.end() ? std::string() : it->second;
    }
};

// A field of a multipart/form-data body; a file when it has a filename.
struct FormField {
    std::string name;
    std::string data;
    std::string filename;
};

// One easy handle: reusing it reuses the keep-alive connection.
class Http {
public:
    Http() : m_curl(curl_easy_init()) {}
    ~Http() { curl_easy_cleanup(m_curl); }
    Http(const Http&) = delete;
    Http& operator=(const Http&) = delete;

    // A POST when there is a body, else a GET; JSON unless `headers` name another Content-Type.
    Reply send(const std::string& url, const std::string* body,
               const std::vector<std::string>& headers = {}, long timeout_ms = 10'000)
    {
        return perform(nullptr, url, body, headers, timeout_ms);
    }

    Reply post(const std::string& url, const std::string& body,
               const std::vector<std::string>& headers = {}, long timeout_ms = 10'000)
    {
        return send(url, &body, headers, timeout_ms);
    }

    Reply remove(const std::string& url, const std::vector<std::string>& headers = {})
    {
        return perform("DELETE", url, nullptr, headers, 10'000);
    }

    // A multipart/form-data POST encoded by libcurl itself, as a real client sends it.
    Reply post_form(const std::string& url, const std::vector<FormField>& fields,
                    const std::vector<std::string>& headers = {})
    {
        curl_mime* form = curl_mime_init(m_curl);
        for (const auto& field : fields) {
            curl_mimepart* part = curl_mime_addpart(form);
            curl_mime_name(part, field.name.c_str());
            curl_mime_data(part, field.data.data(), field.data.size());
            if (!field.filename.empty())
                curl_mime_filename(part, field.filename.c_str());
        }
        curl_easy_setopt(m_curl, CURLOPT_MIMEPOST, form);
        Reply reply = perform(nullptr, url, nullptr, headers, 10'000, /*form=*/true);
        curl_easy_setopt(m_curl, CURLOPT_MIMEPOST, nullptr);
        curl_mime_free(form);
        return reply;
    }

private:
    Reply perform(const char* method, const std::string& url, const std::string* body,
                  const std::vector<std::string>& headers, long timeout_ms, bool form = false)
    {
        Reply reply;
        curl_slist* list = nullptr;
        const bool typed = form || std::any_of(headers.begin(), headers.end(), [](const std::string& h) {
            return sb::to_lower(h).starts_with("content-type:");
        });
        if (!typed)
            list = curl_slist_append(list, "Content-Type: application/json");
        for (const auto& h : headers)
            list = curl_slist_append(list, h.c_str());
        curl_easy_setopt(m_curl, CURLOPT_URL, url.c_str());
        curl_easy_setopt(m_curl, CURLOPT_CUSTOMREQUEST, method);
        curl_easy_setopt(m_curl, CURLOPT_HTTPHEADER, list);
        if (body) {
            curl_easy_setopt(m_curl, CURLOPT_POSTFIELDS, body->data());
            curl_easy_setopt(m_curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body->size()));
        } else if (!form) {
            curl_easy_setopt(m_curl, CURLOPT_HTTPGET, 1L);
        }
        curl_easy_setopt(m_curl, CURLOPT_TIMEOUT_MS, timeout_ms);
        curl_easy_setopt(m_curl, CURLOPT_CONNECTTIMEOUT_MS, 5000L);
        curl_easy_setopt(m_curl, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(m_curl, CURLOPT_WRITEFUNCTION, &Http::on_body);
        curl_easy_setopt(m_curl, CURLOPT_WRITEDATA, &reply);
        curl_easy_setopt(m_curl, CURLOPT_HEADERFUNCTION, &Http::on_header);
        curl_easy_setopt(m_curl, CURLOPT_HEADERDATA, &reply);
        const auto start = std::chrono::steady_clock::now();
        reply.code = curl_easy_perform(m_curl);
        reply.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        curl_easy_getinfo(m_curl, CURLINFO_RESPONSE_CODE, &reply.status);
        curl_easy_getinfo(m_curl, CURLINFO_NUM_CONNECTS, &reply.connects);
        curl_slist_free_all(list);
        return reply;
    }

    static size_t on_body(char* data, size_t size, size_t count, void* user)
    {
        static_cast<Reply*>(user)->body.append(data, size * count);
        return size * count;
    }
    static size_t on_header(char* data, size_t size, size_t count, void* user)
    {
        auto* reply = static_cast<Reply*>(user);
        std::string line(data, size * count);
        if (line.rfind("HTTP/", 0) == 0)
            reply->headers.clear();  // a new (final or 100) response begins
        const auto colon = line.find(':');
        if (colon != std::string::npos) {
            std::string name = sb::to_lower(std::string_view(line).substr(0, colon));
            std::string value = line.substr(colon + 1);
            value.erase(0, value.find_first_not_of(' '));
            value.erase(value.find_last_not_of("\r\n") + 1);
            reply->headers[name] = value;
        }
        return size * count;
    }

    CURL* m_curl;
};

inline ojson read_json(const std::string& path)
{
    std::ifstream in(path);
    return ojson::parse(in);
}

inline std::string read_text(const std::string& path)
{
    std::ifstream in(path);
    return std::string(std::istreambuf_iterator<char>(in), {});
}

inline QStringList keys(const ojson& object)
{
    QStringList out;
    for (const auto& [key, value] : object.items())
        out << QString::fromStdString(key);
    return out;
}

// Every key path with the JSON type of its leaf, so shapes compare without values.
inline void shape_of(const ojson& value, const std::string& path, std::set<std::string>& out)
{
    if (value.is_object()) {
        for (const auto& [key, child] : value.items())
            shape_of(child, path + "." + key, out);
        return;
    }
    out.insert(path + ":" + (value.is_number() ? "number" : value.type_name()));
}

inline std::set<std::string> shape(const ojson& value)
{
    std::set<std::string> out;
    shape_of(value, "", out);
    return out;
}

inline ojson sample_error(const std::string& provider, const std::string& name)
{
    for (const auto& c : read_json(std::string(SB_TESTDATA_DIR) + "/wire/" + provider + "/errors.json"))
        if (c["case"] == name)
            return c;
    return nullptr;
}

// SSE events split on blank lines (the wire uses LF only).
inline std::vector<std::string> split_events(const std::string& text)
{
    std::vector<std::string> out;
    std::size_t at = 0;
    while (at < text.size()) {
        const auto end = text.find("\n\n", at);
        if (end == std::string::npos) {
            out.push_back(text.substr(at));
            break;
        }
        out.push_back(text.substr(at, end - at));
        at = end + 2;
    }
    return out;
}

inline std::string event_name(const std::string& event)
{
    return event.rfind("event: ", 0) == 0 ? event.substr(7, event.find('\n') - 7) : std::string();
}

inline ojson event_data(const std::string& event)
{
    const auto at = event.find("data: ");
    return ojson::parse(event.substr(at + 6), nullptr, false);
}

}  // namespace sbtest
