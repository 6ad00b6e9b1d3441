// Saving applied routing and cache rules into the operator's config file: only the routing
// section (or cache.rules) changes, the file's permissions stay, a file that is not a JSON
// object is left alone, and the result loads back as the same routing or rules.
#include <QTemporaryDir>
#include <QtTest>

#include <filesystem>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "config/config.h"
#include "config/config_file_writer.h"

using namespace sb;

namespace {

std::string read(const std::filesystem::path& file) {
    std::ifstream in(file, std::ios::binary);
    std::stringstream buffer;
    buffer << in.rdbuf();
    return buffer.str();
}

void write(const std::filesystem::path& file, const std::string& text) {
    std::ofstream out(file, std::ios::binary | std::ios::trunc);
    out << text;
}

RoutingConfig two_targets(double first, double second) {
    RoutingConfig routing;
    TierConfig tier;
    tier.name = "standard";
    tier.targets = {RouteTarget{"openai", "", first, true}, RouteTarget{"anthropic", "claude-haiku-4-5", second, false}};
    routing.tiers = {tier};
    ClassifierRule rule;
    rule.name = "long";
    rule.kind = RuleKind::TokensAtLeast;
    rule.threshold = 4000;
    rule.tier = "standard";
    routing.rules = {rule};
    return routing;
}

std::vector<CacheRule> cache_rules() {
    CacheRule never;
    never.name = "no-accounts";
    never.action = CacheAction::Never;
    never.keywords = {"account", "password"};
    CacheRule pin;
    pin.name = "prices";
    pin.action = CacheAction::Pin;
    pin.match = CacheMatch::Regex;
    pin.pattern = "price|cost";
    CacheRule ttl;
    ttl.name = "pii";
    ttl.action = CacheAction::Ttl;
    ttl.match = CacheMatch::PersonalData;
    ttl.ttl = std::chrono::seconds(60);
    ttl.enabled = false;
    return {never, pin, ttl};
}

}  // namespace

class TestConfigFileWriter : public QObject {
    Q_OBJECT

    QTemporaryDir m_dir;

    std::filesystem::path path(const char* name) const { return m_dir.filePath(name).toStdString(); }

private slots:
    void replacesOnlyTheRoutingSection() {
        const auto file = path("config.json");
        const nlohmann::json original = {{"version", 1},
                                         {"default_provider", "openai"},
                                         {"providers", {{{"name", "openai"}, {"api_key", "${OPENAI_API_KEY}"}}}},
                                         {"routing", {{"default_tier", "old"}}}};
        write(file, original.dump());
        std::filesystem::permissions(file, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);

        const auto routing = two_targets(30, 70);
        const auto saved = save_routing_section(file, routing);
        QVERIFY2(saved.has_value(), saved ? "" : saved.error().c_str());

        const auto json = nlohmann::json::parse(read(file));
        QCOMPARE(json["providers"], original["providers"]);  // references stay references
        QCOMPARE(json["default_provider"], original["default_provider"]);
        std::vector<ConfigError> errors;
        const auto back = parse_routing(json["routing"], "routing", errors);
        QVERIFY(errors.empty());
        QVERIFY(back == routing);
        const auto perms = std::filesystem::status(file).permissions() & std::filesystem::perms::mask;
        QCOMPARE(int(perms), int(std::filesystem::perms::owner_read | std::filesystem::perms::owner_write));
        // No temporary file left beside it.
        int files = 0;
        for (const auto& entry : std::filesystem::directory_iterator(file.parent_path()))
            if (entry.path().filename().string().rfind("config.json", 0) == 0) ++files;
        QCOMPARE(files, 1);
    }

    void leavesAFileThatIsNotAnObjectAlone() {
        const auto file = path("broken.json");
        write(file, "[1, 2");
        QVERIFY(!save_routing_section(file, two_targets(1, 1)).has_value());
        QCOMPARE(read(file), std::string("[1, 2"));
        QVERIFY(!save_routing_section(path("missing.json"), two_targets(1, 1)).has_value());
        QVERIFY(!std::filesystem::exists(path("missing.json")));
    }

    void replacesOnlyTheCacheRules() {
        const auto file = path("cache.json");
        const nlohmann::json original = {
            {"version", 1},
            {"providers", {{{"name", "openai"}, {"api_key", "${OPENAI_API_KEY}"}}}},
            {"routing", {{"default_tier", "standard"}}},
            {"cache",
             {{"enabled", true},
              {"max_mb", 64},
              {"redis", {{"password", "${REDIS_PASSWORD}"}}},
              {"rules", {{{"name", "old"}, {"action", "never"}, {"match", "personal_data"}}}}}}};
        write(file, original.dump());

        const auto rules = cache_rules();
        const auto saved = save_cache_rules(file, rules);
        QVERIFY2(saved.has_value(), saved ? "" : saved.error().c_str());

        auto json = nlohmann::json::parse(read(file));
        std::vector<ConfigError> errors;
        const auto back = parse_cache_rules(json["cache"]["rules"], "cache.rules", errors);
        QVERIFY(errors.empty());
        QVERIFY(back == rules);
        // Everything but cache.rules is as it was.
        json["cache"]["rules"] = original["cache"]["rules"];
        QCOMPARE(json.dump(), original.dump());
    }

    void createsTheCacheObjectWhenMissing() {
        const auto file = path("no-cache.json");
        const nlohmann::json original = {{"version", 1}, {"default_provider", "openai"}};
        write(file, original.dump());
        QVERIFY(save_cache_rules(file, cache_rules()).has_value());
        const auto json = nlohmann::json::parse(read(file));
        QCOMPARE(json["default_provider"].dump(), original["default_provider"].dump());
        QCOMPARE(json["cache"].size(), std::size_t(1));  // only the rules: nothing defaulted leaks in
        QCOMPARE(json["cache"]["rules"].dump(), to_json(cache_rules()).dump());
    }

    void leavesACacheThatIsNotAnObjectAlone() {
        const auto file = path("odd-cache.json");
        const std::string odd = nlohmann::json{{"cache", true}}.dump();
        write(file, odd);
        QVERIFY(!save_cache_rules(file, cache_rules()).has_value());
        QCOMPARE(read(file), odd);
        write(file, "[1, 2");
        QVERIFY(!save_cache_rules(file, cache_rules()).has_value());
        QCOMPARE(read(file), std::string("[1, 2"));
    }

    void namesThePriceFileAndNothingElse() {
        const auto file = path("cost.json");
        const nlohmann::json original = {{"version", 1}, {"cost", {{"pricing", ""}}}, {"store", {{"path", "/x.db"}}}};
        write(file, original.dump());
        QVERIFY(save_pricing_file_name(file, "/etc/switchboard/pricing.json").has_value());
        auto json = nlohmann::json::parse(read(file));
        QCOMPARE(json["cost"]["pricing"].get<std::string>(), std::string("/etc/switchboard/pricing.json"));
        json["cost"]["pricing"] = "";
        QCOMPARE(json.dump(), original.dump());
        const std::string odd = nlohmann::json{{"cost", 3}}.dump();
        write(file, odd);
        const auto refused = save_pricing_file_name(file, "/p.json");
        QVERIFY(!refused.has_value());
        QCOMPARE(refused.error(), file.string() + ": \"cost\" is not an object; the price file's name not saved");
        QCOMPARE(read(file), odd);
    }

    void atomicWriteReplacesTheWholeFile() {
        const auto file = path("plain.txt");
        write(file, "a much longer old content");
        QVERIFY(write_file_atomically(file, "new").has_value());
        QCOMPARE(read(file), std::string("new"));
        QVERIFY(!write_file_atomically(path("no-such-dir/x.json"), "x").has_value());
    }
};

QTEST_MAIN(TestConfigFileWriter)
#include "tst_config_file_writer.moc"
