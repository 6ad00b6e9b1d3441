// Configuration: defaults, ${ENV} expansion, demo mode, and validation messages that name
// the JSON path and the rule.
#include <QTemporaryDir>
#include <QtTest>

#include <fstream>
#include <map>

#include "config/config.h"
#include "config/env_expansion.h"

using namespace sb;

namespace {

EnvLookup fake_env(std::map<std::string, std::string> values) {
    return [values = std::move(values)](const std::string& name) -> std::optional<std::string> {
        const auto it = values.find(name);
        if (it == values.end()) return std::nullopt;
        return it->second;
    };
}

nlohmann::json minimal_provider(const std::string& name = "openai") {
    return {{"name", name},
            {"kind", "openai"},
            {"base_url", "https://api.openai.com/v1"},
            {"api_key", "${OPENAI_API_KEY}"},
            {"default_model", "gpt-4o-mini"}};
}

bool has_error(const std::vector<ConfigError>& errors, const std::string& text) {
    for (const auto& e : errors)
        // Exact, except that an expectation ending in "…" only fixes how the rule begins
        // (a regex library's own explanation follows it).
        if (text.ends_with("…") ? e.to_string().starts_with(text.substr(0, text.size() - std::string_view("…").size()))
                                : e.to_string() == text)
            return true;
    return false;
}

QString dump(const std::vector<ConfigError>& errors) {
    QStringList lines;
    for (const auto& e : errors) lines << QString::fromStdString(e.to_string());
    return lines.join("\n");
}

}  // namespace

class TestConfig : public QObject {
    Q_OBJECT
private slots:
    void defaultsLoadAndFallBackToDemoWithoutKeys() {
        const auto config = default_config(fake_env({}));
        QVERIFY2(config.has_value(), config ? "" : qPrintable(dump(config.error())));
        QCOMPARE(config->providers.size(), std::size_t(3));
        for (const auto& p : config->providers) QVERIFY2(p.simulated, p.name.c_str());
        QCOMPARE(config->default_provider, std::string("openai"));
        QCOMPARE(config->demo.mode, DemoMode::Auto);
    }

    void keysComeFromTheEnvironment() {
        const auto config = default_config(fake_env({{"OPENAI_API_KEY", "sk-test-dummy"}}));
        QVERIFY(config.has_value());
        const auto* openai = config->provider("openai");
        QVERIFY(openai);
        QVERIFY(!openai->simulated);
        QCOMPARE(openai->api_key, std::string("sk-test-dummy"));
        QVERIFY(config->provider("anthropic")->simulated);
        // Saving writes the reference, never the key itself.
        const std::string saved = to_json(*config).dump();
        QVERIFY(saved.find("sk-test-dummy") == std::string::npos);
        QVERIFY(saved.find("${OPENAI_API_KEY}") != std::string::npos);
    }

    void localServerUrlSwitchesLocalProviderToReal() {
        const auto config = default_config(fake_env({{"SWITCHBOARD_LOCAL_URL", "http://127.0.0.1:11434/v1/"}}));
        QVERIFY(config.has_value());
        const auto* local = config->provider("local");
        QVERIFY(!local->simulated);
        QCOMPARE(local->base_url, std::string("http://127.0.0.1:11434/v1"));
        QVERIFY(local->api_key.empty());
    }

    void roundTripThroughJsonKeepsEverything() {
        const auto config = default_config(fake_env({}));
        QVERIFY(config.has_value());
        const auto again = parse_config(to_json(*config), fake_env({}));
        QVERIFY2(again.has_value(), again ? "" : qPrintable(dump(again.error())));
        QCOMPARE(to_json(*again), to_json(*config));
    }

    void defaultConfigCachesAndBudgets() {
        const auto config = default_config(fake_env({}));
        QVERIFY(config.has_value());
        QVERIFY(config->cache.enabled);
        QCOMPARE(config->cache.backend, CacheBackendKind::Memory);
        QCOMPARE(config->cache.max_bytes, std::size_t(256) << 20);
        QCOMPARE(config->cache.turns, 3);
        QVERIFY(!config->cache.rules.empty());
        QCOMPARE(config->cache.rules[0].match, CacheMatch::PersonalData);
        QCOMPARE(config->cache.rules[0].action, CacheAction::Never);
        QCOMPARE(config->budgets.size(), std::size_t(1));
        QCOMPARE(config->budgets[0].action, BudgetAction::Warn);
        // The semantic cache ships off, on the simple tier when turned on, at the measured threshold.
        QVERIFY(!config->cache.semantic.enabled);
        QCOMPARE(config->cache.semantic.model, std::string("text-embedding-3-small"));
        QCOMPARE(config->cache.semantic.threshold, kDefaultSemanticThreshold);
        QCOMPARE(config->cache.semantic.tiers, std::vector<std::string>{"simple"});
        QCOMPARE(to_json(*config)["cache"]["semantic"]["tiers"], nlohmann::json::array({"simple"}));
        QVERIFY(config->providers[0].concurrency.cold_start_follows_demand);
        QCOMPARE(to_json(*config)["providers"][0]["concurrency"]["cold_start"], nlohmann::json("demand"));
        // Hedging ships off; turned on, it hedges after the target's p90, at most one request in ten.
        QVERIFY(!config->retry.hedge.enabled);
        QCOMPARE(config->retry.hedge.quantile, 0.9);
        QCOMPARE(config->retry.hedge.min_after, std::chrono::milliseconds(50));
        QCOMPARE(config->retry.hedge.max_share, 0.1);
        QCOMPARE(to_json(*config)["retry"]["hedge"]["after"], nlohmann::json("p90"));
        nlohmann::json fixed = {{"version", 1}, {"providers", {minimal_provider()}},
                                {"retry", {{"hedge", {{"enabled", true}, {"after", 250}}}}}};
        const auto fixed_delay = parse_config(fixed, fake_env({}));
        QVERIFY(fixed_delay.has_value());
        QCOMPARE(fixed_delay->retry.hedge.quantile, 0.0);
        QCOMPARE(fixed_delay->retry.hedge.after, std::chrono::milliseconds(250));
        QCOMPARE(to_json(*fixed_delay)["retry"]["hedge"]["after"], nlohmann::json(250));
        // A config without the section caches nothing (opt-in), and has no budgets.
        nlohmann::json bare = {{"version", 1}, {"providers", {minimal_provider()}}};
        const auto plain = parse_config(bare, fake_env({}));
        QVERIFY(plain.has_value());
        QVERIFY(!plain->cache.enabled);
        QVERIFY(plain->budgets.empty());
        // The Redis password is a reference, resolved from the environment and never saved.
        bare["cache"] = {{"backend", "redis"}, {"redis", {{"password", "${REDIS_PASSWORD}"}}}};
        const auto redis = parse_config(bare, fake_env({{"REDIS_PASSWORD", "s3cret-redis"}}));
        QVERIFY2(redis.has_value(), redis ? "" : qPrintable(dump(redis.error())));
        QCOMPARE(redis->cache.redis.password, std::string("s3cret-redis"));
        QVERIFY(to_json(*redis).dump().find("s3cret-redis") == std::string::npos);
        // No fleet unless the section names a Redis; its own prefix, apart from the cache's on
        // the same server; its password resolved like the cache's and never saved.
        QVERIFY(!plain->fleet.enabled());
        bare["fleet"] = {{"redis", {{"password", "${REDIS_PASSWORD}"}}}, {"advertise_url", "https://gw-1.internal:8443"}};
        const auto fleet = parse_config(bare, fake_env({{"REDIS_PASSWORD", "s3cret-redis"}}));
        QVERIFY2(fleet.has_value(), fleet ? "" : qPrintable(dump(fleet.error())));
        QVERIFY(fleet->fleet.enabled());
        QCOMPARE(fleet->fleet.redis->key_prefix, std::string("switchboard-fleet:"));
        QCOMPARE(fleet->fleet.redis->password, std::string("s3cret-redis"));
        QCOMPARE(fleet->fleet.advertise_url, std::string("https://gw-1.internal:8443"));
        QVERIFY(to_json(*fleet).dump().find("s3cret-redis") == std::string::npos);
        QCOMPARE(to_json(*fleet)["fleet"]["redis"]["password"].get<std::string>(), std::string("${REDIS_PASSWORD}"));
    }

    // The two tail and batching switches: on in the shipped file, off when a file lacks them,
    // and a wrong type is named with its path.
    void failoverFirstAndCoalescingAreShippedOn() {
        const auto config = default_config(fake_env({}));
        QVERIFY(config.has_value());
        QVERIFY(config->retry.failover_first);
        QVERIFY(config->cache.coalesce_in_flight);
        nlohmann::json bare = {{"version", 1}, {"providers", {minimal_provider()}}};
        const auto plain = parse_config(bare, fake_env({}));
        QVERIFY(plain.has_value());
        QVERIFY(!plain->retry.failover_first);
        QVERIFY(!plain->cache.coalesce_in_flight);
        bare["retry"] = {{"failover_first", true}};
        bare["cache"] = {{"enabled", false}, {"coalesce_in_flight", true}};
        const auto on = parse_config(bare, fake_env({}));
        QVERIFY2(on.has_value(), on ? "" : qPrintable(dump(on.error())));
        QVERIFY(on->retry.failover_first);
        QVERIFY(on->cache.coalesce_in_flight);
        QCOMPARE(to_json(*on)["retry"]["failover_first"], nlohmann::json(true));
        QCOMPARE(to_json(*on)["cache"]["coalesce_in_flight"], nlohmann::json(true));
        bare["retry"] = {{"failover_first", "yes"}};
        const auto wrong = parse_config(bare, fake_env({}));
        QVERIFY(!wrong.has_value());
        QVERIFY2(dump(wrong.error()).contains("retry.failover_first"), qPrintable(dump(wrong.error())));
    }

    void expansionWithFallback() {
        const auto env = fake_env({{"HOST", "example.com"}});
        QCOMPARE(*expand_environment("https://${HOST}/v1", env), std::string("https://example.com/v1"));
        QCOMPARE(*expand_environment("${PORT:-8080}", env), std::string("8080"));
        const auto missing = expand_environment("${NOPE}", env);
        QVERIFY(!missing.has_value());
        QCOMPARE(missing.error(), std::string("environment variable NOPE is not set"));
        QCOMPARE(*parse_single_reference("${OPENAI_API_KEY}"), std::string("OPENAI_API_KEY"));
        QVERIFY(!parse_single_reference("sk-live-123").has_value());
    }

    void validationNamesPathAndRule_data() {
        QTest::addColumn<QString>("patch");  // JSON merge patch applied to a valid config
        QTest::addColumn<QString>("expected");
        QTest::newRow("http remote") << R"({"providers":[{"base_url":"http://api.example.com/v1"}]})"
                                     << "providers[0].base_url: must be https:// unless the host is loopback or listed in transport.allow_http_hosts; \"api.example.com\" is neither (loopback: an address in 127.0.0.0/8, [::1], or the name localhost)";
        QTest::newRow("not a url") << R"({"providers":[{"base_url":"ftp://x"}]})"
                                   << "providers[0].base_url: must be an http:// or https:// URL (\"ftp\" is neither)";
        QTest::newRow("plain key") << R"({"providers":[{"api_key":"sk-live-abc"}]})"
                                   << "providers[0].api_key: must be an environment reference such as "
                                      "\"${OPENAI_API_KEY}\" or a secret reference such as \"secret:openai\"; "
                                      "plain-text keys are not allowed in the config";
        QTest::newRow("bad kind") << R"({"providers":[{"kind":"gemini"}]})"
                                  << "providers[0].kind: must be one of openai, anthropic, openai_compatible";
        QTest::newRow("typo") << R"({"providers":[{"defualt_model":"x"}]})" << "providers[0].defualt_model: unknown key";
        QTest::newRow("retry range") << R"({"retry":{"max_attempts":0}})"
                                     << "retry.max_attempts: must be an integer from 1 to 20";
        QTest::newRow("retry type") << R"({"retry":{"initial_delay_ms":"1s"}})"
                                    << "retry.initial_delay_ms: must be a whole number of milliseconds";
        QTest::newRow("concurrency") << R"({"providers":[{"concurrency":{"min":8,"initial":4,"max":16}}]})"
                                     << "providers[0].concurrency.initial: must lie between concurrency.min and "
                                        "concurrency.max";
        QTest::newRow("default provider") << R"({"default_provider":"nobody"})"
                                          << "default_provider: must name one of the configured providers";
        QTest::newRow("demo mode") << R"({"demo":{"mode":"maybe"}})" << "demo.mode: must be one of auto, on, off";
        QTest::newRow("cache backend") << R"({"cache":{"backend":"memcached"}})"
                                       << "cache.backend: must be one of memory, redis";
        QTest::newRow("cache rule regex") << R"({"cache":{"rules":[{"name":"r","action":"never","match":"regex","pattern":"*x"}]}})"
                                          << "cache.rules[0].pattern: is not a valid regular expression: …";
        QTest::newRow("cache rule keywords") << R"({"cache":{"rules":[{"name":"k","action":"pin","match":"keywords"}]}})"
                                             << "cache.rules[0].keywords: must list at least one keyword";
        QTest::newRow("cache turns") << R"({"cache":{"turns":0}})" << "cache.turns: must be an integer from 1 to 100";
        QTest::newRow("semantic threshold") << R"({"cache":{"semantic":{"threshold":1.5}}})"
                                            << "cache.semantic.threshold: must be a number from 0.0 to 1.0";
        QTest::newRow("semantic zero threshold") << R"({"cache":{"semantic":{"threshold":0}}})"
                                                 << "cache.semantic.threshold: must be above 0";
        QTest::newRow("semantic model") << R"({"cache":{"semantic":{"enabled":true,"model":""}}})"
                                        << "cache.semantic.model: must name an embedding model";
        QTest::newRow("semantic tier") << R"({"cache":{"semantic":{"tiers":["premium"]}}})"
                                       << "cache.semantic.tiers[0]: \"premium\" is not a routing tier";
        QTest::newRow("cold start") << R"({"providers":[{"concurrency":{"cold_start":"eager"}}]})"
                                    << "providers[0].concurrency.cold_start: must be \"demand\" or \"initial\"";
        QTest::newRow("hedge quantile") << R"({"retry":{"hedge":{"after":"p100"}}})"
                                        << "retry.hedge.after: must be a latency quantile from \"p50\" to \"p99\", or milliseconds";
        QTest::newRow("hedge delay") << R"({"retry":{"hedge":{"after":0}}})"
                                     << "retry.hedge.after: must be a latency quantile such as \"p90\", or milliseconds from 1 to 600000";
        QTest::newRow("hedge share") << R"({"retry":{"hedge":{"max_share":2}}})"
                                     << "retry.hedge.max_share: must be a number from 0.0 to 1.0";
        QTest::newRow("hedge unknown key") << R"({"retry":{"hedge":{"after_ms":100}}})"
                                           << "retry.hedge.after_ms: unknown key";
        QTest::newRow("semantic never rule")
            << R"({"cache":{"rules":[{"name":"n","action":"never","match":"personal_data","semantic":true}]}})"
            << "cache.rules[0].semantic: a \"never\" rule's conversations are never cached, semantically or not";
        QTest::newRow("redis password") << R"({"cache":{"redis":{"password":"hunter2"}}})"
                                        << "cache.redis.password: must be an environment reference such as \"${REDIS_PASSWORD}\"; "
                                           "plain-text passwords are not allowed in the config";
        QTest::newRow("fleet redis password") << R"({"fleet":{"redis":{"password":"hunter2"}}})"
                                              << "fleet.redis.password: must be an environment reference such as \"${REDIS_PASSWORD}\"; "
                                                 "plain-text passwords are not allowed in the config";
        QTest::newRow("fleet redis tls") << R"({"fleet":{"redis":{"tls":true}}})"
                                         << "fleet.redis.tls: TLS to Redis is not supported by this build (hiredis 0.14 has "
                                            "none): keep Redis on a private network or reach it through a TLS tunnel "
                                            "such as stunnel, and remove \"tls\"";
        QTest::newRow("fleet url") << R"({"fleet":{"redis":{},"advertise_url":"gw-1:8443"}})"
                                   << "fleet.advertise_url: must start with http:// or https://";
        QTest::newRow("fleet prefix inside the cache's")
            << R"({"cache":{"enabled":true,"backend":"redis"},"fleet":{"redis":{"key_prefix":"switchboard:fleet:"}}})"
            << "fleet.redis.key_prefix: \"switchboard:fleet:\" and the cache's \"switchboard:\" overlap on the same Redis "
               "database: purging the cache would delete the fleet's state. Give one a prefix the other does not start "
               "with, or another database";
        QTest::newRow("budget action") << R"({"budgets":[{"name":"b","limit_usd":5,"action":"panic"}]})"
                                       << "budgets[0].action: must be one of warn, downgrade, refuse";
        QTest::newRow("budget provider") << R"({"budgets":[{"name":"b","limit_usd":5,"provider":"nobody"}]})"
                                         << "budgets[0].provider: must name a configured provider (or be empty for all)";
        QTest::newRow("budget tier") << R"({"budgets":[{"name":"b","limit_usd":5,"action":"downgrade","tier":"nope"}]})"
                                     << "budgets[0].tier: must name a routing tier to move traffic to";
        QTest::newRow("http host listed elsewhere")
            << R"({"transport":{"allow_http_hosts":["models.lan"]},"providers":[{"base_url":"http://gpu.lan:8000/v1"}]})"
            << "providers[0].base_url: must be https:// unless the host is loopback or listed in transport.allow_http_hosts; \"gpu.lan\" is neither (loopback: an address in 127.0.0.0/8, [::1], or the name localhost)";
        QTest::newRow("bad secret name") << R"({"providers":[{"api_key":"secret:Open AI"}]})"
                                         << "providers[0].api_key: secret:NAME must name a secret of 1-64 characters of a-z, "
                                            "0-9, '_', '-', '.'";
        QTest::newRow("privacy typo") << R"({"privacy":{"encrypt":true}})" << "privacy.encrypt: unknown key";
        QTest::newRow("cost typo") << R"({"cost":{"prices":"p.json"}})" << "cost.prices: unknown key";
        QTest::newRow("missing key, demo off") << R"({"demo":{"mode":"off"}})"
                                               << "providers: no provider is usable (set a key, or turn demo mode on)";
    }

    void validationNamesPathAndRule() {
        QFETCH(QString, patch);
        QFETCH(QString, expected);
        nlohmann::json json = {{"version", 1}, {"providers", {minimal_provider()}}};
        const auto delta = nlohmann::json::parse(patch.toStdString());
        if (delta.contains("providers")) {
            json["providers"][0].merge_patch(delta["providers"][0]);
            auto rest = delta;
            rest.erase("providers");
            json.merge_patch(rest);
        } else {
            json.merge_patch(delta);
        }
        const auto result = parse_config(json, fake_env({}));
        QVERIFY(!result.has_value());
        QVERIFY2(has_error(result.error(), expected.toStdString()), qPrintable(dump(result.error())));
    }

    void everyProblemIsReportedNotOnlyTheFirst() {
        nlohmann::json json = {{"providers", {minimal_provider("a"), minimal_provider("a")}}};
        json["providers"][0]["base_url"] = "http://remote.example/v1";
        json["retry"] = {{"max_attempts", 99}};
        const auto result = parse_config(json, fake_env({}));
        QVERIFY(!result.has_value());
        QVERIFY(has_error(result.error(), "providers[0].base_url: must be https:// unless the host is loopback or listed in transport.allow_http_hosts; \"remote.example\" is neither (loopback: an address in 127.0.0.0/8, [::1], or the name localhost)"));
        QVERIFY(has_error(result.error(), "providers[1].name: must be unique (\"a\" is used twice)"));
        QVERIFY(has_error(result.error(), "retry.max_attempts: must be an integer from 1 to 20"));
    }

    void demoOffDisablesProvidersWithoutCredentials() {
        nlohmann::json json = {{"demo", {{"mode", "off"}}},
                               {"providers", {minimal_provider("openai"), minimal_provider("other")}}};
        json["providers"][1]["api_key"] = "${OTHER_KEY}";
        const auto config = parse_config(json, fake_env({{"OPENAI_API_KEY", "sk-test-dummy"}}));
        QVERIFY2(config.has_value(), config ? "" : qPrintable(dump(config.error())));
        QVERIFY(config->provider("openai")->enabled);
        QVERIFY(!config->provider("openai")->simulated);
        QVERIFY(!config->provider("other")->enabled);
        QCOMPARE(config->notes.size(), std::size_t(1));
        QCOMPARE(config->notes[0].to_string(),
                 std::string("providers[1].api_key: environment variable OTHER_KEY is not set; provider disabled "
                             "(demo mode is off)"));
    }

    void listedHttpHostsAndSecretReferences() {
        nlohmann::json json = {{"demo", {{"mode", "off"}}}, {"providers", {minimal_provider("openai"), minimal_provider("gpu")}}};
        json["transport"] = {{"allow_http_hosts", {"GPU.lan"}}};
        json["providers"][0]["api_key"] = "secret:openai";
        json["providers"][1]["kind"] = "openai_compatible";
        json["providers"][1]["api_key"] = "";
        json["providers"][1]["base_url"] = "http://gpu.lan:8000/v1";
        const auto config = parse_config(json, fake_env({{"secret:openai", "sk-from-the-store"}}));
        QVERIFY2(config.has_value(), config ? "" : qPrintable(dump(config.error())));
        QCOMPARE(config->provider("openai")->api_key, std::string("sk-from-the-store"));
        QCOMPARE(config->provider("gpu")->base_url, std::string("http://gpu.lan:8000/v1"));
        // The reference is what is saved, never the value.
        QCOMPARE(to_json(*config)["providers"][0]["api_key"].get<std::string>(), std::string("secret:openai"));
        QVERIFY(to_json(*config).dump().find("sk-from-the-store") == std::string::npos);

        const auto missing = parse_config(json, fake_env({}));
        QVERIFY(missing.has_value());
        QVERIFY(!missing->provider("openai")->enabled);
        QVERIFY2(missing->notes[0].to_string().starts_with("providers[0].api_key: secret openai is not in the secret store ("),
                 missing->notes[0].to_string().c_str());
        QVERIFY(missing->notes[0].to_string().find("add it with: switchboard-gateway secrets set openai") != std::string::npos);
    }

    void loopbackHttpIsAllowed() {
        nlohmann::json json = {{"providers", {minimal_provider()}}};
        json["providers"][0]["base_url"] = "http://127.0.0.1:8080/v1";
        json["providers"][0]["kind"] = "openai_compatible";
        json["providers"][0]["api_key"] = "";
        const auto result = parse_config(json, fake_env({}));
        QVERIFY2(result.has_value(), result ? "" : qPrintable(dump(result.error())));
        QVERIFY(!result->providers[0].simulated);
    }

    // Plain http only where the key cannot be read on the way; the host judged is the one
    // libcurl connects to. Refusals name the JSON path and say why.
    void baseUrlPolicy_data() {
        QTest::addColumn<QString>("url");
        QTest::addColumn<QString>("expected");  // the whole error, or empty when accepted
        const QString neither = QStringLiteral(
            "providers[0].base_url: must be https:// unless the host is loopback or listed in "
            "transport.allow_http_hosts; \"%1\" is neither (loopback: an address in 127.0.0.0/8, [::1], or the "
            "name localhost)");
        const QString userinfo = QStringLiteral(
            "providers[0].base_url: must not hold a user name or password (the part before '@'; the host here is "
            "\"%1\"): a URL is logged and saved in plain text, so give the key in api_key");
        // Names that only look like loopback.
        QTest::newRow("127.evil.example") << "http://127.evil.example/v1" << neither.arg("127.evil.example");
        QTest::newRow("localhost.evil") << "http://localhost.evil/v1" << neither.arg("localhost.evil");
        QTest::newRow("127.0.0.1.evil.example") << "http://127.0.0.1.evil.example" << neither.arg("127.0.0.1.evil.example");
        QTest::newRow("encoded dot") << "http://127.0.0.1%2eevil.example/" << neither.arg("127.0.0.1.evil.example");
        QTest::newRow("0x7f000001.evil") << "http://0x7f000001.evil" << neither.arg("0x7f000001.evil");
        QTest::newRow("foo.localhost") << "http://foo.localhost/v1" << neither.arg("foo.localhost");
        QTest::newRow("localhost.") << "http://localhost./v1" << neither.arg("localhost.");
        QTest::newRow("remote") << "http://evil.example" << neither.arg("evil.example");
        QTest::newRow("any address") << "http://0.0.0.0:8080/v1" << neither.arg("0.0.0.0");
        QTest::newRow("link-local v6") << "http://[fe80::1]/v1" << neither.arg("[fe80::1]");
        // The user-info tricks: the host is what follows '@'. A password is never echoed.
        QTest::newRow("127.0.0.1@evil") << "http://127.0.0.1@evil.example/" << userinfo.arg("evil.example");
        QTest::newRow("localhost:80@evil") << "http://localhost:80@evil.example" << userinfo.arg("evil.example");
        QTest::newRow("user:pw@loopback") << "http://user:pw@127.0.0.1/" << userinfo.arg("127.0.0.1");
        QTest::newRow("empty user") << "http://@127.0.0.1/" << userinfo.arg("127.0.0.1");
        QTest::newRow("https user:pass") << "https://user:pass@api.example.com/v1" << userinfo.arg("api.example.com");
        QTest::newRow("no scheme") << "127.0.0.1:8080/v1"
                                   << "providers[0].base_url: must be an http:// or https:// URL (Unsupported URL scheme)";
        QTest::newRow("bad host") << "http://127.0.0.1;x/v1"
                                  << "providers[0].base_url: must be an http:// or https:// URL (Bad hostname)";
        // Accepted.
        QTest::newRow("127.0.0.1") << "http://127.0.0.1:8089/v1" << "";
        QTest::newRow("127.3.4.5") << "http://127.3.4.5/" << "";
        QTest::newRow("localhost") << "http://localhost:1234" << "";
        QTest::newRow("LOCALHOST") << "http://LOCALHOST/" << "";
        QTest::newRow("[::1]") << "http://[::1]:80/" << "";
        QTest::newRow("v4-mapped loopback") << "http://[::ffff:127.0.0.1]/v1" << "";
        // libcurl itself reads these as 127.0.0.1 and connects there.
        QTest::newRow("0x7f000001") << "http://0x7f000001/" << "";
        QTest::newRow("127.1") << "http://127.1:8080/v1" << "";
        QTest::newRow("listed host") << "http://gpu.lan:8000/v1" << "";
        QTest::newRow("listed, other case") << "http://GPU.Lan/v1" << "";
        QTest::newRow("https") << "https://api.example.com/v1" << "";
        QTest::newRow("https to a look-alike") << "https://127.evil.example/v1" << "";
    }

    void baseUrlPolicy() {
        QFETCH(QString, url);
        QFETCH(QString, expected);
        nlohmann::json json = {{"providers", {minimal_provider()}}};
        json["transport"] = {{"allow_http_hosts", {"gpu.lan"}}};
        json["providers"][0]["base_url"] = url.toStdString();
        json["providers"][0]["kind"] = "openai_compatible";
        json["providers"][0]["api_key"] = "";
        const auto result = parse_config(json, fake_env({}));
        if (expected.isEmpty()) {
            QVERIFY2(result.has_value(), result ? "" : qPrintable(dump(result.error())));
            return;
        }
        QVERIFY(!result.has_value());
        QVERIFY2(has_error(result.error(), expected.toStdString()), qPrintable(dump(result.error())));
        const QString errors = dump(result.error());
        QVERIFY2(!errors.contains(QLatin1String("user:pw")) && !errors.contains(QLatin1String("user:pass")),
                 qPrintable(errors));
    }

    void loadFileErrors() {
        QTemporaryDir dir;
        const auto missing = load_config(dir.filePath("none.json").toStdString(), fake_env({}));
        QVERIFY(!missing.has_value());
        QVERIFY(missing.error()[0].rule.find("cannot read") != std::string::npos);

        const std::string broken = dir.filePath("broken.json").toStdString();
        std::ofstream(broken) << "{\"version\": 1,";
        const auto parsed = load_config(broken, fake_env({}));
        QVERIFY(!parsed.has_value());
        QVERIFY(parsed.error()[0].rule.find("is not valid JSON") != std::string::npos);
    }
};

QTEST_GUILESS_MAIN(TestConfig)
#include "tst_config.moc"
