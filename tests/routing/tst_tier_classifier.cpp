// The tier classifier with a realistic rule set: sample prompts land in the expected tiers,
// the first enabled matching rule wins, each rule kind matches what it should (and not what
// it should not), reasons name the rule. Also the token estimate the threshold rules use.
#include <QtTest>

#include "model/token_estimate.h"
#include "routing/tier_classifier.h"
#include "routing_fixture.h"

using namespace sb;
using namespace sb::test;

namespace {

std::string repeat(std::string_view text, int times) {
    std::string out;
    for (int i = 0; i < times; ++i) out.append(text);
    return out;
}

const std::string kEnglish =
    "The quarterly report shows revenue growing by twelve percent, while operating costs rose "
    "only modestly. Customer support tickets fell after the new onboarding guide was published, "
    "and the team expects the trend to continue through the holiday season. Please summarise "
    "the main points for the board, in plain language, and keep it under two hundred words.";

const std::string kChinese = "今天的天气很好，我们一起去公园散步吧。明天可能会下雨，记得带伞。";

}  // namespace

class TestTierClassifier : public QObject {
    Q_OBJECT
private slots:
    void samplePromptsGoToExpectedTiers_data() {
        QTest::addColumn<QString>("prompt");
        QTest::addColumn<QString>("tier");
        QTest::addColumn<QString>("rule");
        QTest::newRow("short question") << "What is the capital of France?"
                                        << "simple"
                                        << "short-question";
        QTest::newRow("refactor") << "Can you refactor this class so the parser and the writer are separate?"
                                  << "advanced"
                                  << "hard-work";
        QTest::newRow("step by step") << "Explain step by step how TLS session resumption works in practice."
                                      << "advanced"
                                      << "hard-work";
        QTest::newRow("analyze (US)") << "Analyze these survey results."
                                      << "advanced"
                                      << "hard-work";
        QTest::newRow("analyse (UK)") << "Please analyse these survey results."
                                      << "advanced"
                                      << "hard-work";
        QTest::newRow("cjk keyword") << "请帮我看看这段代码有什么问题"
                                     << "advanced"
                                     << "cjk-work";
        QTest::newRow("cjk analysis") << "请分析一下这个月的销售数据"
                                      << "advanced"
                                      << "cjk-work";
        QTest::newRow("cjk short") << "你好"
                                   << "simple"
                                   << "short-question";
        QTest::newRow("everyday, medium length")
            << "I am writing a short note to my neighbours about the parking situation on our street. "
               "Could you help me make it friendly but clear, and suggest a polite closing line?"
            << "standard"
            << "";
    }
    void samplePromptsGoToExpectedTiers() {
        QFETCH(QString, prompt);
        QFETCH(QString, tier);
        QFETCH(QString, rule);
        const auto result = classify_request(default_routing(), ask(prompt.toStdString()));
        QCOMPARE(QString::fromStdString(result.tier), tier);
        QCOMPARE(QString::fromStdString(result.rule), rule);
        QVERIFY(!result.reason.empty());
    }

    void defaultTierReason() {
        const auto result = classify_request(
            default_routing(), ask(repeat("Tell me something pleasant about the weather in spring. ", 6)));
        QCOMPARE(result.tier, std::string("standard"));
        QVERIFY(result.rule.empty());
        QCOMPARE(result.reason, std::string("no rule matched → default tier standard"));
    }

    void reasonsNameTheRuleAndWhatMatched() {
        const auto config = default_routing();
        QCOMPARE(classify_request(config, ask("请帮我写代码")).reason,
                 std::string("keyword \"代码\" (rule cjk-work) → advanced"));
        QCOMPARE(
            classify_request(config, ask("Please REFACTOR this module, it has grown too large to follow."))
                .reason,
            std::string("regex matched \"REFACTOR\" (rule hard-work) → advanced"));
        ChatRequest fast = ask(repeat("plain words here ", 20));
        fast.model = "fast";
        QCOMPARE(classify_request(config, fast).reason,
                 std::string("model alias \"fast\" (rule fast-alias) → simple"));
        const auto short_one = classify_request(config, ask("Hi there"));
        QVERIFY2(short_one.reason.starts_with("~") &&
                     short_one.reason.ends_with("≤ 40 (rule short-question) → simple"),
                 short_one.reason.c_str());
    }

    void firstMatchingRuleWins() {
        // Alias (rule 2) comes before the regex (rule 5): a "fast" request that says
        // "refactor" stays simple. Swapping the rules' order flips it.
        ChatRequest request = ask("Refactor this loop into a function, please, it repeats three times.");
        request.model = "fast";
        auto config = default_routing();
        QCOMPARE(classify_request(config, request).tier, std::string("simple"));
        std::swap(config.rules[1], config.rules[4]);
        QCOMPARE(classify_request(config, request).tier, std::string("advanced"));
        QCOMPARE(classify_request(config, request).rule, std::string("hard-work"));
    }

    void disabledRuleIsSkipped() {
        auto config = default_routing();
        const auto request = ask("Refactor this, please.");
        QCOMPARE(classify_request(config, request).rule, std::string("hard-work"));
        config.rules[4].enabled = false;
        const auto result = classify_request(config, request);
        QCOMPARE(result.rule, std::string("short-question"));
        QCOMPARE(result.tier, std::string("simple"));
    }

    void headerRule() {
        const auto config = default_routing();
        ChatRequest request = ask("Refactor this, please.");
        request.extra_headers = {
            {"X-Switchboard-Tier", " Simple "}};  // name and value case/space-insensitive
        auto result = classify_request(config, request);
        QCOMPARE(result.tier, std::string("simple"));  // the configured spelling
        QCOMPARE(result.rule, std::string("tier-header"));
        QVERIFY2(result.reason.find("x-switchboard-tier") != std::string::npos, result.reason.c_str());
        // A value that names no tier: the rule does not match, later rules decide.
        request.extra_headers = {{"x-switchboard-tier", "premium"}};
        result = classify_request(config, request);
        QCOMPARE(result.rule, std::string("hard-work"));
    }

    void modelAliasIsCaseInsensitiveAndExact() {
        const auto config = default_routing();
        ChatRequest request = ask(repeat("ordinary words ", 30));
        request.model = "SMART";
        QCOMPARE(classify_request(config, request).tier, std::string("advanced"));
        request.model = "balanced";
        QCOMPARE(classify_request(config, request).tier, std::string("standard"));
        QCOMPARE(classify_request(config, request).rule, std::string("balanced-alias"));
        request.model = "fastest";  // not a substring match
        QCOMPARE(classify_request(config, request).rule, std::string(""));
    }

    void regexIsCaseInsensitiveWithWordBoundaries() {
        const auto config = default_routing();
        QCOMPARE(classify_request(config, ask("DEBUG this crash for me")).rule, std::string("hard-work"));
        QCOMPARE(classify_request(config, ask("Prove that the square root of two is irrational.")).rule,
                 std::string("hard-work"));
        // "debugger" and "prefactor" are not the words the rule names.
        QCOMPARE(classify_request(config, ask("Which debugger do you like?")).rule,
                 std::string("short-question"));
        QCOMPARE(classify_request(config, ask("Is the prefactored dough any good?")).rule,
                 std::string("short-question"));
    }

    void regexLooksOnlyAtTheLastUserMessage() {
        ChatRequest request = ask("Please refactor the module.");
        request.messages.push_back({Role::Assistant, "Done. Anything else?"});
        request.messages.push_back({Role::User, "Thanks!"});
        QCOMPARE(classify_request(default_routing(), request).rule, std::string("short-question"));
    }

    void regexOnHugeMessagesMatchesHeadOrTailAndNeverCrashes() {
        auto config = default_routing();
        config.rules[4].pattern = ".*refactor";  // recursive in libstdc++: would overflow the stack on 200 kB
        const std::string filler = repeat("lorem ipsum dolor sit amet ", 8000);
        QCOMPARE(classify_request(config, ask(filler + " now refactor it")).rule, std::string("hard-work"));
        QCOMPARE(classify_request(config, ask("refactor this: " + filler)).rule, std::string("hard-work"));
        QCOMPARE(classify_request(config, ask(filler)).rule, std::string("long-prompt"));
    }

    void regexWithBackReference() {
        auto config = default_routing();
        config.rules[4].pattern = R"(\b(\w+) \1\b)";  // a doubled word
        QCOMPARE(classify_request(config, ask("this is is it")).rule, std::string("hard-work"));
        QCOMPARE(classify_request(config, ask("this is it")).rule, std::string("short-question"));
    }

    void invalidRegexNeverMatches() {
        auto config = default_routing();
        config.rules[4].pattern = "(refactor";
        QCOMPARE(classify_request(config, ask("refactor it")).rule, std::string("short-question"));
    }

    void cjkKeywordIsAPlainSubstring() {
        auto config = default_routing();
        // Inside a longer sentence with no spaces, next to ASCII, and the ASCII keywords are
        // case-insensitive.
        QCOMPARE(classify_request(config, ask("这是我的Python代码：print(1)")).rule, std::string("cjk-work"));
        config.rules[5].values.push_back("Kubernetes");
        QCOMPARE(classify_request(config, ask("how do I use KUBERNETES secrets")).rule,
                 std::string("cjk-work"));
        QCOMPARE(classify_request(config, ask("今天天气怎么样")).rule, std::string("short-question"));
    }

    void tokenThresholds() {
        const auto config = default_routing();
        // ~2000 tokens of plain prose: long-prompt.
        const auto long_one =
            classify_request(config, ask(repeat("plain sentence with nothing special. ", 400)));
        QCOMPARE(long_one.rule, std::string("long-prompt"));
        QVERIFY2(long_one.reason.find("≥ 1500 (rule long-prompt) → advanced") != std::string::npos,
                 long_one.reason.c_str());
        // Chinese counts one token per character: 1600 characters are long too.
        QCOMPARE(classify_request(config, ask(repeat("天气很好", 400))).rule, std::string("long-prompt"));
        // All messages count, not only the last one.
        ChatRequest spread = ask("ok");
        spread.messages.insert(spread.messages.begin() + 1,
                               {Role::Assistant, repeat("earlier answer text. ", 500)});
        QCOMPARE(classify_request(config, spread).rule, std::string("long-prompt"));
    }

    void turnsAtLeast() {
        const auto config = default_routing();
        ChatRequest request;
        for (int i = 0; i < 7; ++i) {
            request.messages.push_back({Role::User, "and then?"});
            request.messages.push_back({Role::Assistant, "more."});
        }
        QCOMPARE(classify_request(config, request).rule, std::string("short-question"));  // 7 turns
        request.messages.push_back({Role::User, "and then?"});
        const auto result = classify_request(config, request);
        QCOMPARE(result.rule, std::string("long-conversation"));
        QCOMPARE(result.reason, std::string("8 user turns ≥ 8 (rule long-conversation) → standard"));
    }

    void callerSetTierWins() {
        const auto config = default_routing();
        ChatRequest request = ask("Refactor this, please.");
        request.tier = "simple";
        auto result = classify_request(config, request);
        QCOMPARE(result.tier, std::string("simple"));
        QCOMPARE(result.reason, std::string("set by the caller"));
        QVERIFY(result.rule.empty());
        request.tier = "no-such-tier";  // ignored: the rules decide
        QCOMPARE(classify_request(config, request).tier, std::string("advanced"));
    }

    void ruleForAMissingTierIsSkipped() {
        auto config = default_routing();
        config.rules[4].tier = "gone";
        QCOMPARE(classify_request(config, ask("refactor it")).rule, std::string("short-question"));
    }

    void classifierIsReusable() {
        const TierClassifier classifier(default_routing());
        for (int i = 0; i < 3; ++i) {
            QCOMPARE(classifier.classify(ask("refactor it")).tier, std::string("advanced"));
            QCOMPARE(classifier.classify(ask("hello")).tier, std::string("simple"));
        }
    }

    void tokenEstimateEnglishIsAboutCharsOverFour() {
        for (const std::string& text : {kEnglish, repeat(kEnglish, 10)}) {
            const double estimate = static_cast<double>(estimate_tokens(text));
            const double quarter = static_cast<double>(text.size()) / 4.0;
            QVERIFY2(std::abs(estimate - quarter) <= 0.3 * quarter,
                     qPrintable(QString("estimate %1 vs chars/4 %2").arg(estimate).arg(quarter)));
        }
        // cl100k gives 9 tokens for the pangram (43 characters).
        const auto pangram = estimate_tokens("The quick brown fox jumps over the lazy dog");
        QVERIFY2(pangram >= 8 && pangram <= 12, qPrintable(QString::number(pangram)));
    }

    void tokenEstimateChineseIsOnePerCharacter() {
        const auto chars = QString::fromStdString(kChinese).size();  // all BMP: UTF-16 units = code points
        const auto estimate = estimate_tokens(kChinese);
        QCOMPARE(estimate, static_cast<std::int64_t>(chars));
        QCOMPARE(estimate_tokens(repeat("代码", 500)), std::int64_t(1000));
    }

    void tokenEstimateEdges() {
        QCOMPARE(estimate_tokens(""), std::int64_t(0));
        QCOMPARE(estimate_tokens("   \n\t "), std::int64_t(0));
        QCOMPARE(estimate_tokens("hello"), std::int64_t(1));
        QCOMPARE(estimate_tokens("123456789"), std::int64_t(3));  // digits in threes
        QCOMPARE(estimate_tokens("a, b."), std::int64_t(4));
        QCOMPARE(estimate_tokens("mixed 中文 and English"), std::int64_t(6));  // 1 + 2 + 1 + 2
        // Broken UTF-8 still counts something and reads nothing past the end.
        const std::string broken = "abc\xE4\xBD";
        QVERIFY(estimate_tokens(broken) >= 1);
        QVERIFY(estimate_tokens(std::string_view("\xF0\x9F", 2)) >= 1);
    }
};

QTEST_APPLESS_MAIN(TestTierClassifier)
#include "tst_tier_classifier.moc"
