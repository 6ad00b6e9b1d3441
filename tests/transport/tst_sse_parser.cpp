#include "transport/sse_parser.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QtTest>

#include <string>
#include <vector>

using sb::SseEvent;
using sb::SseParser;

namespace {

std::string read_file(const QString& relative) {
    QFile file(QStringLiteral(SB_TESTDATA_DIR "/") + relative);
    if (!file.open(QIODevice::ReadOnly)) return {};
    return file.readAll().toStdString();
}

// Parses `chunks` in order; `truncated` receives finish()'s answer.
std::vector<SseEvent> parse_chunks(const std::vector<std::string_view>& chunks, bool* truncated = nullptr,
                                   SseParser* reuse = nullptr) {
    SseParser local;
    SseParser& parser = reuse ? *reuse : local;
    std::vector<SseEvent> events;
    for (const auto chunk : chunks) parser.feed(chunk, [&](SseEvent&& e) { events.push_back(std::move(e)); });
    const bool pending = parser.finish();
    if (truncated) *truncated = pending;
    return events;
}

std::vector<SseEvent> parse_whole(std::string_view text, bool* truncated = nullptr) {
    return parse_chunks({text}, truncated);
}

bool same_events(const std::vector<SseEvent>& a, const std::vector<SseEvent>& b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i)
        if (a[i].event != b[i].event || a[i].data != b[i].data || a[i].id != b[i].id) return false;
    return true;
}

std::string replace_lf(std::string_view text, std::string_view with) {
    std::string out;
    for (char c : text) {
        if (c == '\n')
            out.append(with);
        else
            out.push_back(c);
    }
    return out;
}

// Parsing at every two-chunk split and byte by byte must give `expected`.
void check_every_split(const std::string& text, const std::vector<SseEvent>& expected) {
    const std::string_view view(text);
    for (std::size_t split = 0; split <= view.size(); ++split) {
        bool truncated = true;
        const auto events = parse_chunks({view.substr(0, split), view.substr(split)}, &truncated);
        if (!same_events(events, expected)) QFAIL(qPrintable(QStringLiteral("split at %1 differs").arg(split)));
        QVERIFY(!truncated);
    }
    SseParser parser;
    std::vector<SseEvent> events;
    for (char c : text) parser.feed(std::string_view(&c, 1), [&](SseEvent&& e) { events.push_back(std::move(e)); });
    QVERIFY(!parser.finish());
    QVERIFY(same_events(events, expected));
}

// The `data: ` payloads of a sample file, read line by line: what the parser must reproduce.
std::vector<std::string> data_lines(std::string_view text) {
    std::vector<std::string> out;
    std::size_t pos = 0;
    while (pos < text.size()) {
        std::size_t end = text.find('\n', pos);
        if (end == std::string_view::npos) end = text.size();
        const std::string_view line = text.substr(pos, end - pos);
        if (line.starts_with("data: ")) out.emplace_back(line.substr(6));
        pos = end + 1;
    }
    return out;
}

std::vector<std::string> sse_strings_of(const QString& errors_file) {
    std::vector<std::string> out;
    const auto doc = QJsonDocument::fromJson(QByteArray::fromStdString(read_file(errors_file)));
    for (const auto& item : doc.array()) {
        const auto sse = item.toObject().value(QStringLiteral("sse"));
        if (sse.isString()) out.push_back(sse.toString().toStdString());
    }
    return out;
}

}  // namespace

class TestSseParser final : public QObject {
    Q_OBJECT

private slots:
    void samples_any_split_data();
    void samples_any_split();
    void openai_stream_content();
    void openai_current_stream_content();
    void anthropic_stream_names_and_padding();
    void anthropic_error_stream();
    void errors_json_sse_cases();
    void comments_and_multiline_data();
    void field_forms();
    void event_without_data_not_dispatched();
    void id_persists_and_retry_kept();
    void bom_skipped_only_at_start();
    void cr_then_lf_across_chunks_is_one_line_end();
    void truncated_stream_reported();
    void oversize_event_fails();
    void reset_after_failure();
};

void TestSseParser::samples_any_split_data() {
    QTest::addColumn<QString>("file");
    QTest::addColumn<QString>("line_end");
    for (const char* file : {"openai/chat-completion-stream.txt", "openai/chat-completion-stream-current.txt",
                             "anthropic/message-stream.txt", "anthropic/message-stream-error.txt"}) {
        for (const char* ending : {"LF", "CRLF", "CR"}) {
            QTest::addRow("%s %s", file, ending) << QString::fromLatin1(file) << QString::fromLatin1(ending);
        }
    }
}

void TestSseParser::samples_any_split() {
    QFETCH(QString, file);
    QFETCH(QString, line_end);
    const std::string original = read_file(QStringLiteral("wire/") + file);
    QVERIFY(!original.empty());
    const auto reference = parse_whole(original);
    QVERIFY(reference.size() >= 6);

    std::string text = original;
    if (line_end == QLatin1String("CRLF")) text = replace_lf(original, "\r\n");
    if (line_end == QLatin1String("CR")) text = replace_lf(original, "\r");
    QVERIFY(same_events(parse_whole(text), reference));
    check_every_split(text, reference);
}

void TestSseParser::openai_stream_content() {
    const std::string text = read_file(QStringLiteral("wire/openai/chat-completion-stream.txt"));
    bool truncated = true;
    const auto events = parse_whole(text, &truncated);
    QVERIFY(!truncated);
    // Role chunk, 30 content deltas, the finish chunk, the usage chunk, [DONE].
    QCOMPARE(events.size(), std::size_t{34});
    for (const auto& e : events) {
        QVERIFY(e.event.empty());
        QVERIFY(e.id.empty());
    }
    QVERIFY(events.front().data.find(R"("role":"assistant")") != std::string::npos);
    QCOMPARE(events.back().data, std::string("[DONE]"));
    QVERIFY(events[events.size() - 2].data.find(R"("choices":[],"usage":)") != std::string::npos);
    QVERIFY(events[events.size() - 3].data.find(R"("finish_reason":"stop")") != std::string::npos);
    const auto lines = data_lines(text);
    QCOMPARE(lines.size(), events.size());
    for (std::size_t i = 0; i + 1 < events.size(); ++i) {
        QCOMPARE(events[i].data, lines[i]);
        QJsonParseError error{};
        QJsonDocument::fromJson(QByteArray::fromStdString(events[i].data), &error);
        QCOMPARE(error.error, QJsonParseError::NoError);
    }
}

void TestSseParser::openai_current_stream_content() {
    const std::string text = read_file(QStringLiteral("wire/openai/chat-completion-stream-current.txt"));
    const auto events = parse_whole(text);
    const auto lines = data_lines(text);
    QCOMPARE(events.size(), lines.size());
    QCOMPARE(events.size(), std::size_t{13});
    QCOMPARE(events.back().data, std::string("[DONE]"));
    QVERIFY(events.front().data.find(R"("obfuscation")") != std::string::npos);
    for (std::size_t i = 0; i < events.size(); ++i) QCOMPARE(events[i].data, lines[i]);
}

void TestSseParser::anthropic_stream_names_and_padding() {
    const std::string text = read_file(QStringLiteral("wire/anthropic/message-stream.txt"));
    const auto events = parse_whole(text);
    const std::vector<std::string> names = {
        "message_start",       "content_block_start", "ping",          "content_block_delta",
        "content_block_delta", "content_block_delta", "content_block_delta", "content_block_stop",
        "message_delta",       "message_stop"};
    QCOMPARE(events.size(), names.size());
    for (std::size_t i = 0; i < names.size(); ++i) QCOMPARE(events[i].event, names[i]);
    // The padding before the closing brace is kept byte-exact.
    QCOMPARE(events[7].data, std::string(R"({"type":"content_block_stop","index":0        })"));
    QCOMPARE(events[2].data, std::string(R"({"type": "ping"})"));
    QCOMPARE(events[9].data, std::string(R"({"type":"message_stop"              })"));
    const auto lines = data_lines(text);
    QCOMPARE(lines.size(), events.size());
    for (std::size_t i = 0; i < events.size(); ++i) QCOMPARE(events[i].data, lines[i]);
}

void TestSseParser::anthropic_error_stream() {
    const auto events = parse_whole(read_file(QStringLiteral("wire/anthropic/message-stream-error.txt")));
    QCOMPARE(events.size(), std::size_t{6});
    QCOMPARE(events[4].event, std::string("content_block_delta"));
    QCOMPARE(events.back().event, std::string("error"));
    QVERIFY(events.back().data.find("overloaded_error") != std::string::npos);
}

void TestSseParser::errors_json_sse_cases() {
    const auto openai = sse_strings_of(QStringLiteral("wire/openai/errors.json"));
    const auto anthropic = sse_strings_of(QStringLiteral("wire/anthropic/errors.json"));
    QVERIFY(!openai.empty());
    QVERIFY(!anthropic.empty());
    for (const auto& sse : openai) {
        const auto events = parse_whole(sse);
        QCOMPARE(events.size(), std::size_t{2});
        QVERIFY(events.back().event.empty());
        QVERIFY(events.back().data.starts_with(R"({"error":)"));
        for (const char* ending : {"\n", "\r\n", "\r"}) check_every_split(replace_lf(sse, ending), events);
    }
    for (const auto& sse : anthropic) {
        const auto events = parse_whole(sse);
        QCOMPARE(events.size(), std::size_t{1});
        QCOMPARE(events.front().event, std::string("error"));
        QVERIFY(events.front().data.find("overloaded_error") != std::string::npos);
        for (const char* ending : {"\n", "\r\n", "\r"}) check_every_split(replace_lf(sse, ending), events);
    }
}

void TestSseParser::comments_and_multiline_data() {
    const std::string text = ": keep-alive\ndata: a\n:comment in the middle\ndata:b\ndata:  c\n\n: trailing\n";
    bool truncated = true;
    const auto events = parse_whole(text, &truncated);
    QCOMPARE(events.size(), std::size_t{1});
    // Only the first space after the colon is stripped.
    QCOMPARE(events[0].data, std::string("a\nb\n c"));
    QVERIFY(!truncated);
    check_every_split(text, events);
}

void TestSseParser::field_forms() {
    // A bare "data" line is a data field with an empty value; the event is still dispatched.
    auto events = parse_whole("data\n\n");
    QCOMPARE(events.size(), std::size_t{1});
    QCOMPARE(events[0].data, std::string());
    // Two empty data lines join to one newline; unknown fields are ignored.
    events = parse_whole("data:\ndata:\nfoo: bar\n\n");
    QCOMPARE(events.size(), std::size_t{1});
    QCOMPARE(events[0].data, std::string("\n"));
    // Colons after the first belong to the value.
    events = parse_whole("event:a:b\ndata: x: y\n\n");
    QCOMPARE(events[0].event, std::string("a:b"));
    QCOMPARE(events[0].data, std::string("x: y"));
}

void TestSseParser::event_without_data_not_dispatched() {
    const auto events = parse_whole("event: ping\n\ndata: next\n\n");
    QCOMPARE(events.size(), std::size_t{1});
    // The type of the undispatched event does not leak into the next one.
    QVERIFY(events[0].event.empty());
    QCOMPARE(events[0].data, std::string("next"));
}

void TestSseParser::id_persists_and_retry_kept() {
    SseParser parser;
    std::vector<SseEvent> events;
    parser.feed("id: 7\nretry: 1500\ndata: a\n\ndata: b\n\nretry: soon\nid\ndata: c\n\n",
                [&](SseEvent&& e) { events.push_back(std::move(e)); });
    QCOMPARE(events.size(), std::size_t{3});
    QCOMPARE(events[0].id, std::string("7"));
    QCOMPARE(events[1].id, std::string("7"));
    QCOMPARE(events[2].id, std::string());
    QVERIFY(parser.retry_ms().has_value());
    QCOMPARE(*parser.retry_ms(), 1500LL);  // an invalid retry value is ignored
}

void TestSseParser::bom_skipped_only_at_start() {
    const std::string text = "\xEF\xBB\xBF" "data: x\n\n\xEF\xBB\xBF" "data: y\n\ndata: z\n\n";
    const auto events = parse_whole(text);
    // The second BOM makes its line an unknown field, so "y" is never a data line.
    QCOMPARE(events.size(), std::size_t{2});
    QCOMPARE(events[0].data, std::string("x"));
    QCOMPARE(events[1].data, std::string("z"));
    check_every_split(text, events);
    // A stream that merely starts with a BOM-like byte is not swallowed.
    const auto other = parse_whole("\xEF" "data: q\n\ndata: r\n\n");
    QCOMPARE(other.size(), std::size_t{1});
    QCOMPARE(other[0].data, std::string("r"));
}

void TestSseParser::cr_then_lf_across_chunks_is_one_line_end() {
    bool truncated = true;
    auto events = parse_chunks({"data: a\r", "\ndata: b\r", "\n\r", "\n"}, &truncated);
    QCOMPARE(events.size(), std::size_t{1});
    QCOMPARE(events[0].data, std::string("a\nb"));
    QVERIFY(!truncated);
    // CR CR is two line ends: a blank line, so the event ends there.
    events = parse_chunks({"data: a\r", "\r", "data: b\r\r"});
    QCOMPARE(events.size(), std::size_t{2});
    QCOMPARE(events[1].data, std::string("b"));
}

void TestSseParser::truncated_stream_reported() {
    bool truncated = false;
    QVERIFY(parse_whole("data: partial", &truncated).empty());
    QVERIFY(truncated);
    truncated = false;
    QVERIFY(parse_whole("data: one\n\ndata: no blank line\n", &truncated).size() == 1);
    QVERIFY(truncated);
    truncated = true;
    QCOMPARE(parse_whole("data: x\n\n", &truncated).size(), std::size_t{1});
    QVERIFY(!truncated);
    truncated = true;
    QVERIFY(parse_whole("", &truncated).empty());
    QVERIFY(!truncated);
}

void TestSseParser::oversize_event_fails() {
    // One endless line, fed in small chunks.
    SseParser line_parser(1024);
    int count = 0;
    const std::string chunk(100, 'x');
    line_parser.feed("data: ", [&](SseEvent&&) { ++count; });
    for (int i = 0; i < 20; ++i) line_parser.feed(chunk, [&](SseEvent&&) { ++count; });
    QVERIFY(line_parser.failed());
    QVERIFY(QString::fromStdString(line_parser.error()).contains(QLatin1String("1024")));
    line_parser.feed("\n\ndata: after\n\n", [&](SseEvent&&) { ++count; });
    QCOMPARE(count, 0);

    // Many short data lines with no blank line.
    SseParser lines_parser(1024);
    for (int i = 0; i < 200 && !lines_parser.failed(); ++i) lines_parser.feed("data: 0123456789\n", {});
    QVERIFY(lines_parser.failed());

    // An event right at the limit is fine.
    SseParser exact(64);
    std::vector<SseEvent> events;
    exact.feed("data: " + std::string(50, 'y') + "\n\n", [&](SseEvent&& e) { events.push_back(std::move(e)); });
    QVERIFY(!exact.failed());
    QCOMPARE(events.size(), std::size_t{1});
    QCOMPARE(events[0].data.size(), std::size_t{50});
}

void TestSseParser::reset_after_failure() {
    SseParser parser(16);
    parser.feed("data: this line is far too long\n\n", {});
    QVERIFY(parser.failed());
    parser.reset();
    QVERIFY(!parser.failed());
    QVERIFY(parser.error().empty());
    bool truncated = true;
    const auto events = parse_chunks({"data: ok\n\n"}, &truncated, &parser);
    QCOMPARE(events.size(), std::size_t{1});
    QCOMPARE(events[0].data, std::string("ok"));
}

QTEST_GUILESS_MAIN(TestSseParser)
#include "tst_sse_parser.moc"
