// Routing config: the default tiers and rules, JSON round trip, every validation rule with
// its path, the fallback for files without a routing section, and unknown keys.
#include <QtTest>

#include <cmath>
#include <map>

#include "config/config.h"
#include "config/embedded_resources.h"
#include "config/routing_config.h"

using namespace sb;

namespace {

EnvLookup fake_env(std::map<std::string, std::string> values) {
    return [values = std::move(values)](const std::string& name) -> std::optional<std::string> {
        const auto it = values.find(name);
        if (it == values.end()) return std::nullopt;
        return it->second;
    };
}

nlohmann::json default_json() { return nlohmann::json::parse(embedded_default_config()); }

nlohmann::json provider(const std::string& name, std::vector<std::string> models = {}) {
    return {{"name", name},
            {"kind", "openai"},
            {"base_url", "https://api.example.com/v1"},
            {"api_key", "${KEY}"},
            {"default_model", models.empty() ? "m" : models.front()},
            {"models", models}};
}

QString dump(const std::vector<ConfigError>& errors) {
    QStringList lines;
    for (const auto& e : errors) lines << QString::fromStdString(e.to_string());
    return lines.join("\n");
}

bool has_error_starting(const std::vector<ConfigError>& errors, const std::string& text) {
    for (const auto& e : errors)
        if (e.to_string().starts_with(text)) return true;
    return false;
}

// Every kind, a fractional weight, a disabled target and a disabled rule.
RoutingConfig every_kind() {
    RoutingConfig r;
    r.default_tier = "b";
    r.sticky_conversations = false;
    r.latency_half_life = std::chrono::milliseconds(1500);
    r.latency_min_share = 0.05;
    r.circuit = {3, 0.25, 10, std::chrono::seconds(60), std::chrono::milliseconds(2500)};
    r.tiers = {{"a", "first", Balancing::LatencyAware, true, {{"p", "m1", 2.5, true}, {"q", "", 0, false}}},
               {"b", "", Balancing::Weighted, false, {{"q", "", 1, true}}}};
    ClassifierRule header{.name = "h", .kind = RuleKind::Header, .header = "x-tier"};
    ClassifierRule alias{.name = "al", .kind = RuleKind::ModelAlias, .tier = "a", .values = {"fast"}};
    ClassifierRule words{.name = "kw", .kind = RuleKind::Keywords, .tier = "b", .values = {"x", "证明"}, .enabled = false};
    ClassifierRule regex{.name = "re", .kind = RuleKind::Regex, .tier = "a", .pattern = R"(\bfoo\b)"};
    ClassifierRule most{.name = "tm", .kind = RuleKind::TokensAtMost, .tier = "a", .threshold = 40};
    ClassifierRule least{.name = "tl", .kind = RuleKind::TokensAtLeast, .tier = "b", .threshold = 1500};
    ClassifierRule turns{.name = "tu", .kind = RuleKind::TurnsAtLeast, .tier = "b", .threshold = 8};
    r.rules = {header, alias, words, regex, most, least, turns};
    return r;
}

std::vector<ProviderConfig> providers_pq() {
    ProviderConfig p;
    p.name = "p";
    p.default_model = "m1";
    p.models = {"m1", "m2"};
    ProviderConfig q;
    q.name = "q";
    q.default_model = "local";
    q.enabled = false;  // disabled providers are still valid targets
    return {p, q};
}

}  // namespace

class TestRoutingConfig : public QObject {
    Q_OBJECT
private slots:
    void defaultConfigHasThreeTiersAndTheRules() {
        const auto config = default_config(fake_env({}));
        QVERIFY2(config.has_value(), config ? "" : qPrintable(dump(config.error())));
        const RoutingConfig& r = config->routing;
        QCOMPARE(r.tiers.size(), std::size_t(3));
        QCOMPARE(r.tiers[0].name, std::string("simple"));
        QCOMPARE(r.tiers[1].name, std::string("standard"));
        QCOMPARE(r.tiers[2].name, std::string("advanced"));
        QVERIFY(r.tiers[0].cache_first);
        QCOMPARE(r.tiers[1].balancing, Balancing::LatencyAware);
        QCOMPARE(r.tiers[0].targets,
                 (std::vector<RouteTarget>{{"openai", "gpt-4o-mini", 60, true},
                                           {"anthropic", "claude-haiku-4-5", 30, true},
                                           {"local", "llama3.2", 10, true}}));
        QCOMPARE(r.tiers[2].targets, (std::vector<RouteTarget>{{"openai", "gpt-4o", 60, true},
                                                               {"anthropic", "claude-sonnet-4-5", 40, true}}));
        QCOMPARE(r.default_tier, std::string("standard"));
        QCOMPARE(r.rules.size(), std::size_t(9));
        QCOMPARE(r.rules[0].kind, RuleKind::Header);
        QCOMPARE(r.rules[0].header, std::string("x-switchboard-tier"));
        QCOMPARE(r.rules[4].name, std::string("hard-work"));
        QCOMPARE(r.rules[4].pattern, std::string(R"(\b(refactor|debug|prove|algorithm|architecture|step by step|analy[sz]e)\b)"));
        QCOMPARE(r.rules[5].values, (std::vector<std::string>{"代码", "分析", "证明"}));
        QCOMPARE(r.rules[8].name, std::string("short-question"));
        QCOMPARE(r.rules[8].threshold, std::int64_t(40));
        QCOMPARE(r.circuit.window, std::chrono::seconds(30));
        QVERIFY(validate_routing(r, config->providers).empty());
    }

    void disabledProvidersStayValidTargets() {
        // Demo off with only an OpenAI key: anthropic and local are disabled, not invalid.
        auto json = default_json();
        json["demo"]["mode"] = "off";
        const auto config = parse_config(json, fake_env({{"OPENAI_API_KEY", "sk-test-dummy"}}));
        QVERIFY2(config.has_value(), config ? "" : qPrintable(dump(config.error())));
        QVERIFY(!config->provider("anthropic")->enabled);
        QVERIFY(!config->provider("local")->enabled);
        QCOMPARE(config->routing.tiers.size(), std::size_t(3));
        QVERIFY(validate_routing(every_kind(), providers_pq()).empty());
    }

    void roundTripKeepsEverything() {
        const RoutingConfig original = every_kind();
        std::vector<ConfigError> errors;
        const auto again = parse_routing(to_json(original), "routing", errors);
        QVERIFY2(errors.empty(), qPrintable(dump(errors)));
        QVERIFY(again == original);
        QCOMPARE(to_json(again), to_json(original));

        const auto config = default_config(fake_env({}));
        QVERIFY(config);
        const auto reparsed = parse_routing(to_json(config->routing), "routing", errors);
        QVERIFY2(errors.empty(), qPrintable(dump(errors)));
        QVERIFY(reparsed == config->routing);
        // Whole weights are written as people write them.
        QCOMPARE(to_json(config->routing)["tiers"][0]["targets"][0]["weight"].dump(), std::string("60"));
    }

    void onlyTheKindsFieldsAreWritten() {
        const auto json = to_json(every_kind())["rules"];
        QCOMPARE(json[0].dump(), std::string(R"({"enabled":true,"header":"x-tier","kind":"header","name":"h"})"));
        QVERIFY(json[1].contains("values") && json[1].contains("tier") && !json[1].contains("pattern"));
        QVERIFY(json[3].contains("pattern") && !json[3].contains("values") && !json[3].contains("threshold"));
        QVERIFY(json[6].contains("threshold") && !json[6].contains("header"));
    }

    void validationNamesPathAndRule_data() {
        QTest::addColumn<QString>("pointer");  // JSON pointer into the default config's routing
        QTest::addColumn<QString>("value");    // JSON set there
        QTest::addColumn<QString>("expected"); // an error that starts with this

        QTest::newRow("tiers empty") << "/tiers" << "[]" << "routing.tiers: must list at least one tier";
        QTest::newRow("tiers type") << "/tiers" << R"("x")" << "routing.tiers: must be an array of tiers";
        QTest::newRow("tier name empty") << "/tiers/1/name" << R"("")" << "routing.tiers[1].name: must not be empty";
        QTest::newRow("tier name twice") << "/tiers/1/name" << R"("simple")"
                                         << R"(routing.tiers[1].name: must be unique ("simple" is used twice))";
        QTest::newRow("balancing") << "/tiers/0/balancing" << R"("fastest")"
                                   << "routing.tiers[0].balancing: must be one of weighted, latency_aware";
        QTest::newRow("no targets") << "/tiers/0/targets" << "[]"
                                    << "routing.tiers[0].targets: must list at least one target";
        QTest::newRow("unknown provider") << "/tiers/0/targets/0/provider" << R"("gemini")"
                                          << "routing.tiers[0].targets[0].provider: must name one of the configured "
                                             "providers";
        QTest::newRow("unknown model") << "/tiers/2/targets/1/model" << R"("claude-opus-9")"
                                       << R"(routing.tiers[2].targets[1].model: must be one of the models of provider "anthropic")";
        QTest::newRow("negative weight") << "/tiers/0/targets/2/weight" << "-1"
                                         << "routing.tiers[0].targets[2].weight: must be a number of at least 0";
        QTest::newRow("weight type") << "/tiers/0/targets/2/weight" << R"("ten")"
                                     << "routing.tiers[0].targets[2].weight: must be a number";
        QTest::newRow("repeated target") << "/tiers/0/targets/1" << R"({"provider":"openai","model":"gpt-4o-mini"})"
                                         << "routing.tiers[0].targets[1]: must not repeat openai/gpt-4o-mini within "
                                            "the tier";
        QTest::newRow("default tier") << "/default_tier" << R"("premium")"
                                      << "routing.default_tier: must name one of the tiers";
        QTest::newRow("rule tier") << "/rules/1/tier" << R"("premium")" << "routing.rules[1].tier: must name one of the tiers";
        QTest::newRow("rule name empty") << "/rules/0/name" << R"("")" << "routing.rules[0].name: must not be empty";
        QTest::newRow("rule name twice") << "/rules/2/name" << R"("fast-alias")"
                                         << R"(routing.rules[2].name: must be unique ("fast-alias" is used twice))";
        QTest::newRow("rule kind") << "/rules/1/kind" << R"("alias")"
                                   << "routing.rules[1].kind: must be one of header, model_alias, keywords, regex, "
                                      "tokens_at_most, tokens_at_least, turns_at_least";
        QTest::newRow("header name") << "/rules/0/header" << R"("x tier")"
                                     << R"(routing.rules[0].header: must be a header name such as "x-switchboard-tier")";
        QTest::newRow("no values") << "/rules/1/values" << "[]" << "routing.rules[1].values: must list at least one value";
        QTest::newRow("empty value") << "/rules/5/values/1" << R"("")" << "routing.rules[5].values[1]: must not be empty";
        QTest::newRow("bad regex") << "/rules/4/pattern" << "\"(unclosed\""
                                   << "routing.rules[4].pattern: must be a valid regular expression (";
        QTest::newRow("empty regex") << "/rules/4/pattern" << R"("")" << "routing.rules[4].pattern: must not be empty";
        QTest::newRow("tokens threshold") << "/rules/6/threshold" << "0"
                                          << "routing.rules[6].threshold: must be an integer from 1 to 10000000";
        QTest::newRow("turns threshold") << "/rules/7/threshold" << "100000"
                                         << "routing.rules[7].threshold: must be an integer from 1 to 10000";
        QTest::newRow("threshold type") << "/rules/8/threshold" << "4.5"
                                        << "routing.rules[8].threshold: must be an integer";
        QTest::newRow("field of another kind") << "/rules/0/tier" << R"("simple")"
                                               << "routing.rules[0].tier: is not used by a header rule";
        QTest::newRow("window") << "/circuit/window_s" << "0"
                                << "routing.circuit.window_s: must be an integer from 1 to 3600";
        QTest::newRow("error rate") << "/circuit/error_rate" << "2"
                                    << "routing.circuit.error_rate: must be a number from 0.01 to 1.0";
        QTest::newRow("min share") << "/latency_min_share" << "0.9"
                                   << "routing.latency_min_share: must be a number from 0.0 to 0.5";
        QTest::newRow("unknown key") << "/tierz" << "[]" << "routing.tierz: unknown key";
        QTest::newRow("unknown target key") << "/tiers/0/targets/0/wieght" << "1"
                                            << "routing.tiers[0].targets[0].wieght: unknown key";
        QTest::newRow("unknown rule key") << "/rules/3/threshhold" << "1" << "routing.rules[3].threshhold: unknown key";
        QTest::newRow("unknown circuit key") << "/circuit/cooldown" << "1" << "routing.circuit.cooldown: unknown key";
    }

    void validationNamesPathAndRule() {
        QFETCH(QString, pointer);
        QFETCH(QString, value);
        QFETCH(QString, expected);
        auto json = default_json();
        json["routing"][nlohmann::json::json_pointer(pointer.toStdString())] = nlohmann::json::parse(value.toStdString());
        const auto result = parse_config(json, fake_env({}));
        QVERIFY(!result.has_value());
        QVERIFY2(has_error_starting(result.error(), expected.toStdString()), qPrintable(dump(result.error())));
    }

    void aMisspeltKindDoesNotCascade() {
        auto json = default_json();
        json["routing"]["rules"][4]["kind"] = "regexp";
        const auto result = parse_config(json, fake_env({}));
        QVERIFY(!result.has_value());
        QCOMPARE(result.error().size(), std::size_t(1));
    }

    void liveEditsAreCheckedToo() {
        // validate_routing on its own (the Routing page): paths relative to the section.
        RoutingConfig r = every_kind();
        r.tiers[0].targets[0].weight = std::nan("");
        r.tiers[0].targets[0].model = "m3";
        r.circuit.cooldown = std::chrono::milliseconds(0);
        r.latency_half_life = std::chrono::milliseconds(10);
        r.rules[4].threshold = -5;
        const auto errors = validate_routing(r, providers_pq());
        QVERIFY2(has_error_starting(errors, "tiers[0].targets[0].weight: must be a number of at least 0"), qPrintable(dump(errors)));
        QVERIFY(has_error_starting(errors, R"(tiers[0].targets[0].model: must be one of the models of provider "p")"));
        QVERIFY(has_error_starting(errors, "circuit.cooldown_ms: must be from 100 to 3600000 ms"));
        QVERIFY(has_error_starting(errors, "latency_half_life_ms: must be from 100 to 600000 ms"));
        QVERIFY(has_error_starting(errors, "rules[4].threshold: must be an integer from 1 to 10000000"));
        QCOMPARE(errors.size(), std::size_t(5));
    }

    void missingSectionFallsBackToTheDefaultProvider() {
        nlohmann::json json = {{"providers", {provider("a"), provider("b"), provider("c")}}, {"default_provider", "b"}};
        const auto config = parse_config(json, fake_env({}));
        QVERIFY2(config.has_value(), config ? "" : qPrintable(dump(config.error())));
        const RoutingConfig& r = config->routing;
        QVERIFY(r == fallback_routing(config->providers, "b"));
        QCOMPARE(r.tiers.size(), std::size_t(1));
        QCOMPARE(r.tiers[0].name, std::string("standard"));
        QCOMPARE(r.default_tier, std::string("standard"));
        QCOMPARE(r.tiers[0].targets, (std::vector<RouteTarget>{{"b", "", 1, true}, {"a", "", 0, true}, {"c", "", 0, true}}));
        QVERIFY(r.rules.empty());
        QVERIFY(validate_routing(r, config->providers).empty());
        // Saved and read back, the fallback is an explicit section that means the same.
        const auto again = parse_config(to_json(*config), fake_env({}));
        QVERIFY2(again.has_value(), again ? "" : qPrintable(dump(again.error())));
        QVERIFY(again->routing == r);
    }

    void routingSectionMustBeAnObject() {
        auto json = default_json();
        json["routing"] = 5;
        const auto result = parse_config(json, fake_env({}));
        QVERIFY(!result.has_value());
        QVERIFY2(has_error_starting(result.error(), "routing: must be an object"), qPrintable(dump(result.error())));
    }
};

QTEST_GUILESS_MAIN(TestRoutingConfig)
#include "tst_routing_config.moc"
