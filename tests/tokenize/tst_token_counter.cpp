// Exact BPE counts against the published tokenizer's reference counts
// (tests/data/tokenizer, made by tools/make-token-reference.mjs), and the self-calibrating
// estimate for models without a public tokenizer.
#include <cmath>
#include <fstream>
#include <map>
#include <numeric>
#include <memory>
#include <thread>

#include <QtTest>

#include <nlohmann/json.hpp>

#include "model/chat.h"
#include "model/token_estimate.h"
#include "tokenize/bpe_tokenizer.h"
#include "tokenize/pretokenizer.h"
#include "tokenize/rank_file.h"
#include "tokenize/token_counter.h"

using namespace sb;

namespace {

struct Prompt {
    std::string id;
    std::string kind;
    std::string text;
    std::int64_t o200k = 0;
    std::int64_t cl100k = 0;
};

std::string read_file(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

QString show(std::string_view bytes) {
    return QString::fromUtf8(bytes.data(), static_cast<qsizetype>(bytes.size()))
        .replace('\n', "\\n")
        .replace('\r', "\\r")
        .replace('\t', "\\t");
}

// Aggregate relative error of `estimates` against `reported`, in percent.
double aggregate_error(const std::vector<std::int64_t>& estimates, const std::vector<std::int64_t>& reported) {
    double est = 0;
    double rep = 0;
    for (std::size_t i = 0; i < estimates.size(); ++i) {
        est += static_cast<double>(estimates[i]);
        rep += static_cast<double>(reported[i]);
    }
    return rep > 0 ? (est - rep) / rep * 100.0 : 0.0;
}

}  // namespace

class TestTokenCounter final : public QObject {
    Q_OBJECT

    std::filesystem::path m_dir;
    std::unique_ptr<TokenCounter> m_counter;
    std::vector<Prompt> m_corpus;
    nlohmann::json m_reference;

    const BpeTokenizer& tokenizer(Encoding encoding) {
        static std::map<Encoding, BpeTokenizer> cache;
        auto it = cache.find(encoding);
        if (it == cache.end()) {
            auto loaded = BpeTokenizer::load(encoding, m_dir / (std::string(to_string(encoding)) + ".tiktoken"));
            if (!loaded) qFatal("%s", loaded.error().c_str());
            it = cache.emplace(encoding, std::move(*loaded)).first;
        }
        return it->second;
    }

private slots:
    void initTestCase() {
        m_dir = TokenCounter::default_tokenizer_dir();
        m_counter = std::make_unique<TokenCounter>(m_dir);
        if (!m_counter->has_encoding(Encoding::O200kBase) || !m_counter->has_encoding(Encoding::Cl100kBase)) {
            QFAIL(qPrintable(QString("tokenizer rank files missing in %1: run tools/setup (%2)")
                                 .arg(QString::fromStdString(m_dir.string()), QString::fromStdString(m_counter->notes()))));
        }
        QVERIFY(m_counter->notes().empty());

        const std::filesystem::path data = std::filesystem::path(SB_TESTDATA_DIR) / "tokenizer";
        m_reference = nlohmann::json::parse(read_file(data / "reference_counts.json"));
        std::ifstream corpus(data / "corpus.jsonl");
        std::string line;
        while (std::getline(corpus, line)) {
            if (line.empty()) continue;
            const auto j = nlohmann::json::parse(line);
            m_corpus.push_back({j.at("id"), j.at("kind"), j.at("text")});
        }
        const auto& counts = m_reference.at("counts");
        QCOMPARE(counts.size(), m_corpus.size());
        QVERIFY2(m_corpus.size() >= 200, "the corpus must hold at least 200 prompts");
        for (std::size_t i = 0; i < m_corpus.size(); ++i) {
            QCOMPARE(counts[i].at("id").get<std::string>(), m_corpus[i].id);
            m_corpus[i].o200k = counts[i].at("o200k_base");
            m_corpus[i].cl100k = counts[i].at("cl100k_base");
        }
        qInfo("reference: %s@%s, %zu prompts", m_reference.at("package").get<std::string>().c_str(),
              m_reference.at("version").get<std::string>().c_str(), m_corpus.size());
    }

    void exactCountsMatchReference_data() {
        QTest::addColumn<int>("encoding");
        QTest::newRow("o200k_base") << static_cast<int>(Encoding::O200kBase);
        QTest::newRow("cl100k_base") << static_cast<int>(Encoding::Cl100kBase);
    }

    void exactCountsMatchReference() {
        QFETCH(int, encoding);
        const auto enc = static_cast<Encoding>(encoding);
        const auto& bpe = tokenizer(enc);
        QStringList mismatches;
        QString first_split;
        for (const auto& prompt : m_corpus) {
            const auto want = enc == Encoding::O200kBase ? prompt.o200k : prompt.cl100k;
            const auto have = static_cast<std::int64_t>(bpe.count(prompt.text));
            if (have == want) continue;
            mismatches << QString("%1: ours %2, reference %3")
                              .arg(QString::fromStdString(prompt.id))
                              .arg(have)
                              .arg(want);
            if (first_split.isEmpty()) {
                QStringList pieces;
                for (const auto piece : pretokenize(enc, prompt.text)) pieces << "[" + show(piece) + "]";
                first_split = "pre-token split of " + QString::fromStdString(prompt.id) + ": " + pieces.join(' ');
            }
        }
        if (!mismatches.isEmpty()) {
            qWarning().noquote() << first_split;
            QFAIL(qPrintable(QString("%1 of %2 prompts differ; first: %3")
                                 .arg(mismatches.size())
                                 .arg(m_corpus.size())
                                 .arg(mismatches.mid(0, 10).join("; "))));
        }
    }

    void countEqualsEncodeSize() {
        for (const Encoding enc : {Encoding::O200kBase, Encoding::Cl100kBase}) {
            for (const auto& prompt : m_corpus) QCOMPARE(tokenizer(enc).encode(prompt.text).size(), tokenizer(enc).count(prompt.text));
        }
    }

    void piecesCoverTheInput() {
        for (const Encoding enc : {Encoding::O200kBase, Encoding::Cl100kBase}) {
            for (const auto& prompt : m_corpus) {
                std::string joined;
                for (const auto piece : pretokenize(enc, prompt.text)) {
                    QVERIFY(!piece.empty());
                    joined += piece;
                }
                QCOMPARE(joined, prompt.text);
            }
        }
    }

    void knownTokenIds() {
        const std::vector<std::uint32_t> hello{15339, 1917};  // "hello world", cl100k_base
        QCOMPARE(tokenizer(Encoding::Cl100kBase).encode("hello world"), hello);
        for (const auto& sample : m_reference.at("known_ids")) {
            const std::string text = sample.at("text");
            QCOMPARE(tokenizer(Encoding::O200kBase).encode(text), sample.at("o200k_base").get<std::vector<std::uint32_t>>());
            QCOMPARE(tokenizer(Encoding::Cl100kBase).encode(text), sample.at("cl100k_base").get<std::vector<std::uint32_t>>());
        }
    }

    void preTokenSplits() {
        // Digits go in groups of up to three and never take the space before them; a
        // whitespace run leaves its last space to the next word.
        const auto split = [](Encoding enc, std::string_view text) {
            QStringList out;
            for (const auto piece : pretokenize(enc, text)) out << show(piece);
            return out.join('|');
        };
        QCOMPARE(split(Encoding::Cl100kBase, "I'm 1234567 ok   now\n\n x"), QString("I|'m| |123|456|7| ok|  | now|\\n\\n| x"));
        // o200k keeps the contraction on the word, splits CamelCase, and takes '/' after marks.
        QCOMPARE(split(Encoding::O200kBase, "I'm CamelCase ://x"), QString("I'm| Camel|Case| ://|x"));
        QCOMPARE(split(Encoding::O200kBase, "你好，世界"), QString("你好|，世界"));
    }

    void invalidUtf8DoesNotCrash() {
        const std::vector<std::string> broken{
            std::string("abc\xE4\xBD", 5),         // truncated sequence at the end
            std::string("\xFF\xFE\xFD", 3),         // never valid
            std::string("\xC0\xAF overlong", 10),   // overlong '/'
            std::string("\xED\xA0\x80 surrogate", 12),
            std::string("\x80\x80\x80", 3),         // lone continuation bytes
            std::string("ok \xF0\x9F\x98 then text", 17),
            std::string("\0 nul inside\0", 13),
        };
        for (const auto& text : broken) {
            for (const Encoding enc : {Encoding::O200kBase, Encoding::Cl100kBase}) {
                const auto tokens = tokenizer(enc).encode(text);
                QVERIFY(!tokens.empty());
                QCOMPARE(tokens.size(), tokenizer(enc).count(text));
                std::string joined;
                for (const auto piece : pretokenize(enc, text)) joined += piece;
                QCOMPARE(joined, text);
            }
            QVERIFY(m_counter->count_text("gpt-4o", text).tokens > 0);
        }
    }

    void modelToEncoding_data() {
        QTest::addColumn<QString>("model");
        QTest::addColumn<QString>("encoding");
        QTest::newRow("gpt-4o") << "gpt-4o" << "o200k_base";
        QTest::newRow("gpt-4o-mini dated") << "gpt-4o-mini-2024-07-18" << "o200k_base";
        QTest::newRow("gpt-4.1") << "gpt-4.1-nano" << "o200k_base";
        QTest::newRow("gpt-5") << "gpt-5" << "o200k_base";
        QTest::newRow("o1") << "o1-preview" << "o200k_base";
        QTest::newRow("o3") << "o3-mini" << "o200k_base";
        QTest::newRow("o4") << "o4-mini" << "o200k_base";
        QTest::newRow("chatgpt-4o") << "chatgpt-4o-latest" << "o200k_base";
        QTest::newRow("provider prefix") << "openai/gpt-4o" << "o200k_base";
        QTest::newRow("fine-tune") << "ft:gpt-4o-mini:acme::abc123" << "o200k_base";
        QTest::newRow("gpt-4") << "gpt-4-turbo" << "cl100k_base";
        QTest::newRow("gpt-3.5") << "gpt-3.5-turbo" << "cl100k_base";
        QTest::newRow("embedding-3") << "text-embedding-3-small" << "cl100k_base";
        QTest::newRow("ada-002") << "text-embedding-ada-002" << "cl100k_base";
        QTest::newRow("claude") << "claude-3-5-sonnet" << "";
        QTest::newRow("llama") << "llama-3.1-70b" << "";
        QTest::newRow("empty") << "" << "";
    }

    void modelToEncoding() {
        QFETCH(QString, model);
        QFETCH(QString, encoding);
        const auto found = TokenCounter::encoding_for_model(model.toStdString());
        QCOMPARE(found ? QString::fromUtf8(to_string(*found).data()) : QString(), encoding);
    }

    void countTextExactOrEstimate() {
        const auto exact = m_counter->count_text("gpt-4o", "hello world");
        QCOMPARE(exact.tokens, std::int64_t(2));
        QVERIFY(exact.exact);
        const std::string text = "The quick brown fox jumps over the lazy dog";
        const auto estimate = m_counter->count_text("some-local-model", text);
        QVERIFY(!estimate.exact);
        QCOMPARE(estimate.heuristic, estimate_tokens(text));
        QCOMPARE(estimate.tokens, estimate_tokens(text));  // ratio 1.0 until observed
    }

    void missingRankDirTurnsExactOff() {
        QTemporaryDir empty;
        const TokenCounter counter(std::filesystem::path(empty.path().toStdString()));
        QVERIFY(!counter.has_encoding(Encoding::O200kBase));
        const auto count = counter.count_text("gpt-4o", "hello world");
        QVERIFY(!count.exact);
        QVERIFY(count.tokens > 0);
        QVERIFY2(counter.notes().find("o200k_base.tiktoken") != std::string::npos, counter.notes().c_str());
        QVERIFY2(counter.notes().find("cl100k_base.tiktoken") != std::string::npos, counter.notes().c_str());
        QVERIFY2(counter.notes().find("run tools/setup") != std::string::npos, counter.notes().c_str());
    }

    void malformedRankFileNamesPathAndLine() {
        QTemporaryDir dir;
        const auto path = std::filesystem::path(dir.path().toStdString()) / "o200k_base.tiktoken";
        std::ofstream(path) << "IQ== 0\nnot-base64! 1\n";
        const auto loaded = BpeTokenizer::load(Encoding::O200kBase, path);
        QVERIFY(!loaded);
        QVERIFY2(loaded.error().find(path.string() + ":2:") != std::string::npos, loaded.error().c_str());
        const TokenCounter counter(path.parent_path());
        QVERIFY(!counter.has_encoding(Encoding::O200kBase));
        QVERIFY2(counter.notes().find(path.string()) != std::string::npos, counter.notes().c_str());
        QVERIFY(!BpeTokenizer::load(Encoding::O200kBase, path.parent_path() / "absent.tiktoken"));
    }

    // A model without a public tokenizer whose provider reports o200k (resp. cl100k) counts:
    // calibrate on the even prompts, then estimate the odd ones. The corpus file is sorted
    // by kind, live traffic is not: the even prompts are observed in a fixed interleaved
    // order (stride 37, coprime to their number) so "recent history" is a mix of kinds.
    void calibrationReachesFifteenPercent_data() {
        QTest::addColumn<bool>("o200k");
        QTest::newRow("reports like o200k_base") << true;
        QTest::newRow("reports like cl100k_base") << false;
    }

    void calibrationReachesFifteenPercent() {
        QFETCH(bool, o200k);
        TokenCounter counter(m_dir);
        const std::string model = "acme-large";
        const auto reported = [&](const Prompt& p) { return o200k ? p.o200k : p.cl100k; };
        std::vector<std::int64_t> before, after, truth;
        std::map<std::string, std::array<std::vector<std::int64_t>, 2>> by_kind;  // kind → raw, truth
        const std::size_t half = (m_corpus.size() + 1) / 2;
        QVERIFY(std::gcd(half, std::size_t{37}) == 1);
        for (std::size_t k = 0; k < half; ++k) {
            const Prompt& prompt = m_corpus[2 * ((k * 37) % half)];
            const auto count = counter.count_text(model, prompt.text);
            counter.observe(model, count.heuristic, reported(prompt));
        }
        const double ratio = counter.calibration(model);
        for (std::size_t i = 1; i < m_corpus.size(); i += 2) {
            const auto count = counter.count_text(model, m_corpus[i].text);
            QVERIFY(!count.exact);
            before.push_back(count.heuristic);
            after.push_back(count.tokens);
            truth.push_back(reported(m_corpus[i]));
        }
        const double error_before = aggregate_error(before, truth);
        const double error_after = aggregate_error(after, truth);
        qInfo("%s: ratio %.3f, aggregate error before calibration %+.1f%%, after %+.1f%%",
              o200k ? "o200k-like" : "cl100k-like", ratio, error_before, error_after);
        QVERIFY2(std::abs(error_after) <= 15.0, qPrintable(QString("aggregate error %1%").arg(error_after)));

        // Traffic of one kind (CJK-heavy, code-heavy…) calibrates to that kind.
        for (const char* kind : {"english", "chinese", "code", "mixed"}) {
            TokenCounter own(m_dir);
            std::vector<const Prompt*> prompts;
            for (const auto& p : m_corpus)
                if (p.kind == kind) prompts.push_back(&p);
            for (std::size_t i = 0; i < prompts.size(); i += 2)
                own.observe(model, estimate_tokens(prompts[i]->text), reported(*prompts[i]));
            std::vector<std::int64_t> raw, est, rep;
            for (std::size_t i = 1; i < prompts.size(); i += 2) {
                const auto count = own.count_text(model, prompts[i]->text);
                raw.push_back(count.heuristic);
                est.push_back(count.tokens);
                rep.push_back(reported(*prompts[i]));
            }
            const double kind_before = aggregate_error(raw, rep);
            const double kind_after = aggregate_error(est, rep);
            qInfo("  %-8s ratio %.3f, before %+.1f%%, after %+.1f%%", kind, own.calibration(model), kind_before, kind_after);
            QVERIFY2(std::abs(kind_after) <= 15.0, qPrintable(QString("%1: aggregate error %2%").arg(kind).arg(kind_after)));
        }
    }

    void calibrationIgnoresBadSamplesAndClamps() {
        TokenCounter counter(m_dir);
        QCOMPARE(counter.calibration("m"), 1.0);
        counter.observe("m", 0, 100);
        counter.observe("m", 100, 0);
        counter.observe("m", -5, 100);
        counter.observe("m", 100, 100'000);  // 1000× off: a logging error, not a tokenizer
        QCOMPARE(counter.calibration("m"), 1.0);
        counter.observe("m", 100, 1000);  // 10× is believable but past the clamp
        QCOMPARE(counter.calibration("m"), 4.0);
        counter.observe("n", 1000, 100);
        QCOMPARE(counter.calibration("n"), 0.25);
        counter.observe("k", 100, 150);
        QCOMPARE(counter.calibration("k"), 1.5);
        QCOMPARE(counter.count_text("k", "hello there friend").tokens,
                 std::llround(1.5 * static_cast<double>(estimate_tokens("hello there friend"))));
        // Recent requests dominate: after many samples at 0.5 the ratio is close to 0.5.
        for (int i = 0; i < 200; ++i) counter.observe("k", 100, 50);
        QVERIFY(std::abs(counter.calibration("k") - 0.5) < 0.02);
        // Exact models are not affected by calibration.
        counter.observe("gpt-4o", 100, 300);
        QCOMPARE(counter.count_text("gpt-4o", "hello world").tokens, std::int64_t(2));
    }

    void countRequestOverhead() {
        ChatRequest request;
        request.messages.push_back({.role = Role::System, .content = "You are terse."});
        request.messages.push_back({.role = Role::User, .content = "hello world", .name = "alice"});
        // 3 priming + (3 + "system" 1 + 4) + (3 + "user" 1 + 2 + name 1 + "alice" 1)
        const auto exact = m_counter->count_request("gpt-4o", request);
        QCOMPARE(exact.tokens, std::int64_t(19));
        QVERIFY(exact.exact);
        QCOMPARE(m_counter->count_request("gpt-4-turbo", request).tokens, std::int64_t(19));

        const auto estimate = m_counter->count_request("claude-3-5-sonnet", request);
        QVERIFY(!estimate.exact);
        QCOMPARE(estimate.tokens, estimate.heuristic);
        QVERIFY(estimate.tokens > 10);

        request.tools = nlohmann::json::array();
        QVERIFY(!m_counter->count_request("gpt-4o", request).exact);

        // A photo is counted too (an estimate: the provider prices it by its tiles).
        request.tools = nullptr;
        const auto words = m_counter->count_request("gpt-4o", request).tokens;
        sb::ContentPart text;
        text.text = request.messages.back().content;
        sb::ContentPart photo;
        photo.kind = sb::ContentPart::Kind::Image;
        photo.url = "https://example.com/parcel.jpg";
        request.messages.back().parts = {text, photo};
        const auto with_photo = m_counter->count_request("gpt-4o", request);
        QCOMPARE(with_photo.tokens, words + 765);
        QVERIFY(!with_photo.exact);
    }

    void concurrentUse() {
        TokenCounter counter(m_dir);
        std::vector<std::thread> threads;
        std::atomic<int> wrong{0};
        for (int t = 0; t < 4; ++t) {
            threads.emplace_back([&, t] {
                for (std::size_t i = static_cast<std::size_t>(t); i < m_corpus.size(); i += 4) {
                    if (counter.count_text("gpt-4o", m_corpus[i].text).tokens != m_corpus[i].o200k) ++wrong;
                    const auto estimate = counter.count_text("acme", m_corpus[i].text);
                    counter.observe("acme", estimate.heuristic, m_corpus[i].o200k);
                }
            });
        }
        for (auto& thread : threads) thread.join();
        QCOMPARE(wrong.load(), 0);
        QVERIFY(counter.calibration("acme") > 0.5 && counter.calibration("acme") < 1.5);
    }
};

QTEST_APPLESS_MAIN(TestTokenCounter)
#include "tst_token_counter.moc"
