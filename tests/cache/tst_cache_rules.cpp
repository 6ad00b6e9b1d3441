// Cache rules: each kind behaves as written, first match wins, disabled rules are skipped,
// personal data anywhere in the conversation keeps it out of the cache.
#include <QtTest>

#include "cache/cache_rules.h"

using namespace sb;
using namespace std::chrono_literals;

namespace {

ChatRequest ask(std::string text, std::string earlier = {}) {
    ChatRequest r;
    if (!earlier.empty()) r.messages.push_back({Role::User, std::move(earlier)});
    r.messages.push_back({Role::User, std::move(text)});
    return r;
}

CacheRules shop_rules() {
    CacheRule pii{"pii", CacheAction::Never, CacheMatch::PersonalData, {}, {}, 0s, true};
    CacheRule sensitive{"account-talk", CacheAction::Never, CacheMatch::Keywords, {"password", "refund my"}, {}, 0s, true};
    CacheRule prices{"price-list", CacheAction::Pin, CacheMatch::Regex, {}, "\\bprice (of|for)\\b", 0s, true};
    CacheRule stock{"stock", CacheAction::Ttl, CacheMatch::Keywords, {"in stock"}, {}, 300s, true};
    CacheRule off{"disabled", CacheAction::Never, CacheMatch::Keywords, {"lamp"}, {}, 0s, false};
    return CacheRules({pii, sensitive, prices, stock, off}, 3600s);
}

}  // namespace

class TestCacheRules : public QObject {
    Q_OBJECT

private slots:
    void eachRuleKind() {
        const auto rules = shop_rules();
        const auto pinned = rules.decide(ask("What is the PRICE OF the desk lamp?"));
        QVERIFY(pinned.store);
        QVERIFY(!pinned.ttl.has_value());
        QCOMPARE(pinned.rule, std::string("price-list"));

        const auto ttl = rules.decide(ask("Is the lamp in stock?"));
        QVERIFY(ttl.store);
        QCOMPARE(ttl.ttl.value(), 300s);

        const auto never = rules.decide(ask("Please reset my password"));
        QVERIFY(!never.store);
        QCOMPARE(never.rule, std::string("account-talk"));

        const auto fallback = rules.decide(ask("Do you ship to Norway?"));
        QVERIFY(fallback.store);
        QCOMPARE(fallback.ttl.value(), 3600s);
        QVERIFY(fallback.rule.empty());
    }

    void personalDataAnywhereInTheConversationIsNeverCached() {
        const auto rules = shop_rules();
        const auto d = rules.decide(ask("What is the price of the desk lamp?", "my email is jane@example.com"));
        QVERIFY(!d.store);
        QCOMPARE(d.rule, std::string("pii"));
        QVERIFY2(d.reason.find("email") != std::string::npos, d.reason.c_str());
        QVERIFY(!rules.decide(ask("charge 4111 1111 1111 1111 please")).store);
        QVERIFY(rules.decide(ask("order 4111 1111 1111 1112 status")).store);  // not a card: fails Luhn
    }

    void firstMatchWinsAndDisabledRulesAreSkipped() {
        const auto rules = shop_rules();
        // Matches both "price-list" and "stock": the earlier rule decides.
        QCOMPARE(rules.decide(ask("price of the lamp, and is it in stock?")).rule, std::string("price-list"));
        // "lamp" would match the disabled rule.
        QVERIFY(rules.decide(ask("Tell me about the lamp")).store);
    }

    void aBadPatternNeverMatches() {
        CacheRules rules({CacheRule{"broken", CacheAction::Never, CacheMatch::Regex, {}, "(unclosed", 0s, true}});
        QVERIFY(rules.decide(ask("(unclosed")).store);
    }
    // A rule with `semantic` opts its conversations into the semantic cache; no rule, no opt-in.
    void semanticOptInFollowsTheMatchingRule() {
        CacheRule faq{"faq", CacheAction::Ttl, CacheMatch::Keywords, {"router"}, {}, 600s, true, true};
        CacheRule other{"other", CacheAction::Pin, CacheMatch::Keywords, {"price"}, {}, 0s, true, false};
        const CacheRules rules({faq, other}, 3600s);
        QVERIFY(rules.decide(ask("How do I reset my router?")).semantic);
        QVERIFY(!rules.decide(ask("What is the price?")).semantic);
        QVERIFY(!rules.decide(ask("Where is my parcel?")).semantic);
        QCOMPARE(last_user_text(ask("second", "first")), std::string_view("second"));
        std::string long_question;
        for (int i = 0; i < 54; ++i) long_question += "日";  // 3 bytes each: 162 in all
        const std::string shown = question_for_display(long_question);
        QCOMPARE(shown.size(), std::size_t(159));  // 53 whole characters, never half of one
        QCOMPARE(shown, long_question.substr(0, 159));
    }
};

QTEST_APPLESS_MAIN(TestCacheRules)
#include "tst_cache_rules.moc"
