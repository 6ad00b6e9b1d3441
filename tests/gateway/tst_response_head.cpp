// The hand-written response head must be HTTP that a real parser (Beast's) reads back with
// every header, and must not let a value start a header of its own.
#include <QTest>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <ostream>
#include <string>

#include "gateway/response_head.h"

namespace http = boost::beast::http;

namespace {

// Parses `bytes` as one response; the parser must consume all of it.
http::response<http::string_body> parse(const std::string& bytes) {
    http::response_parser<http::string_body> parser;
    parser.eager(true);
    boost::beast::error_code ec;
    std::size_t used = parser.put(boost::asio::buffer(bytes), ec);
    if (!ec && !parser.is_done()) used += parser.put(boost::asio::buffer(bytes.data() + used, bytes.size() - used), ec);
    if (ec) qFatal("not HTTP: %s\n%s", ec.message().c_str(), bytes.c_str());
    if (used != bytes.size()) qFatal("%zu of %zu bytes read", used, bytes.size());
    return parser.release();
}

}  // namespace

class TestResponseHead : public QObject {
    Q_OBJECT
private slots:
    void answerWithBody() {
        const sb::Headers headers = {{"content-type", "application/json"},
                                     {"x-request-id", "sb-1"},
                                     {"X-Request-Id", "sb-2"},      // given twice: the last one counts
                                     {"content-length", "999"},     // framing is the writer's
                                     {"connection", "keep-alive"}};
        const std::string body = R"({"ok":true})";
        const std::string bytes = sb::response_head(201, headers, true, body.size()) + body;
        QVERIFY(bytes.starts_with("HTTP/1.1 201 Created\r\n"));
        const auto response = parse(bytes);
        QCOMPARE(response.result_int(), 201u);
        QCOMPARE(std::string(response[http::field::content_type]), std::string("application/json"));
        QCOMPARE(std::string(response["x-request-id"]), std::string("sb-2"));
        QCOMPARE(response.count("x-request-id"), std::size_t(1));
        QCOMPARE(std::string(response[http::field::content_length]), std::to_string(body.size()));
        QCOMPARE(response.count(http::field::content_length), std::size_t(1));
        QVERIFY(response.keep_alive());
        QCOMPARE(response.body(), body);
    }

    void closingAndChunked() {
        const std::string closing = sb::response_head(503, {{"retry-after", "2"}}, false, 0);
        const auto response = parse(closing);
        QCOMPARE(response.result_int(), 503u);
        QVERIFY(!response.keep_alive());
        QCOMPARE(std::string(response["retry-after"]), std::string("2"));

        const std::string chunked =
            sb::response_head(200, {{"content-type", "text/event-stream"}}, true, std::nullopt) +
            "5\r\ndata:\r\n0\r\n\r\n";
        const auto stream = parse(chunked);
        QVERIFY(stream.chunked());
        QCOMPARE(stream.body(), std::string("data:"));
    }

    void lineBreaksCannotAddAHeader() {
        const std::string bytes =
            sb::response_head(200, {{"x-switchboard-model", "gpt\r\nset-cookie: stolen=1"}}, true, 0);
        const auto response = parse(bytes);
        QCOMPARE(response.count("set-cookie"), std::size_t(0));
        QCOMPARE(std::string(response["x-switchboard-model"]), std::string("gpt  set-cookie: stolen=1"));

        std::string trailer;
        sb::append_header_line(trailer, "x-switchboard-cache", "hit\nx: y");
        QCOMPARE(trailer, std::string("x-switchboard-cache: hit x: y\r\n"));
    }
};

QTEST_APPLESS_MAIN(TestResponseHead)
#include "tst_response_head.moc"
