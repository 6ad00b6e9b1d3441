// The simulator's files and batches APIs (OpenAI's Files and Batch APIs, Anthropic's Message
// Batches) over real loopback sockets, with libcurl easy handles as the client.
#include <QtTest>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <functional>
#include <map>
#include <regex>
#include <set>
#include <thread>

#include <curl/curl.h>
#include <nlohmann/json.hpp>

#include "simulator/sim_multipart.h"
#include "simulator/simulator.h"
#include "sim_test_client.h"

using namespace sb;
using namespace sbtest;

namespace {

const std::string kChat = "/v1/chat/completions";

SimulatorProfile quiet_profile()
{
    SimulatorProfile profile;
    profile.reply_words = 12;
    return profile;
}

ojson chat_body(const std::string& text)
{
    return ojson{{"model", "gpt-test-1"},
                 {"messages", ojson::array({ojson{{"role", "user"}, {"content", text}}})}};
}

ojson messages_body(const std::string& text)
{
    return ojson{{"model", "claude-test-1"},
                 {"max_tokens", 256},
                 {"messages", ojson::array({ojson{{"role", "user"}, {"content", text}}})}};
}

std::string batch_line(const std::string& custom_id, const ojson& body, const std::string& url = kChat)
{
    return ojson{{"custom_id", custom_id}, {"method", "POST"}, {"url", url}, {"body", body}}.dump();
}

std::string question(int i)
{
    return "Question number " + std::to_string(i) + " about routing";
}

// A JSONL file of chat requests request-1 … request-n.
std::string chat_file(int n, const std::string& padding = {})
{
    std::string out;
    for (int i = 1; i <= n; ++i)
        out += batch_line("request-" + std::to_string(i), chat_body(question(i) + padding)) + "\n";
    return out;
}

std::vector<ojson> jsonl(const std::string& text)
{
    std::vector<ojson> out;
    std::size_t start = 0;
    while (start < text.size()) {
        const auto end = std::min(text.find('\n', start), text.size());
        if (end > start)
            out.push_back(ojson::parse(text.substr(start, end - start)));
        start = end + 1;
    }
    return out;
}

// An answer without what tells one answer from another of the same request (its ids and time).
ojson without_ids(ojson body)
{
    for (const char* key : {"id", "created", "system_fingerprint"})
        body.erase(key);
    return body;
}

// The simulator's key, made for this run: no key-shaped text in the source.
const std::string& run_key()
{
    static const std::string key = [] {
        std::string made = "sk-sim-";
        for (int i = 0; i < 32; ++i)
            made += "0123456789abcdef"[QRandomGenerator::system()->bounded(16)];
        return made;
    }();
    return key;
}

// Sends `request` as it is on a new connection and reads until the server closes it or
// `wait_ms` pass without a byte.
std::string raw_exchange(std::uint16_t port, const std::string& request, int wait_ms = 5000)
{
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
        return {};
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    timeval timeout{wait_ms / 1000, (wait_ms % 1000) * 1000};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    std::string answer;
    if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0
        && ::send(fd, request.data(), request.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(request.size())) {
        char buffer[4096];
        for (ssize_t n; (n = ::recv(fd, buffer, sizeof buffer, 0)) > 0;)
            answer.append(buffer, static_cast<std::size_t>(n));
    }
    ::close(fd);
    return answer;
}

const QStringList kBatchKeys = {"id",          "object",         "endpoint",         "model",
                                "errors",      "input_file_id",  "completion_window", "status",
                                "output_file_id", "error_file_id", "created_at",     "in_progress_at",
                                "expires_at",  "finalizing_at",  "completed_at",     "failed_at",
                                "expired_at",  "cancelling_at",  "cancelled_at",     "request_counts",
                                "usage",       "metadata"};

const QStringList kMessageBatchKeys = {"id",         "type",        "processing_status",   "request_counts",
                                       "ended_at",   "created_at",  "expires_at",          "archived_at",
                                       "cancel_initiated_at", "results_url"};

}  // namespace

class tst_SimulatorBatches : public QObject {
    Q_OBJECT

private:
    static std::string url(const Simulator& sim, const std::string& path)
    {
        return "http://127.0.0.1:" + std::to_string(sim.port()) + path;
    }

    static Reply upload(Http& http, const Simulator& sim, const std::string& content,
                        const std::string& purpose = "batch", const std::string& filename = "requests.jsonl",
                        const std::vector<std::string>& headers = {})
    {
        return http.post_form(url(sim, "/v1/files"), {{"purpose", purpose, ""}, {"file", content, filename}}, headers);
    }

    // Uploads `content` and makes a batch of it that completes `delay_ms` later: its Batch object.
    static ojson start_batch(Http& http, const Simulator& sim, const std::string& content, int delay_ms,
                             const std::string& endpoint = kChat)
    {
        const Reply file = upload(http, sim, content);
        if (file.status != 200)
            return nullptr;
        const ojson body{{"input_file_id", ojson::parse(file.body)["id"]},
                         {"endpoint", endpoint},
                         {"completion_window", "24h"}};
        const Reply created = http.post(url(sim, "/v1/batches"), body.dump(),
                                        {"x-sim-batch-delay-ms: " + std::to_string(delay_ms)});
        return created.status == 200 ? ojson::parse(created.body) : ojson(nullptr);
    }

    // GETs `address` until `done` holds of its JSON answer, for up to 10 s; the last answer.
    static ojson poll(Http& http, const std::string& address, const std::function<bool(const ojson&)>& done,
                      const std::vector<std::string>& headers = {})
    {
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
        ojson last;
        while (std::chrono::steady_clock::now() < deadline) {
            const Reply reply = http.send(address, nullptr, headers);
            last = ojson::parse(reply.body, nullptr, false);
            if (reply.status == 200 && done(last))
                break;
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
        return last;
    }

    static ojson poll_status(Http& http, const Simulator& sim, const std::string& batch_id, const std::string& status)
    {
        return poll(http, url(sim, "/v1/batches/" + batch_id),
                    [&](const ojson& batch) { return batch["status"] == status; });
    }

    // The JSON answer to a GET of `path`.
    static ojson get(Http& http, const Simulator& sim, const std::string& path)
    {
        return ojson::parse(http.send(url(sim, path), nullptr).body, nullptr, false);
    }

    // The bytes of a file; none when `file_id` is null.
    static std::string content_of(Http& http, const Simulator& sim, const ojson& file_id)
    {
        if (!file_id.is_string())
            return {};
        return http.send(url(sim, "/v1/files/" + file_id.get<std::string>() + "/content"), nullptr).body;
    }

    static Reply create_message_batch(Http& http, const Simulator& sim, const ojson& requests, int delay_ms)
    {
        return http.post(url(sim, "/v1/messages/batches"), ojson{{"requests", requests}}.dump(),
                         {"anthropic-version: 2023-06-01", "x-sim-batch-delay-ms: " + std::to_string(delay_ms)});
    }

private slots:
    void initTestCase() { curl_global_init(CURL_GLOBAL_DEFAULT); }
    void cleanupTestCase() { curl_global_cleanup(); }

    void profileBatchDelay()
    {
        auto parsed = parse_simulator_profile(nlohmann::json::parse(R"({"batch_completion_ms": 300})"));
        QVERIFY(parsed);
        QCOMPARE(parsed->batch_completion_ms, 300);
        QCOMPARE(SimulatorProfile().batch_completion_ms, 2000);
        for (const char* bad : {R"({"batch_completion_ms": -1})", R"({"batch_completion_ms": 86400001})",
                                R"({"batch_completion_ms": "soon"})"}) {
            const auto refused = parse_simulator_profile(nlohmann::json::parse(bad));
            QVERIFY(!refused);
            QCOMPARE(refused.error(), std::string("batch_completion_ms: must be an integer in [0, 86400000]"));
        }
    }

    void formBoundary()
    {
        QCOMPARE(sim_form_boundary("multipart/form-data; boundary=abc"), std::optional<std::string>("abc"));
        QCOMPARE(sim_form_boundary("Multipart/Form-Data;charset=utf-8; BOUNDARY=\"a b;c\""),
                 std::optional<std::string>("a b;c"));
        QCOMPARE(sim_form_boundary("multipart/form-data"), std::optional<std::string>());
        QCOMPARE(sim_form_boundary("multipart/form-data; boundary=\"\""), std::optional<std::string>());
        QCOMPARE(sim_form_boundary("application/json; boundary=abc"), std::optional<std::string>());
    }

    void fileApi()
    {
        Simulator sim(quiet_profile());
        QVERIFY(sim.start());
        Http http;
        const std::string content = chat_file(3);
        const Reply uploaded = upload(http, sim, content);
        QCOMPARE(uploaded.status, 200L);
        QVERIFY(uploaded.header("x-request-id").starts_with("req_"));
        const ojson file = ojson::parse(uploaded.body);
        QCOMPARE(keys(file), QStringList({"id", "object", "bytes", "created_at", "expires_at", "filename", "purpose",
                                          "status", "status_details"}));
        const std::string id = file["id"];
        QVERIFY(id.starts_with("file-"));
        QCOMPARE(file["object"], ojson("file"));
        QCOMPARE(file["bytes"].get<std::size_t>(), content.size());
        QCOMPARE(file["filename"], ojson("requests.jsonl"));
        QCOMPARE(file["purpose"], ojson("batch"));
        QCOMPARE(file["status"], ojson("processed"));
        // Batch files expire after 30 days unless told otherwise.
        QCOMPARE(file["expires_at"].get<std::int64_t>(), file["created_at"].get<std::int64_t>() + 30 * 24 * 3600);

        QCOMPARE(http.send(url(sim, "/v1/files/" + id), nullptr).body, file.dump());
        const Reply bytes = http.send(url(sim, "/v1/files/" + id + "/content"), nullptr);
        QCOMPARE(bytes.status, 200L);
        QCOMPARE(bytes.header("content-type"), std::string("application/octet-stream"));
        QCOMPARE(bytes.body, content);

        const Reply notes = http.post_form(url(sim, "/v1/files"),
                                           {{"purpose", "user_data", ""},
                                            {"file", "hello", "notes.txt"},
                                            {"expires_after[anchor]", "created_at", ""},
                                            {"expires_after[seconds]", "3600", ""}});
        QCOMPARE(notes.status, 200L);
        const ojson notes_file = ojson::parse(notes.body);
        QCOMPARE(notes_file["expires_at"].get<std::int64_t>(), notes_file["created_at"].get<std::int64_t>() + 3600);
        const std::string notes_id = notes_file["id"];

        // Newest first unless asked otherwise; purpose filters; limit and after page.
        const ojson all = get(http, sim, "/v1/files");
        QCOMPARE(keys(all), QStringList({"object", "data", "first_id", "last_id", "has_more"}));
        QCOMPARE(all["object"], ojson("list"));
        QCOMPARE(all["data"].size(), std::size_t(2));
        QCOMPARE(all["data"][0]["id"].get<std::string>(), notes_id);
        QCOMPARE(all["has_more"], ojson(false));
        const ojson batch_only = get(http, sim, "/v1/files?purpose=batch");
        QCOMPARE(batch_only["data"].size(), std::size_t(1));
        QCOMPARE(batch_only["data"][0]["id"].get<std::string>(), id);
        const ojson page = get(http, sim, "/v1/files?limit=1");
        QCOMPARE(page["data"].size(), std::size_t(1));
        QCOMPARE(page["has_more"], ojson(true));
        QCOMPARE(page["last_id"].get<std::string>(), notes_id);
        const ojson next = get(http, sim, "/v1/files?limit=1&after=" + notes_id);
        QCOMPARE(next["data"][0]["id"].get<std::string>(), id);
        QCOMPARE(next["has_more"], ojson(false));
        const ojson ascending = get(http, sim, "/v1/files?order=asc");
        QCOMPARE(ascending["first_id"].get<std::string>(), id);
        QCOMPARE(http.send(url(sim, "/v1/files?limit=0"), nullptr).status, 400L);

        const Reply deleted = http.remove(url(sim, "/v1/files/" + id));
        QCOMPARE(deleted.status, 200L);
        QCOMPARE(deleted.body, ojson({{"id", id}, {"object", "file"}, {"deleted", true}}).dump());
        for (const std::string& path : {"/v1/files/" + id, "/v1/files/" + id + "/content"}) {
            const Reply gone = http.send(url(sim, path), nullptr);
            QCOMPARE(gone.status, 404L);
            const ojson error = ojson::parse(gone.body)["error"];
            QCOMPARE(error["message"].get<std::string>(), "No such File object: " + id);
            QCOMPARE(error["type"], ojson("invalid_request_error"));
            QCOMPARE(error["param"], ojson("id"));
        }
        QCOMPARE(http.remove(url(sim, "/v1/files/" + id)).status, 404L);
        QCOMPARE(http.send(url(sim, "/v1/files/" + id + "/versions"), nullptr).status, 404L);
    }

    void uploadRefusals()
    {
        Simulator sim(quiet_profile());
        QVERIFY(sim.start());
        Http http;
        struct Case {
            const char* name;
            std::vector<FormField> fields;
            std::string param;
            std::string message;
        };
        const std::string content = chat_file(1);
        const std::vector<Case> cases = {
            {"no purpose", {{"file", content, "a.jsonl"}}, "purpose", "Missing required parameter: 'purpose'."},
            {"bad purpose", {{"purpose", "training", ""}, {"file", content, "a.jsonl"}}, "purpose",
             "Invalid value for 'purpose': 'training'."},
            {"no file", {{"purpose", "batch", ""}}, "file", "Missing required parameter: 'file'."},
            {"text, not a file", {{"purpose", "batch", ""}, {"file", content, ""}}, "file", "expected a file upload"},
            {"batch needs jsonl", {{"purpose", "batch", ""}, {"file", content, "a.txt"}}, "file",
             "Invalid file format for Batch API. Must be .jsonl"},
            {"expiry anchor",
             {{"purpose", "batch", ""},
              {"file", content, "a.jsonl"},
              {"expires_after[anchor]", "now", ""},
              {"expires_after[seconds]", "3600", ""}},
             "expires_after.anchor", "Invalid value for 'expires_after.anchor'"},
            {"expiry range",
             {{"purpose", "batch", ""},
              {"file", content, "a.jsonl"},
              {"expires_after[anchor]", "created_at", ""},
              {"expires_after[seconds]", "60", ""}},
             "expires_after.seconds", "expected an integer from 3600 to 2592000"},
        };
        for (const auto& each : cases) {
            const Reply reply = http.post_form(url(sim, "/v1/files"), each.fields);
            QVERIFY2(reply.status == 400, each.name);
            const ojson error = ojson::parse(reply.body)["error"];
            QVERIFY2(error["param"] == ojson(each.param), each.name);
            QVERIFY2(error["message"].get<std::string>().find(each.message) != std::string::npos,
                     error["message"].get<std::string>().c_str());
        }
        const Reply json = http.post(url(sim, "/v1/files"), R"({"purpose":"batch"})");
        QCOMPARE(json.status, 400L);
        QVERIFY(ojson::parse(json.body)["error"]["message"].get<std::string>().find("expected multipart/form-data")
                != std::string::npos);
        QVERIFY(get(http, sim, "/v1/files")["data"].empty());
    }

    // Bodies as other clients write them: a quoted boundary, a preamble, header names in any
    // case, LF-only line ends; and one cut short.
    void handWrittenMultipart()
    {
        Simulator sim(quiet_profile());
        QVERIFY(sim.start());
        Http http;
        const std::string content = chat_file(2);
        auto body = [&](const std::string& eol) {
            return "This preamble is ignored." + eol + "--simple boundary" + eol
                + "Content-Disposition: form-data; name=\"purpose\"" + eol + eol + "batch" + eol
                + "--simple boundary" + eol + "content-disposition: form-data; name=\"file\"; filename=\"in.jsonl\""
                + eol + "CONTENT-TYPE: application/jsonl" + eol + eol + content + eol + "--simple boundary--" + eol;
        };
        const std::vector<std::string> type = {"Content-Type: multipart/form-data; boundary=\"simple boundary\""};
        for (const std::string eol : {"\r\n", "\n"}) {
            const Reply reply = http.post(url(sim, "/v1/files"), body(eol), type);
            QCOMPARE(reply.status, 200L);
            const ojson file = ojson::parse(reply.body);
            QCOMPARE(file["filename"], ojson("in.jsonl"));
            QCOMPARE(content_of(http, sim, file["id"]), content);
        }
        std::string cut = body("\r\n");
        cut.resize(cut.find("--simple boundary--"));
        const Reply refused = http.post(url(sim, "/v1/files"), cut, type);
        QCOMPARE(refused.status, 400L);
        QVERIFY(ojson::parse(refused.body)["error"]["message"].get<std::string>().find("could not be parsed")
                != std::string::npos);
    }

    void openaiBatchLifecycle()
    {
        Simulator sim(quiet_profile());
        QVERIFY(sim.start());
        Http http;
        const ojson created = start_batch(http, sim, chat_file(3), 1200);
        QVERIFY(created.is_object());
        QCOMPARE(keys(created), kBatchKeys);
        const std::string id = created["id"];
        QVERIFY(id.starts_with("batch_"));
        QCOMPARE(created["object"], ojson("batch"));
        QCOMPARE(created["status"], ojson("validating"));
        QCOMPARE(created["endpoint"], ojson(kChat));
        QCOMPARE(created["model"], ojson("gpt-test-1"));
        QCOMPARE(created["completion_window"], ojson("24h"));
        QCOMPARE(created["request_counts"]["total"], ojson(0));
        QVERIFY(created["output_file_id"].is_null() && created["in_progress_at"].is_null());
        QCOMPARE(created["expires_at"].get<std::int64_t>(), created["created_at"].get<std::int64_t>() + 86'400);

        std::this_thread::sleep_for(std::chrono::milliseconds(300));
        const ojson running = get(http, sim, "/v1/batches/" + id);
        QCOMPARE(running["status"], ojson("in_progress"));
        QCOMPARE(running["request_counts"]["total"], ojson(3));
        QVERIFY(!running["in_progress_at"].is_null());
        QVERIFY(running["completed_at"].is_null() && running["output_file_id"].is_null());

        const ojson done = poll_status(http, sim, id, "completed");
        QCOMPARE(done["status"], ojson("completed"));
        QCOMPARE(done["request_counts"], ojson({{"total", 3}, {"completed", 3}, {"failed", 0}}));
        QVERIFY(!done["finalizing_at"].is_null() && !done["completed_at"].is_null());
        QVERIFY(done["error_file_id"].is_null());
        const auto& usage = done["usage"];
        QVERIFY(usage["input_tokens"].get<int>() > 0 && usage["output_tokens"].get<int>() == 3 * 12);
        QCOMPARE(usage["total_tokens"].get<int>(),
                 usage["input_tokens"].get<int>() + usage["output_tokens"].get<int>());

        const ojson output_file = get(http, sim, "/v1/files/" + done["output_file_id"].get<std::string>());
        QCOMPARE(output_file["purpose"], ojson("batch_output"));
        QCOMPARE(output_file["filename"].get<std::string>(), id + "_output.jsonl");
        const auto lines = jsonl(content_of(http, sim, done["output_file_id"]));
        QCOMPARE(lines.size(), std::size_t(3));
        std::set<std::string> custom_ids;
        for (const auto& line : lines) {
            QCOMPARE(keys(line), QStringList({"id", "custom_id", "response", "error"}));
            QVERIFY(line["id"].get<std::string>().starts_with("batch_req_"));
            QVERIFY(line["error"].is_null());
            QCOMPARE(line["response"]["status_code"], ojson(200));
            QCOMPARE(line["response"]["request_id"].get<std::string>().size(), std::size_t(32));
            const std::string custom_id = line["custom_id"];
            custom_ids.insert(custom_id);
            // The answer the synchronous endpoint gives the same body.
            const int n = std::stoi(custom_id.substr(custom_id.find('-') + 1));
            const Reply sync = http.post(url(sim, kChat), chat_body(question(n)).dump());
            QCOMPARE(without_ids(line["response"]["body"]).dump(), without_ids(ojson::parse(sync.body)).dump());
        }
        QCOMPARE(custom_ids, std::set<std::string>({"request-1", "request-2", "request-3"}));
    }

    void failedRequestsGoToTheErrorFile()
    {
        SimulatorProfile failing = quiet_profile();
        failing.errors.server_error = 1.0;
        Simulator broken(failing);
        QVERIFY(broken.start());
        Http http;
        const ojson all_failed = start_batch(http, broken, chat_file(2), 0);
        QCOMPARE(all_failed["status"], ojson("completed"));
        QCOMPARE(all_failed["request_counts"], ojson({{"total", 2}, {"completed", 0}, {"failed", 2}}));
        QVERIFY(all_failed["output_file_id"].is_null());
        for (const auto& line : jsonl(content_of(http, broken, all_failed["error_file_id"]))) {
            QCOMPARE(line["response"]["status_code"], ojson(500));
            QCOMPARE(line["response"]["body"]["error"]["type"], ojson("server_error"));
            QVERIFY(line["error"].is_null());
        }

        // A body chat completions refuses fails with that endpoint's 400; the others answer.
        Simulator sim(quiet_profile());
        QVERIFY(sim.start());
        const ojson no_messages{{"model", "gpt-test-1"}};
        const std::string file =
            batch_line("good", chat_body("Fine question")) + "\n" + batch_line("bad", no_messages) + "\n";
        const ojson mixed = start_batch(http, sim, file, 0);
        QCOMPARE(mixed["request_counts"], ojson({{"total", 2}, {"completed", 1}, {"failed", 1}}));
        const auto output = jsonl(content_of(http, sim, mixed["output_file_id"]));
        QCOMPARE(output.size(), std::size_t(1));
        QCOMPARE(output[0]["custom_id"], ojson("good"));
        const auto errors = jsonl(content_of(http, sim, mixed["error_file_id"]));
        QCOMPARE(errors.size(), std::size_t(1));
        QCOMPARE(errors[0]["custom_id"], ojson("bad"));
        QCOMPARE(errors[0]["response"]["status_code"], ojson(400));
        const ojson sync = ojson::parse(http.post(url(sim, kChat), no_messages.dump()).body);
        QCOMPARE(errors[0]["response"]["body"].dump(), sync.dump());
        QCOMPARE(errors[0]["response"]["body"]["error"]["param"], ojson("messages"));

        // A request never answered (the hang fate) is a request_timeout, with no response.
        SimulatorProfile hanging = quiet_profile();
        hanging.errors.hang = 1.0;
        Simulator stuck(hanging);
        QVERIFY(stuck.start());
        const ojson timed_out = start_batch(http, stuck, chat_file(1), 0);
        const auto lines = jsonl(content_of(http, stuck, timed_out["error_file_id"]));
        QCOMPARE(lines.size(), std::size_t(1));
        QVERIFY(lines[0]["response"].is_null());
        QCOMPARE(lines[0]["error"]["code"], ojson("request_timeout"));
    }

    void badInputFileFailsTheBatch()
    {
        Simulator sim(quiet_profile());
        QVERIFY(sim.start());
        Http http;
        ojson no_method = ojson::parse(batch_line("request-5", chat_body("x")));
        no_method.erase("method");
        ojson get = ojson::parse(batch_line("request-6", chat_body("x")));
        get["method"] = "GET";
        const std::string file = batch_line("request-1", chat_body("x")) + "\n"  // line 1: good
            + "{not json\n"                                                       // 2
            + batch_line("request-1", chat_body("y")) + "\n"                       // 3: duplicate
            + batch_line("request-4", chat_body("x"), "/v1/embeddings") + "\n"     // 4: other url
            + no_method.dump() + "\n"                                              // 5
            + get.dump() + "\n"                                                    // 6
            + batch_line("request-7", ojson{{"model", "gpt-other"}, {"messages", ojson::array()}}) + "\n";  // 7
        const ojson created = start_batch(http, sim, file, 100);
        QCOMPARE(created["status"], ojson("validating"));
        QVERIFY(created["errors"].is_null());
        const ojson failed = poll_status(http, sim, created["id"], "failed");
        QCOMPARE(failed["status"], ojson("failed"));
        QVERIFY(!failed["failed_at"].is_null() && failed["in_progress_at"].is_null());
        QCOMPARE(failed["request_counts"]["total"], ojson(0));
        QVERIFY(failed["output_file_id"].is_null() && failed["error_file_id"].is_null());
        QCOMPARE(failed["errors"]["object"], ojson("list"));
        std::vector<std::pair<std::string, int>> got;
        for (const auto& error : failed["errors"]["data"]) {
            QCOMPARE(keys(error), QStringList({"code", "message", "param", "line"}));
            got.emplace_back(error["code"].get<std::string>(), error["line"].get<int>());
        }
        const std::vector<std::pair<std::string, int>> expected = {
            {"invalid_json_line", 2}, {"duplicate_custom_id", 3},        {"url_mismatch", 4},
            {"missing_required_parameter", 5}, {"invalid_value", 6}, {"model_mismatch", 7}};
        QCOMPARE(got, expected);
        QCOMPARE(failed["errors"]["data"][3]["param"], ojson("method"));

        const ojson empty = start_batch(http, sim, "\n", 0);
        QCOMPARE(empty["status"], ojson("failed"));
        QCOMPARE(empty["errors"]["data"][0]["code"], ojson("empty_file"));
        QVERIFY(empty["errors"]["data"][0]["line"].is_null());
    }

    void cancelBatch()
    {
        Simulator sim(quiet_profile());
        QVERIFY(sim.start());
        Http http;
        // Cancelled before any request ran: every one is listed as cancelled.
        const ojson early = start_batch(http, sim, chat_file(3), 3000);
        const std::string id = early["id"];
        const Reply cancelling = http.post(url(sim, "/v1/batches/" + id + "/cancel"), "");
        QCOMPARE(cancelling.status, 200L);
        const ojson asked = ojson::parse(cancelling.body);
        QCOMPARE(asked["status"], ojson("cancelling"));
        QVERIFY(!asked["cancelling_at"].is_null() && asked["cancelled_at"].is_null());
        const ojson cancelled = poll_status(http, sim, id, "cancelled");
        QCOMPARE(cancelled["status"], ojson("cancelled"));
        QVERIFY(!cancelled["cancelled_at"].is_null() && cancelled["completed_at"].is_null());
        QVERIFY(cancelled["output_file_id"].is_null());
        const auto lines = jsonl(content_of(http, sim, cancelled["error_file_id"]));
        QCOMPARE(lines.size(), std::size_t(3));
        for (const auto& line : lines) {
            QVERIFY(line["response"].is_null());
            QCOMPARE(line["error"]["code"], ojson("batch_cancelled"));
        }
        const Reply again = http.post(url(sim, "/v1/batches/" + id + "/cancel"), "");
        QCOMPARE(ojson::parse(again.body)["status"], ojson("cancelled"));

        // Cancelled half way: the requests done by then are in the output, the rest cancelled.
        const ojson midway = start_batch(http, sim, chat_file(20), 2000);
        std::this_thread::sleep_for(std::chrono::milliseconds(900));
        QCOMPARE(http.post(url(sim, "/v1/batches/" + midway["id"].get<std::string>() + "/cancel"), "").status, 200L);
        const ojson stopped = poll_status(http, sim, midway["id"], "cancelled");
        const auto answered = jsonl(content_of(http, sim, stopped["output_file_id"]));
        const auto unanswered = jsonl(content_of(http, sim, stopped["error_file_id"]));
        QVERIFY2(!answered.empty() && !unanswered.empty(), stopped.dump().c_str());
        QCOMPARE(answered.size() + unanswered.size(), std::size_t(20));
        QCOMPARE(stopped["request_counts"]["completed"].get<std::size_t>(), answered.size());

        const ojson finished = start_batch(http, sim, chat_file(1), 0);
        const Reply late = http.post(url(sim, "/v1/batches/" + finished["id"].get<std::string>() + "/cancel"), "");
        QCOMPARE(late.status, 400L);
        QCOMPARE(ojson::parse(late.body)["error"]["message"], ojson("Cannot cancel a batch with status 'completed'."));
    }

    void listBatches()
    {
        Simulator sim(quiet_profile());
        QVERIFY(sim.start());
        Http http;
        std::vector<std::string> ids;
        for (int i = 0; i < 3; ++i)
            ids.push_back(start_batch(http, sim, chat_file(1), 0)["id"]);
        const ojson page = get(http, sim, "/v1/batches?limit=2");
        QCOMPARE(keys(page), QStringList({"object", "data", "first_id", "last_id", "has_more"}));
        QCOMPARE(page["data"].size(), std::size_t(2));
        QCOMPARE(page["first_id"].get<std::string>(), ids[2]);  // newest first
        QCOMPARE(page["last_id"].get<std::string>(), ids[1]);
        QCOMPARE(page["has_more"], ojson(true));
        const ojson rest = get(http, sim, "/v1/batches?limit=2&after=" + ids[1]);
        QCOMPARE(rest["data"].size(), std::size_t(1));
        QCOMPARE(rest["data"][0]["id"].get<std::string>(), ids[0]);
        QCOMPARE(rest["has_more"], ojson(false));
        QCOMPARE(get(http, sim, "/v1/batches")["data"].size(), std::size_t(3));
        const Reply too_many = http.send(url(sim, "/v1/batches?limit=101"), nullptr);
        QCOMPARE(too_many.status, 400L);
        QCOMPARE(ojson::parse(too_many.body)["error"]["param"], ojson("limit"));
    }

    void createRefusals()
    {
        Simulator sim(quiet_profile());
        QVERIFY(sim.start());
        Http http;
        const std::string file_id = ojson::parse(upload(http, sim, chat_file(1)).body)["id"];
        const std::string notes_id = ojson::parse(upload(http, sim, "hello", "user_data", "notes.txt").body)["id"];
        const ojson good{{"input_file_id", file_id}, {"endpoint", kChat}, {"completion_window", "24h"}};
        auto with = [&](const char* key, ojson value) {
            ojson body = good;
            if (value.is_null())
                body.erase(key);
            else
                body[key] = std::move(value);
            return body.dump();
        };
        ojson crowded = ojson::object();
        for (int i = 0; i < 17; ++i)
            crowded["k" + std::to_string(i)] = "v";
        struct Case {
            std::string body;
            std::vector<std::string> headers;
            long status;
            std::string param;
        };
        const std::vector<Case> cases = {
            {with("input_file_id", nullptr), {}, 400, "input_file_id"},
            {with("input_file_id", "file-nope"), {}, 404, "input_file_id"},
            {with("input_file_id", notes_id), {}, 400, "input_file_id"},
            {with("endpoint", "/v1/completions"), {}, 400, "endpoint"},
            {with("completion_window", "1h"), {}, 400, "completion_window"},
            {with("metadata", crowded), {}, 400, "metadata"},
            {with("metadata", ojson{{"n", 1}}), {}, 400, "metadata.n"},
            {good.dump(), {"x-sim-batch-delay-ms: soon"}, 400, ""},
            {good.dump(), {"x-sim-batch-delay-ms: 86400001"}, 400, ""},
            {"{nope", {}, 400, ""},
        };
        for (const auto& each : cases) {
            const Reply reply = http.post(url(sim, "/v1/batches"), each.body, each.headers);
            QVERIFY2(reply.status == each.status, (each.body + " " + reply.body).c_str());
            const ojson error = ojson::parse(reply.body)["error"];
            QVERIFY2(error["param"] == (each.param.empty() ? ojson(nullptr) : ojson(each.param)), reply.body.c_str());
        }
        const Reply with_metadata = http.post(url(sim, "/v1/batches"), with("metadata", ojson{{"job", "nightly"}}));
        const ojson kept = ojson::parse(with_metadata.body);
        QCOMPARE(kept["metadata"], ojson({{"job", "nightly"}}));

        const Reply unknown = http.send(url(sim, "/v1/batches/batch_nope"), nullptr);
        QCOMPARE(unknown.status, 404L);
        QCOMPARE(ojson::parse(unknown.body)["error"]["message"], ojson("No batch found with id 'batch_nope'."));
        QCOMPARE(http.post(url(sim, "/v1/batches/batch_nope/cancel"), "").status, 404L);
        const std::string cancel_path = "/v1/batches/" + kept["id"].get<std::string>() + "/cancel";
        const Reply wrong_method = http.send(url(sim, cancel_path), nullptr);
        QCOMPARE(wrong_method.status, 404L);
        QVERIFY(ojson::parse(wrong_method.body)["error"]["message"].get<std::string>().starts_with("Invalid URL (GET"));
    }

    void profileDelayAndFates()
    {
        SimulatorProfile slow = quiet_profile();
        slow.batch_completion_ms = 400;
        Simulator sim(slow);
        QVERIFY(sim.start());
        Http http;
        const std::string file_id = ojson::parse(upload(http, sim, chat_file(2)).body)["id"];
        const auto started = std::chrono::steady_clock::now();
        const ojson body{{"input_file_id", file_id}, {"endpoint", kChat}, {"completion_window", "24h"}};
        const Reply created = http.post(url(sim, "/v1/batches"), body.dump());
        const std::string id = ojson::parse(created.body)["id"];
        QCOMPARE(poll_status(http, sim, id, "completed")["status"], ojson("completed"));
        const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
        QVERIFY2(seconds >= 0.35, std::to_string(seconds).c_str());

        // flaky.json fails some requests, the same ones every time; zero.json none.
        const std::string dir = std::string(SB_RESOURCES_DIR) + "/simulator/";
        auto failed_ids = [&](const std::string& profile_file) {
            auto profile = load_simulator_profile(dir + profile_file);
            std::vector<std::set<std::string>> runs;
            if (!profile)
                return runs;
            Simulator run(*profile);
            if (!run.start())
                return runs;
            const std::string file = chat_file(200);
            for (int i = 0; i < 2; ++i) {
                const ojson batch = start_batch(http, run, file, 0);
                std::set<std::string> failed;
                for (const auto& line : jsonl(content_of(http, run, batch["error_file_id"]))) {
                    const int status = line["response"]["status_code"].get<int>();
                    if (status != 429 && status != 500 && status != 503)
                        failed.insert("unexpected status " + std::to_string(status));
                    failed.insert(line["custom_id"].get<std::string>());
                }
                if (batch["request_counts"]["failed"].get<std::size_t>() != failed.size())
                    failed.insert("request_counts disagree");
                runs.push_back(failed);
            }
            return runs;
        };
        const auto flaky = failed_ids("flaky.json");
        QCOMPARE(flaky.size(), std::size_t(2));
        QVERIFY2(flaky[0].size() >= 4 && flaky[0].size() <= 40, std::to_string(flaky[0].size()).c_str());
        QCOMPARE(flaky[0], flaky[1]);
        const auto zero = failed_ids("zero.json");
        QCOMPARE(zero.size(), std::size_t(2));
        QVERIFY(zero[0].empty() && zero[1].empty());
    }

    // A thousand requests of some kilobytes each: a few MB, read whole by the server.
    void largeBatches()
    {
        Simulator sim(quiet_profile());
        QVERIFY(sim.start());
        Http http;
        const std::string padding(3000, 'p');
        const std::string file = chat_file(1000, " " + padding);
        QVERIFY(file.size() > 3'000'000);
        const ojson batch = start_batch(http, sim, file, 0);
        QCOMPARE(batch["request_counts"], ojson({{"total", 1000}, {"completed", 1000}, {"failed", 0}}));
        QCOMPARE(jsonl(content_of(http, sim, batch["output_file_id"])).size(), std::size_t(1000));

        ojson requests = ojson::array();
        for (int i = 0; i < 1000; ++i)
            requests.push_back(
                {{"custom_id", "r" + std::to_string(i)}, {"params", messages_body(question(i) + padding)}});
        const Reply created = create_message_batch(http, sim, requests, 0);
        QCOMPARE(created.status, 200L);
        QCOMPARE(ojson::parse(created.body)["request_counts"]["succeeded"], ojson(1000));
    }

    // Bodies announced larger than the endpoint takes are refused before they are read.
    void oversizedBodies()
    {
        Simulator sim(quiet_profile());
        QVERIFY(sim.start());
        auto head = [](const std::string& path, std::uint64_t length) {
            return "POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                   "Content-Length: " + std::to_string(length) + "\r\n\r\n";
        };
        const std::string upload = raw_exchange(sim.port(), head("/v1/files", 300'000'000));
        QVERIFY2(upload.starts_with("HTTP/1.1 413"), upload.c_str());
        QVERIFY(upload.find("\"invalid_request_error\"") != std::string::npos);
        const std::string messages = raw_exchange(sim.port(), head("/v1/messages/batches", 300'000'000));
        QVERIFY2(messages.starts_with("HTTP/1.1 413"), messages.c_str());
        QVERIFY(messages.find("\"request_too_large\"") != std::string::npos);
        const std::string chat = raw_exchange(sim.port(), head(kChat, 40'000'000));
        QVERIFY2(chat.starts_with("HTTP/1.1 413"), chat.c_str());
        // Under their limits, the same announcements are waited for (the body never comes).
        QVERIFY(raw_exchange(sim.port(), head("/v1/files", 100'000'000), 300).empty());
    }

    void anthropicBatch()
    {
        Simulator sim(quiet_profile());
        QVERIFY(sim.start());
        Http http;
        ojson broken = messages_body("No limit given");
        broken.erase("max_tokens");
        const ojson requests =
            ojson::array({ojson{{"custom_id", "first"}, {"params", messages_body("Summarize routing")}},
                          ojson{{"custom_id", "second"}, {"params", messages_body("Explain retries")}},
                          ojson{{"custom_id", "broken"}, {"params", broken}}});
        const Reply created = create_message_batch(http, sim, requests, 1000);
        QCOMPARE(created.status, 200L);
        QVERIFY(created.header("request-id").starts_with("req_"));
        const ojson batch = ojson::parse(created.body);
        QCOMPARE(keys(batch), kMessageBatchKeys);
        const std::string id = batch["id"];
        QVERIFY(id.starts_with("msgbatch_01"));
        QCOMPARE(batch["type"], ojson("message_batch"));
        QCOMPARE(batch["processing_status"], ojson("in_progress"));
        QCOMPARE(batch["request_counts"],
                 ojson({{"processing", 3}, {"succeeded", 0}, {"errored", 0}, {"canceled", 0}, {"expired", 0}}));
        QVERIFY(batch["ended_at"].is_null() && batch["results_url"].is_null() && batch["archived_at"].is_null());
        const std::regex rfc3339(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z)");
        QVERIFY(std::regex_match(batch["created_at"].get<std::string>(), rfc3339));
        QVERIFY(std::regex_match(batch["expires_at"].get<std::string>(), rfc3339));

        const Reply early = http.send(url(sim, "/v1/messages/batches/" + id + "/results"), nullptr);
        QCOMPARE(early.status, 400L);
        QCOMPARE(ojson::parse(early.body)["error"]["type"], ojson("invalid_request_error"));

        const ojson ended = poll(http, url(sim, "/v1/messages/batches/" + id),
                                 [](const ojson& b) { return b["processing_status"] == "ended"; });
        QCOMPARE(ended["processing_status"], ojson("ended"));
        QCOMPARE(ended["request_counts"],
                 ojson({{"processing", 0}, {"succeeded", 2}, {"errored", 1}, {"canceled", 0}, {"expired", 0}}));
        QVERIFY(std::regex_match(ended["ended_at"].get<std::string>(), rfc3339));
        const std::string results_url = ended["results_url"];
        QCOMPARE(results_url, url(sim, "/v1/messages/batches/" + id + "/results"));

        const Reply results = http.send(results_url, nullptr);
        QCOMPARE(results.status, 200L);
        std::map<std::string, ojson> by_id;
        for (const auto& line : jsonl(results.body)) {
            QCOMPARE(keys(line), QStringList({"custom_id", "result"}));
            by_id[line["custom_id"]] = line["result"];
        }
        QCOMPARE(by_id.size(), std::size_t(3));
        using Asked = std::pair<std::string, std::string>;
        for (const auto& [custom_id, text] :
             {Asked{"first", "Summarize routing"}, Asked{"second", "Explain retries"}}) {
            const ojson& result = by_id[custom_id];
            QCOMPARE(result["type"], ojson("succeeded"));
            // The synchronous answer, billed at the batch tier.
            ojson sync = ojson::parse(http.post(url(sim, "/v1/messages"), messages_body(text).dump()).body);
            QCOMPARE(sync["usage"]["service_tier"], ojson("standard"));
            sync["usage"]["service_tier"] = "batch";
            QCOMPARE(without_ids(result["message"]).dump(), without_ids(sync).dump());
        }
        const ojson& errored = by_id["broken"];
        QCOMPARE(errored["type"], ojson("errored"));
        QCOMPARE(errored["error"]["type"], ojson("error"));
        QCOMPARE(errored["error"]["error"]["type"], ojson("invalid_request_error"));
        const ojson sync_error = ojson::parse(http.post(url(sim, "/v1/messages"), broken.dump()).body);
        QCOMPARE(errored["error"]["error"]["message"], sync_error["error"]["message"]);
        QVERIFY(errored["error"]["error"]["message"].get<std::string>().find("max_tokens") != std::string::npos);
    }

    void anthropicRefusals_data()
    {
        QTest::addColumn<QString>("requests");
        QTest::addColumn<QString>("message");
        const QString params =
            QStringLiteral(R"({"model":"m","max_tokens":5,"messages":[{"role":"user","content":"x"}]})");
        auto one = [&](const QString& custom_id) {
            return QStringLiteral(R"([{"custom_id":%1,"params":%2}])").arg(custom_id, params);
        };
        QTest::newRow("pattern") << one(QStringLiteral(R"("has space")"))
                                 << "requests.0.custom_id: String should match pattern '^[a-zA-Z0-9_-]{1,64}$'";
        QTest::newRow("second item")
            << QStringLiteral(R"([{"custom_id":"ok","params":%1},{"custom_id":"no/slash","params":%1}])").arg(params)
            << "requests.1.custom_id: String should match pattern";
        QTest::newRow("too long") << one("\"" + QString(65, QLatin1Char('a')) + "\"")
                                  << "requests.0.custom_id: String should have at most 64 characters";
        QTest::newRow("empty") << one(QStringLiteral(R"("")"))
                               << "requests.0.custom_id: String should have at least 1 character";
        QTest::newRow("not a string") << one(QStringLiteral("7"))
                                      << "requests.0.custom_id: Input should be a valid string";
        QTest::newRow("missing") << QStringLiteral(R"([{"params":%1}])").arg(params)
                                 << "requests.0.custom_id: Field required";
        QTest::newRow("duplicate")
            << QStringLiteral(R"([{"custom_id":"a","params":%1},{"custom_id":"a","params":%1}])").arg(params)
            << "requests.1.custom_id: Duplicate custom_id 'a'";
        QTest::newRow("no params") << QStringLiteral(R"([{"custom_id":"a"}])") << "requests.0.params: Field required";
        QTest::newRow("params not an object") << QStringLiteral(R"([{"custom_id":"a","params":[]}])")
                                              << "requests.0.params: Input should be a valid dictionary";
        QTest::newRow("none") << QStringLiteral("[]")
                              << "requests: List should have at least 1 item after validation, not 0";
        QTest::newRow("not a list") << QStringLiteral("{}") << "requests: Input should be a valid list";
    }

    void anthropicRefusals()
    {
        QFETCH(QString, requests);
        QFETCH(QString, message);
        Simulator sim(quiet_profile());
        QVERIFY(sim.start());
        Http http;
        const std::string sent = "{\"requests\":" + requests.toStdString() + "}";
        const Reply reply = http.post(url(sim, "/v1/messages/batches"), sent);
        QCOMPARE(reply.status, 400L);
        const ojson body = ojson::parse(reply.body);
        QCOMPARE(body["type"], ojson("error"));
        QCOMPARE(body["error"]["type"], ojson("invalid_request_error"));
        QVERIFY2(body["error"]["message"].get<std::string>().starts_with(message.toStdString()), reply.body.c_str());
    }

    void anthropicLimitsAndUnknownIds()
    {
        Simulator sim(quiet_profile());
        QVERIFY(sim.start());
        Http http;
        std::string many = "{\"requests\":[";
        for (int i = 0; i <= 100'000; ++i)
            many += (i ? ",{\"custom_id\":\"r" : "{\"custom_id\":\"r") + std::to_string(i) + "\",\"params\":{}}";
        many += "]}";
        const Reply too_many = http.post(url(sim, "/v1/messages/batches"), many);
        QCOMPARE(too_many.status, 400L);
        QCOMPARE(ojson::parse(too_many.body)["error"]["message"],
                 ojson("requests: List should have at most 100000 items after validation, not 100001"));

        for (const std::string path :
             {"/v1/messages/batches/msgbatch_nope", "/v1/messages/batches/msgbatch_nope/results"}) {
            const Reply reply = http.send(url(sim, path), nullptr);
            QCOMPARE(reply.status, 404L);
            QCOMPARE(ojson::parse(reply.body)["error"]["type"], ojson("not_found_error"));
        }
        QCOMPARE(http.post(url(sim, "/v1/messages/batches/msgbatch_nope/cancel"), "").status, 404L);
        QCOMPARE(http.remove(url(sim, "/v1/messages/batches/msgbatch_nope")).status, 404L);
        const Reply delay = create_message_batch(http, sim, ojson::parse(R"([{"custom_id":"a","params":{}}])"), -1);
        QCOMPARE(delay.status, 400L);
        QVERIFY(ojson::parse(delay.body)["error"]["message"].get<std::string>().starts_with("x-sim-batch-delay-ms"));
    }

    void anthropicCancelListDelete()
    {
        Simulator sim(quiet_profile());
        QVERIFY(sim.start());
        Http http;
        const ojson three = ojson::array({ojson{{"custom_id", "a"}, {"params", messages_body("one")}},
                                          ojson{{"custom_id", "b"}, {"params", messages_body("two")}},
                                          ojson{{"custom_id", "c"}, {"params", messages_body("three")}}});
        const std::string slow = ojson::parse(create_message_batch(http, sim, three, 3000).body)["id"];
        const std::string quick = ojson::parse(create_message_batch(http, sim, three, 0).body)["id"];

        const std::string base = url(sim, "/v1/messages/batches");
        const ojson all = ojson::parse(http.send(base, nullptr).body);
        QCOMPARE(keys(all), QStringList({"data", "has_more", "first_id", "last_id"}));
        QCOMPARE(all["data"].size(), std::size_t(2));
        QCOMPARE(all["first_id"].get<std::string>(), quick);  // newest first
        QCOMPARE(all["last_id"].get<std::string>(), slow);
        QCOMPARE(all["has_more"], ojson(false));
        const ojson first_page = ojson::parse(http.send(base + "?limit=1", nullptr).body);
        QCOMPARE(first_page["last_id"].get<std::string>(), quick);
        QCOMPARE(first_page["has_more"], ojson(true));
        const ojson older = ojson::parse(http.send(base + "?limit=1&after_id=" + quick, nullptr).body);
        QCOMPARE(older["first_id"].get<std::string>(), slow);
        const ojson newer = ojson::parse(http.send(base + "?before_id=" + slow, nullptr).body);
        QCOMPARE(newer["first_id"].get<std::string>(), quick);
        QCOMPARE(http.send(base + "?limit=1001", nullptr).status, 400L);

        // Only an ended batch can be deleted.
        QCOMPARE(http.remove(base + "/" + slow).status, 400L);
        const Reply deleted = http.remove(base + "/" + quick);
        QCOMPARE(deleted.status, 200L);
        QCOMPARE(deleted.body, ojson({{"id", quick}, {"type", "message_batch_deleted"}}).dump());
        QCOMPARE(http.send(base + "/" + quick, nullptr).status, 404L);

        const Reply cancel = http.post(base + "/" + slow + "/cancel", "");
        QCOMPARE(cancel.status, 200L);
        const ojson canceling = ojson::parse(cancel.body);
        QCOMPARE(canceling["processing_status"], ojson("canceling"));
        QVERIFY(!canceling["cancel_initiated_at"].is_null());
        const ojson ended =
            poll(http, base + "/" + slow, [](const ojson& b) { return b["processing_status"] == "ended"; });
        QCOMPARE(ended["request_counts"],
                 ojson({{"processing", 0}, {"succeeded", 0}, {"errored", 0}, {"canceled", 3}, {"expired", 0}}));
        for (const auto& line : jsonl(http.send(ended["results_url"].get<std::string>(), nullptr).body))
            QCOMPARE(line["result"], ojson({{"type", "canceled"}}));
        QCOMPARE(http.post(base + "/" + slow + "/cancel", "").status, 400L);
    }

    void apiKeys()
    {
        SimulatorOptions options;
        options.api_key = run_key();
        Simulator sim(quiet_profile(), options);
        QVERIFY(sim.start());
        Http http;
        const std::string bearer = "Authorization: Bearer " + run_key();

        const Reply missing = http.send(url(sim, "/v1/files"), nullptr);
        QCOMPARE(missing.status, 401L);
        const std::string missing_message = ojson::parse(missing.body)["error"]["message"];
        QVERIFY(missing_message.starts_with("You didn't provide an API key"));
        const Reply wrong = http.post(url(sim, "/v1/batches"), "{}", {"Authorization: Bearer sk-wrong"});
        QCOMPARE(wrong.status, 401L);
        QCOMPARE(ojson::parse(wrong.body)["error"]["code"], ojson("invalid_api_key"));
        const Reply uploaded = upload(http, sim, chat_file(1), "batch", "in.jsonl", {bearer});
        QCOMPARE(uploaded.status, 200L);
        QCOMPARE(http.send(url(sim, "/v1/batches"), nullptr, {bearer}).status, 200L);

        // Anthropic's batches take x-api-key, as /v1/messages does; the OpenAI header does not do.
        const Reply openai_header = http.send(url(sim, "/v1/messages/batches"), nullptr, {bearer});
        QCOMPARE(openai_header.status, 401L);
        QCOMPARE(ojson::parse(openai_header.body)["error"]["type"], ojson("authentication_error"));
        QCOMPARE(http.send(url(sim, "/v1/messages/batches"), nullptr, {"x-api-key: sk-wrong"}).status, 401L);
        QCOMPARE(http.send(url(sim, "/v1/messages/batches"), nullptr, {"x-api-key: " + run_key()}).status, 200L);
        QCOMPARE(sim.stats().count(SimOutcome::auth), 4u);
    }
};

QTEST_GUILESS_MAIN(tst_SimulatorBatches)
#include "tst_simulator_batches.moc"
