// RemoteConsole: the console's operations on a gateway across the network.
#include "console/remote_console.h"

#include <algorithm>
#include <future>
#include <map>
#include <random>
#include <set>

#include "cache/cache_status.h"
#include "console/console_wire.h"
#include "model/clock.h"
#include "model/request_id.h"
#include "providers/openai_response_reader.h"
#include "providers/openai_translation.h"
#include "transport/http_client.h"
#include "transport/url_policy.h"

namespace sb {

namespace {

constexpr std::chrono::milliseconds kFirstRetry{500};
constexpr std::chrono::milliseconds kLongestRetry{10'000};
constexpr std::chrono::milliseconds kCallTimeout{30'000};
constexpr std::chrono::milliseconds kSilenceCheck{250};
constexpr std::int64_t kBackfillSeconds = 3600;

ConsoleError plain_error(std::string message) { return ConsoleError{std::move(message), {}, {}}; }

std::string trimmed_url(std::string url) {
    while (!url.empty() && url.back() == '/') url.pop_back();
    return url;
}

// "gw-eu-1:8443" from "https://gw-eu-1:8443".
std::string host_port_of(const std::string& url) {
    const auto start = url.find("://");
    return start == std::string::npos ? url : url.substr(start + 3);
}

std::string uptime_text(std::int64_t started_ms) {
    const auto seconds = std::max<std::int64_t>(0, (unix_ms_now() - started_ms) / 1000);
    if (seconds >= 2 * 86400) return std::to_string(seconds / 86400) + " days up";
    if (seconds >= 2 * 3600) return std::to_string(seconds / 3600) + " hours up";
    if (seconds >= 120) return std::to_string(seconds / 60) + " min up";
    return std::to_string(seconds) + " s up";
}

// Why a call failed, in words: the gateway's own message when it sent one.
ConsoleError failure_of(const HttpResponse& response, const std::string& url) {
    if (response.status == 0) {
        std::string why = response.idle_timed_out ? "no answer in time" : response.curl_error;
        if (why.empty()) why = "no answer";
        return plain_error("the gateway at " + url + " could not be reached: " + why);
    }
    const auto json = nlohmann::json::parse(response.body, nullptr, false);
    if (!json.is_discarded() && json.is_object() && json.contains("error") && json["error"].is_object()) {
        if (auto error = wire::decode<ConsoleError>(json["error"]); error && !error->message.empty()) {
            if (response.status == 401) error->message = "the gateway refused the admin key: " + error->message;
            return *error;
        }
    }
    if (response.status == 401) return plain_error("the gateway refused the admin key (401)");
    if (response.status == 404) return plain_error("the gateway has no admin API v1 (404): is an admin key set on it?");
    return plain_error("the gateway answered HTTP " + std::to_string(response.status));
}

template <class T>
ConsoleResult<T> decoded(const nlohmann::json& json, const char* what) {
    auto value = wire::decode<T>(json);
    if (!value) return std::unexpected(plain_error(std::string("the gateway's ") + what + " could not be read: " + value.error()));
    return std::move(*value);
}

}  // namespace

struct RemoteConsole::Mirror {
    ConsoleSource::Link link = ConsoleSource::Link::Connecting;
    std::string problem;         // why the link is down
    std::int64_t retry_at_ms = 0;
    bool connected_once = false;
    std::string name, version, instance_id;
    std::int64_t started_ms = 0;
    bool demo_mode = false;
    Config config;
    EngineStats stats;
    std::vector<TargetState> targets;
    std::vector<BudgetStatus> budgets;
    SpendForecast forecast;
    std::optional<ResponseCacheStats> cache;
    std::optional<HistoryWriterStats> history;
    SettingsVersions versions;
    SettingsChanges changes;
    std::vector<ConfigVersion> config_versions;
    std::optional<std::vector<CacheRule>> cache_rules;
    std::shared_ptr<const PriceTable> prices = std::make_shared<PriceTable>(PriceTable::built_in());
    std::vector<AlertRule> alert_rules;
    AlertsSnapshot alerts;
    std::optional<FleetStatus> fleet;
    std::set<std::uint64_t> announced;  // alert events already handed to listeners
    bool alerts_seen = false;           // the first alerts arrived (with the state)
    std::map<std::uint64_t, AlertListener> listeners;
    std::uint64_t next_listener = 1;
    bool demo_running = false;
    int demo_rate = 0;
    std::int64_t covered_until_s = 0;  // the newest second a tick brought
    std::map<std::string, std::uint64_t> requests;  // submit id → transfer
};

std::expected<std::unique_ptr<RemoteConsole>, std::string> RemoteConsole::create(RemoteConsoleOptions options) {
    options.url = trimmed_url(std::move(options.url));
    if (auto allowed = check_base_url(options.url, {}); !allowed)
        return std::unexpected("the gateway's URL " + allowed.error());
    if (options.admin_key.empty()) return std::unexpected(std::string("an admin key is needed to attach to a gateway"));
    return std::unique_ptr<RemoteConsole>(new RemoteConsole(std::move(options)));
}

RemoteConsole::RemoteConsole(RemoteConsoleOptions options)
    : m_options(std::move(options)),
      m_mirror(std::make_unique<Mirror>()),
      m_http(std::make_unique<HttpClient>(HttpClientOptions{.ca_bundle = m_options.ca_file})) {}

// The members' order does the rest: the timer stops, then the transport cancels what is in
// flight (its callbacks see m_stopping).
RemoteConsole::~RemoteConsole() {
    std::lock_guard lock(m_mutex);
    m_stopping = true;
}

void RemoteConsole::connect() {
    open_stream();
    m_timer.schedule(kSilenceCheck, [this] { check_silence(); });
}

bool RemoteConsole::wait_connected(std::chrono::milliseconds limit) const {
    std::unique_lock lock(m_mutex);
    return m_changed.wait_for(lock, limit, [this] {
        return m_mirror->link == ConsoleSource::Link::Connected || m_mirror->link == ConsoleSource::Link::Disconnected;
    }) && m_mirror->link == ConsoleSource::Link::Connected;
}

// --- the stream -------------------------------------------------------------------------

void RemoteConsole::open_stream() {
    std::uint64_t generation = 0;
    {
        std::lock_guard lock(m_mutex);
        if (m_stopping) return;
        generation = ++m_stream_generation;
        m_parser.reset();
    }
    m_last_byte_ms = unix_ms_now();
    HttpRequest request;
    request.method = "GET";
    request.url = m_options.url + "/admin/v1/stream";
    request.headers = {{"authorization", "Bearer " + m_options.admin_key}, {"accept", "text/event-stream"}};
    request.connect_timeout = m_options.silence_limit * 2;
    request.total_timeout = std::chrono::hours(24 * 365);
    request.idle_timeout = m_options.silence_limit;
    const auto id = m_http->send(
        std::move(request),
        [this, generation](HttpResponse&& response) {
            std::string why;
            if (response.cancelled) why = "closed";
            else if (response.status >= 200 && response.status < 300)
                why = response.idle_timed_out ? "no tick for " + std::to_string(m_options.silence_limit.count()) + " ms"
                                              : "the gateway ended the stream";
            else why = failure_of(response, m_options.url).message;
            on_stream_end(generation, std::move(why));
        },
        [this, generation](std::string_view bytes) { on_stream_bytes(generation, bytes); });
    std::lock_guard lock(m_mutex);
    if (generation == m_stream_generation) m_stream_id = id;
}

void RemoteConsole::on_stream_bytes(std::uint64_t generation, std::string_view bytes) {
    {
        std::lock_guard lock(m_mutex);
        if (generation != m_stream_generation || m_stopping) return;
    }
    m_last_byte_ms = unix_ms_now();
    m_parser.feed(bytes, [this](SseEvent&& event) { on_event(event); });
}

void RemoteConsole::on_event(const SseEvent& event) {
    const auto json = nlohmann::json::parse(event.data, nullptr, false);
    if (json.is_discarded() || !json.is_object()) return;
    if (event.event == "state") apply_state(json);
    else if (event.event == "tick") apply_tick(json);
    else if (event.event == "settings") apply_settings(json);
    else if (event.event == "alerts") apply_alerts(json);
}

void RemoteConsole::apply_state(const nlohmann::json& state) {
    std::int64_t backfill_from = 0;
    {
        std::lock_guard lock(m_mutex);
        auto& m = *m_mirror;
        const auto& instance = state.value("instance", nlohmann::json::object());
        m.name = instance.value("name", host_port_of(m_options.url));
        m.version = instance.value("version", "");
        m.started_ms = instance.value("started_ms", std::int64_t{0});
        m.instance_id = instance.value("instance_id", "");
        m.demo_mode = instance.value("demo_mode", false);
        m.config.default_provider = instance.value("default_provider", "");
        if (auto cache = wire::decode<CacheConfig>(instance.value("cache", nlohmann::json::object()))) m.config.cache = *cache;
        if (auto budgets = wire::decode<std::vector<Budget>>(instance.value("budgets", nlohmann::json::array())))
            m.config.budgets = *budgets;
        m.link = ConsoleSource::Link::Connected;
        m.problem.clear();
        backfill_from = m.covered_until_s ? m.covered_until_s : unix_ms_now() / 1000 - kBackfillSeconds;
        m.connected_once = true;
        m_failures = 0;
    }
    apply_settings(state);
    apply_alerts(state.value("alerts", nlohmann::json::object()));
    apply_tick(state);
    m_changed.notify_all();
    backfill(backfill_from);
}

void RemoteConsole::apply_tick(const nlohmann::json& tick) {
    const auto from_s = tick.value("from_s", std::int64_t{0});
    const auto until_s = tick.value("until_s", std::int64_t{0});
    if (auto seconds = wire::decode<std::vector<MetricsSecond>>(tick.value("seconds", nlohmann::json::array())))
        m_metrics.replace(from_s, until_s, *seconds);
    if (auto totals = wire::decode<MetricsTotals>(tick.value("totals", nlohmann::json::object()))) m_metrics.set_totals(*totals);
    std::lock_guard lock(m_mutex);
    auto& m = *m_mirror;
    m.covered_until_s = std::max(m.covered_until_s, until_s);
    if (auto v = wire::decode<EngineStats>(tick.value("stats", nlohmann::json::object()))) m.stats = std::move(*v);
    if (auto v = wire::decode<std::vector<TargetState>>(tick.value("targets", nlohmann::json::array()))) m.targets = std::move(*v);
    if (auto v = wire::decode<std::vector<BudgetStatus>>(tick.value("budgets", nlohmann::json::array()))) m.budgets = std::move(*v);
    if (auto v = wire::decode<SpendForecast>(tick.value("forecast", nlohmann::json::object()))) m.forecast = *v;
    if (auto v = wire::decode<std::optional<ResponseCacheStats>>(tick.value("cache", nlohmann::json()))) m.cache = std::move(*v);
    if (auto v = wire::decode<std::optional<HistoryWriterStats>>(tick.value("history", nlohmann::json()))) m.history = std::move(*v);
    if (auto v = wire::decode<std::optional<FleetStatus>>(tick.value("fleet", nlohmann::json()))) m.fleet = std::move(*v);
    const auto& demo = tick.value("demo_traffic", nlohmann::json::object());
    m.demo_running = demo.value("running", false);
    m.demo_rate = demo.value("rate", 0);
}

// Versions move only with the sections they number, so a page never pairs a new version
// with an old setting.
void RemoteConsole::apply_settings(const nlohmann::json& s) {
    std::lock_guard lock(m_mutex);
    auto& m = *m_mirror;
    if (s.contains("routing"))
        if (auto v = wire::decode<RoutingConfig>(s["routing"])) m.config.routing = std::move(*v);
    if (s.contains("config_versions"))
        if (auto v = wire::decode<std::vector<ConfigVersion>>(s["config_versions"])) m.config_versions = std::move(*v);
    if (s.contains("cache_rules")) {
        if (s["cache_rules"].is_null()) m.cache_rules.reset();
        else if (auto v = wire::decode<std::vector<CacheRule>>(s["cache_rules"])) m.cache_rules = std::move(*v);
    }
    if (s.contains("prices"))
        if (auto v = wire::decode<PriceTable>(s["prices"])) m.prices = std::make_shared<const PriceTable>(std::move(*v));
    if (s.contains("alert_rules"))
        if (auto v = wire::decode<std::vector<AlertRule>>(s["alert_rules"])) m.alert_rules = std::move(*v);
    if (s.contains("providers"))
        if (auto v = wire::decode<std::vector<ProviderConfig>>(s["providers"])) m.config.providers = std::move(*v);
    if (s.contains("versions"))
        if (auto v = wire::decode<SettingsVersions>(s["versions"])) m.versions = *v;
    if (s.contains("changes"))
        if (auto v = wire::decode<SettingsChanges>(s["changes"])) m.changes = std::move(*v);
}

void RemoteConsole::apply_alerts(const nlohmann::json& alerts) {
    auto events = wire::decode<std::vector<AlertEvent>>(alerts.value("events", nlohmann::json::array()));
    if (!events) return;
    std::vector<AlertEvent> fresh;
    std::vector<AlertListener> listeners;
    {
        std::lock_guard lock(m_mutex);
        auto& m = *m_mirror;
        // The events already there when the console attached are history, not news.
        const bool first = !m.alerts_seen;
        m.alerts_seen = true;
        m.alerts.generation = alerts.value("generation", m.alerts.generation + 1);
        m.alerts.firing = alerts.value("firing", std::size_t{0});
        for (const auto& event : *events)
            if (event.state == AlertState::Firing && m.announced.insert(event.id).second && !first) fresh.push_back(event);
        m.alerts.events = std::move(*events);
        for (const auto& [token, listener] : m.listeners) listeners.push_back(listener);
    }
    for (const auto& event : fresh)
        for (const auto& listener : listeners) listener(event);
}

void RemoteConsole::backfill(std::int64_t since_s) {
    const auto until_s = unix_ms_now() / 1000;
    call("POST", "/metrics/seconds", {{"since_s", since_s}, {"until_s", until_s}},
         [this](ConsoleResult<nlohmann::json> answer) {
             if (!answer) return;
             const auto& json = *answer;
             if (auto seconds = wire::decode<std::vector<MetricsSecond>>(json.value("seconds", nlohmann::json::array())))
                 m_metrics.replace(json.value("from_s", std::int64_t{0}), json.value("until_s", std::int64_t{0}), *seconds);
         });
}

void RemoteConsole::on_stream_end(std::uint64_t generation, std::string why) {
    {
        std::lock_guard lock(m_mutex);
        if (generation != m_stream_generation || m_stopping) return;
        ++m_stream_generation;  // late bytes of this stream are ignored
    }
    lose(std::move(why));
}

void RemoteConsole::lose(std::string why) {
    std::chrono::milliseconds pause;
    {
        std::lock_guard lock(m_mutex);
        if (m_stopping) return;
        static thread_local std::mt19937 random{std::random_device{}()};
        const std::chrono::milliseconds doubled = kFirstRetry * (1 << std::min(m_failures, 5));
        const auto jitter = std::uniform_real_distribution<double>(0.8, 1.2)(random);
        pause = std::chrono::milliseconds(
            static_cast<std::int64_t>(static_cast<double>(std::min(doubled, kLongestRetry).count()) * jitter));
        ++m_failures;
        m_mirror->link = ConsoleSource::Link::Disconnected;
        m_mirror->problem = std::move(why);
        m_mirror->retry_at_ms = unix_ms_now() + pause.count();
    }
    m_changed.notify_all();
    m_timer.schedule(pause, [this] { open_stream(); });
}

// curl's idle timeout ends a silent stream; this catches a link that is lost before the
// stream even started to send (a connect that hangs).
void RemoteConsole::check_silence() {
    bool silent = false;
    std::uint64_t stream = 0;
    {
        std::lock_guard lock(m_mutex);
        if (m_stopping) return;
        silent = m_mirror->link != ConsoleSource::Link::Disconnected &&
                 unix_ms_now() - m_last_byte_ms.load() > m_options.silence_limit.count() + kSilenceCheck.count();
        stream = m_stream_id;
    }
    if (silent) m_http->cancel(stream);  // its done callback reports the loss and reconnects
    m_timer.schedule(kSilenceCheck, [this] { check_silence(); });
}

// --- calls ------------------------------------------------------------------------------

void RemoteConsole::call(std::string method, std::string path, nlohmann::json body, CallDone done) const {
    HttpRequest request;
    request.method = std::move(method);
    request.url = m_options.url + "/admin/v1" + path;
    request.headers = {{"authorization", "Bearer " + m_options.admin_key}, {"content-type", "application/json"}};
    if (request.method != "GET") request.body = body.dump();
    request.connect_timeout = std::chrono::milliseconds(5000);
    request.total_timeout = kCallTimeout;
    request.idle_timeout = kCallTimeout;
    m_http->send(std::move(request), [url = m_options.url, done = std::move(done)](HttpResponse&& response) {
        if (response.cancelled) return done(std::unexpected(plain_error("cancelled: the console is detaching")));
        if (response.status < 200 || response.status >= 300) return done(std::unexpected(failure_of(response, url)));
        auto json = nlohmann::json::parse(response.body, nullptr, false);
        if (json.is_discarded()) return done(std::unexpected(plain_error("the gateway's answer is not JSON")));
        done(std::move(json));
    });
}

// --- reads ------------------------------------------------------------------------------

ConsoleSource RemoteConsole::source() const {
    std::lock_guard lock(m_mutex);
    const auto& m = *m_mirror;
    ConsoleSource source;
    source.link = m.link;
    source.name = m.name.empty() ? host_port_of(m_options.url) : m.name + " (" + host_port_of(m_options.url) + ")";
    switch (m.link) {
    case ConsoleSource::Link::Connected:
        source.detail = uptime_text(m.started_ms) + (m.version.empty() ? "" : ", v" + m.version);
        break;
    case ConsoleSource::Link::Disconnected: {
        const auto wait_s = std::max<std::int64_t>(0, (m.retry_at_ms - unix_ms_now() + 999) / 1000);
        source.detail = "disconnected: " + m.problem + "; retrying in " + std::to_string(wait_s) + " s";
        break;
    }
    default: source.detail = m.connected_once ? "reconnecting…" : "connecting…";
    }
    return source;
}

bool RemoteConsole::demo_mode() const {
    std::lock_guard lock(m_mutex);
    return m_mirror->demo_mode;
}

MetricsSnapshot RemoteConsole::metrics(std::chrono::milliseconds window, std::chrono::milliseconds resolution) const {
    return m_metrics.recent(window, resolution);
}
std::vector<TargetMetrics> RemoteConsole::metrics_by_target(std::chrono::milliseconds window) const {
    return m_metrics.by_target(window);
}
std::vector<MetricsSecond> RemoteConsole::metrics_seconds(std::int64_t since_s, std::int64_t until_s) const {
    return m_metrics.seconds(since_s, until_s);
}
MetricsTotals RemoteConsole::metrics_totals() const { return m_metrics.totals(); }

#define SB_MIRRORED(type, name, member)     \
    type RemoteConsole::name() const {       \
        std::lock_guard lock(m_mutex);       \
        return m_mirror->member;             \
    }
SB_MIRRORED(EngineStats, stats, stats)
SB_MIRRORED(std::vector<TargetState>, target_states, targets)
SB_MIRRORED(std::vector<BudgetStatus>, budget_status, budgets)
SB_MIRRORED(SpendForecast, spend_forecast, forecast)
SB_MIRRORED(std::optional<ResponseCacheStats>, cache_stats, cache)
SB_MIRRORED(std::optional<HistoryWriterStats>, history_stats, history)
SB_MIRRORED(SettingsVersions, versions, versions)
SB_MIRRORED(SettingsChanges, changes, changes)
SB_MIRRORED(std::optional<FleetStatus>, fleet, fleet)
SB_MIRRORED(Config, started_config, config)
SB_MIRRORED(std::vector<ProviderConfig>, providers, config.providers)
SB_MIRRORED(RoutingConfig, routing, config.routing)
SB_MIRRORED(std::vector<ConfigVersion>, config_versions, config_versions)
SB_MIRRORED(std::optional<std::vector<CacheRule>>, cache_rules, cache_rules)
SB_MIRRORED(std::shared_ptr<const PriceTable>, prices, prices)
SB_MIRRORED(std::vector<AlertRule>, alert_rules, alert_rules)
SB_MIRRORED(bool, demo_traffic_running, demo_running)
SB_MIRRORED(int, demo_traffic_rate, demo_rate)
#undef SB_MIRRORED

AlertsSnapshot RemoteConsole::alerts(std::uint64_t known_generation) const {
    std::lock_guard lock(m_mutex);
    AlertsSnapshot snapshot;
    snapshot.generation = m_mirror->alerts.generation;
    snapshot.firing = m_mirror->alerts.firing;
    if (snapshot.generation != known_generation) snapshot.events = m_mirror->alerts.events;
    return snapshot;
}

std::uint64_t RemoteConsole::subscribe_alerts(AlertListener listener) {
    std::lock_guard lock(m_mutex);
    const auto token = m_mirror->next_listener++;
    m_mirror->listeners.emplace(token, std::move(listener));
    return token;
}

void RemoteConsole::unsubscribe_alerts(std::uint64_t token) {
    std::lock_guard lock(m_mutex);
    m_mirror->listeners.erase(token);
}

// --- history ----------------------------------------------------------------------------

namespace {

// History queries block their worker thread (never the GUI's) until the gateway answers.
class RemoteHistorySource final : public HistorySource {
public:
    explicit RemoteHistorySource(const RemoteConsole& console) : m_console(console) {}

    std::expected<HistoryPage, std::string> page(const HistoryFilter& filter, std::optional<HistoryCursor> after,
                                                 int limit) override {
        auto answer = ask("/history/page", {{"filter", wire::encode(filter)}, {"after", wire::encode(after)}, {"limit", limit}});
        if (!answer) return std::unexpected(answer.error());
        return wire::decode<HistoryPage>(*answer);
    }

    std::expected<std::int64_t, std::string> count(const HistoryFilter& filter) override {
        auto answer = ask("/history/count", {{"filter", wire::encode(filter)}});
        if (!answer) return std::unexpected(answer.error());
        return answer->value("count", std::int64_t{0});
    }

    std::expected<std::vector<RollupRow>, std::string> rollups(std::int64_t since_ms, std::int64_t until_ms) override {
        auto answer = ask("/history/rollups", {{"since_ms", since_ms}, {"until_ms", until_ms}});
        if (!answer) return std::unexpected(answer.error());
        return wire::decode<std::vector<RollupRow>>(answer->value("rollups", nlohmann::json::array()));
    }

private:
    std::expected<nlohmann::json, std::string> ask(std::string path, nlohmann::json body) {
        auto promise = std::make_shared<std::promise<ConsoleResult<nlohmann::json>>>();
        auto future = promise->get_future();
        m_console.call("POST", std::move(path), std::move(body),
                       [promise](ConsoleResult<nlohmann::json> answer) { promise->set_value(std::move(answer)); });
        auto answer = future.get();  // the call's own timeout bounds the wait
        if (!answer) return std::unexpected(answer.error().message);
        return std::move(*answer);
    }

    const RemoteConsole& m_console;
};

}  // namespace

std::unique_ptr<HistorySource> RemoteConsole::open_history() const { return std::make_unique<RemoteHistorySource>(*this); }

// --- requests ---------------------------------------------------------------------------

// Through the gateway's /v1, as an application's request would go, signed with the admin key.
std::string RemoteConsole::submit(ChatRequest request, DoneCallback on_done, DeltaCallback on_delta) {
    const std::string id = request.id.empty() ? new_request_id() : request.id;
    request.stream = false;
    HttpRequest http;
    http.url = m_options.url + "/v1/chat/completions";
    http.headers = {{"authorization", "Bearer " + m_options.admin_key}, {"content-type", "application/json"}};
    for (const auto& header : request.extra_headers) http.headers.push_back(header);
    http.body = chat_request_to_openai(request);
    http.total_timeout = std::chrono::minutes(10);
    const auto started = unix_ms_now();
    auto done = [this, id, started, on_done = std::move(on_done), on_delta = std::move(on_delta)](HttpResponse&& response) {
        {
            std::lock_guard lock(m_mutex);
            m_mirror->requests.erase(id);
        }
        RequestResult result;
        result.request_id = id;
        result.started_unix_ms = started;
        result.total_ms = static_cast<double>(unix_ms_now() - started);
        result.timings = response.timings;
        for (const auto& [name, value] : response.headers) {
            if (name == "x-switchboard-provider") result.provider = value;
            else if (name == "x-switchboard-model") result.model = value;
            else if (name == "x-switchboard-tier") result.tier = value;
            else if (name == "x-switchboard-cost-usd") result.cost_usd = std::strtod(value.c_str(), nullptr);
            else if (name == "x-switchboard-cache")
                for (auto status : {CacheStatus::Off, CacheStatus::Skip, CacheStatus::Miss, CacheStatus::Hit,
                                    CacheStatus::SemanticHit, CacheStatus::Bypass, CacheStatus::Coalesced})
                    if (to_string(status) == value) result.cache = status;
        }
        if (response.cancelled) result.outcome = std::unexpected(Error{ErrorClass::Cancelled, "cancelled"});
        else if (response.status == 0)
            result.outcome = std::unexpected(Error{ErrorClass::Network, failure_of(response, m_options.url).message});
        else result.outcome = chat_response_from_openai(response.body, response.status);
        if (result.ok() && on_delta) on_delta(StreamDelta{result.outcome->content, result.outcome->finish_reason, result.outcome->usage});
        on_done(std::move(result));
    };
    const auto transfer = m_http->send(std::move(http), std::move(done));
    std::lock_guard lock(m_mutex);
    m_mirror->requests.emplace(id, transfer);
    return id;
}

void RemoteConsole::cancel(const std::string& request_id) {
    std::uint64_t transfer = 0;
    {
        std::lock_guard lock(m_mutex);
        const auto it = m_mirror->requests.find(request_id);
        if (it == m_mirror->requests.end()) return;
        transfer = it->second;
    }
    m_http->cancel(transfer);
}

void RemoteConsole::preview_route(ChatRequest request, ConsoleReply<RoutePreview> reply) const {
    call("POST", "/preview/route", {{"request", wire::encode(request)}}, [reply = std::move(reply)](auto answer) {
        if (!answer) return reply(std::unexpected(std::move(answer.error())));
        reply(decoded<RoutePreview>(*answer, "route preview"));
    });
}

void RemoteConsole::preview_cache(ChatRequest request, ConsoleReply<std::optional<CachePreview>> reply) const {
    call("POST", "/preview/cache", {{"request", wire::encode(request)}}, [reply = std::move(reply)](auto answer) {
        if (!answer) return reply(std::unexpected(std::move(answer.error())));
        reply(decoded<std::optional<CachePreview>>(answer->value("preview", nlohmann::json()), "cache preview"));
    });
}

void RemoteConsole::predict(ChatRequest request, ConsoleReply<TokenPrediction> reply) const {
    call("POST", "/predict", {{"request", wire::encode(request)}}, [reply = std::move(reply)](auto answer) {
        if (!answer) return reply(std::unexpected(std::move(answer.error())));
        reply(decoded<TokenPrediction>(*answer, "token prediction"));
    });
}

// --- settings ---------------------------------------------------------------------------

void RemoteConsole::apply_providers(std::vector<ProviderConfig>, ConsoleReply<void> reply) {
    reply(std::unexpected(plain_error("providers are changed in the gateway's config file on its machine, not from a "
                                      "console attached over the network (their keys stay there)")));
}

void RemoteConsole::test_connection(ProviderConfig provider, ConsoleReply<ConnectionTest> reply) {
    call("POST", "/providers/test", {{"provider", provider.name}}, [reply = std::move(reply)](auto answer) {
        if (!answer) return reply(std::unexpected(std::move(answer.error())));
        reply(decoded<ConnectionTest>(*answer, "connection test"));
    });
}

namespace {

nlohmann::json change_body(const char* field, nlohmann::json value, const ChangeBasis& basis, const std::string& author) {
    nlohmann::json body = {{field, std::move(value)}, {"author", basis.author.empty() ? author : basis.author}};
    if (basis.base_version) body["base_version"] = *basis.base_version;
    return body;
}

}  // namespace

// A change goes as PUT. The gateway's answer carries the new versions: the copy takes them
// with the change at once (the next settings event confirms both), so a page reading the
// live setting and its version right after the reply sees its own change.
template <class T>
void RemoteConsole::put(std::string path, nlohmann::json body, std::function<void(Mirror&, const nlohmann::json&)> applied,
                        ConsoleReply<T> reply) {
    call("PUT", std::move(path), std::move(body),
         [this, applied = std::move(applied), reply = std::move(reply)](ConsoleResult<nlohmann::json> answer) {
             if (!answer) return reply(std::unexpected(std::move(answer.error())));
             {
                 std::lock_guard lock(m_mutex);
                 if (auto versions = wire::decode<SettingsVersions>(answer->value("versions", nlohmann::json::object())))
                     m_mirror->versions = *versions;
                 if (auto changes = wire::decode<SettingsChanges>(answer->value("changes", nlohmann::json::object())))
                     m_mirror->changes = std::move(*changes);
                 applied(*m_mirror, *answer);
             }
             if constexpr (std::is_void_v<T>) reply({});
             else reply(decoded<T>(answer->value("version", nlohmann::json::object()), "new version"));
         });
}

void RemoteConsole::apply_routing(RoutingConfig routing, ChangeBasis basis, ConsoleReply<ConfigVersion> reply) {
    auto body = change_body("routing", wire::encode(routing), basis, m_options.operator_name);
    put<ConfigVersion>("/routing", std::move(body),
                       [routing = std::move(routing)](Mirror& m, const nlohmann::json& answer) {
                           m.config.routing = routing;
                           if (auto version = wire::decode<ConfigVersion>(answer.value("version", nlohmann::json::object())))
                               m.config_versions.push_back(std::move(*version));
                       },
                       std::move(reply));
}

void RemoteConsole::apply_cache_rules(std::vector<CacheRule> rules, ChangeBasis basis, ConsoleReply<void> reply) {
    auto body = change_body("rules", wire::encode(rules), basis, m_options.operator_name);
    put<void>("/cache/rules", std::move(body),
              [rules = std::move(rules)](Mirror& m, const nlohmann::json&) { m.cache_rules = rules; }, std::move(reply));
}

void RemoteConsole::purge_cache(std::string rule, ConsoleReply<std::size_t> reply) {
    call("POST", "/cache/purge", {{"rule", rule}}, [reply = std::move(reply)](auto answer) {
        if (!answer) return reply(std::unexpected(std::move(answer.error())));
        reply(answer->value("purged", std::size_t{0}));
    });
}

void RemoteConsole::apply_prices(PriceTable prices, ChangeBasis basis, ConsoleReply<void> reply) {
    auto body = change_body("prices", wire::encode(prices), basis, m_options.operator_name);
    put<void>("/prices", std::move(body),
              [prices = std::make_shared<const PriceTable>(std::move(prices))](Mirror& m, const nlohmann::json&) {
                  m.prices = prices;
              },
              std::move(reply));
}

void RemoteConsole::apply_alert_rules(std::vector<AlertRule> rules, ChangeBasis basis, ConsoleReply<void> reply) {
    auto body = change_body("rules", wire::encode(rules), basis, m_options.operator_name);
    put<void>("/alerts/rules", std::move(body),
              [rules = std::move(rules)](Mirror& m, const nlohmann::json&) { m.alert_rules = rules; }, std::move(reply));
}

// --- keys and demo traffic --------------------------------------------------------------

void RemoteConsole::list_keys(ConsoleReply<std::vector<GatewayKeyInfo>> reply) {
    call("GET", "/keys", nullptr, [reply = std::move(reply)](auto answer) {
        if (!answer) return reply(std::unexpected(std::move(answer.error())));
        reply(decoded<std::vector<GatewayKeyInfo>>(answer->value("keys", nlohmann::json::array()), "key list"));
    });
}

void RemoteConsole::create_key(std::string name, GatewayKeyLimits limits, ConsoleReply<NewGatewayKey> reply) {
    call("POST", "/keys", {{"name", name}, {"limits", wire::encode(limits)}}, [reply = std::move(reply)](auto answer) {
        if (!answer) return reply(std::unexpected(std::move(answer.error())));
        reply(decoded<NewGatewayKey>(*answer, "new key"));
    });
}

void RemoteConsole::change_key_limits(std::string id_or_prefix, GatewayKeyLimitChange change,
                                      ConsoleReply<GatewayKeyInfo> reply) {
    call("POST", "/keys/limits", {{"key", id_or_prefix}, {"change", wire::encode(change)}},
         [reply = std::move(reply)](auto answer) {
             if (!answer) return reply(std::unexpected(std::move(answer.error())));
             reply(decoded<GatewayKeyInfo>(answer->value("key", nlohmann::json::object()), "key"));
         });
}

void RemoteConsole::revoke_key(std::string id_or_prefix, ConsoleReply<GatewayKeyInfo> reply) {
    call("POST", "/keys/revoke", {{"key", id_or_prefix}}, [reply = std::move(reply)](auto answer) {
        if (!answer) return reply(std::unexpected(std::move(answer.error())));
        reply(decoded<GatewayKeyInfo>(answer->value("key", nlohmann::json::object()), "key"));
    });
}

// The next tick shows the new state; until then the mirror says what was asked.
void RemoteConsole::start_demo_traffic(int requests_per_second) {
    {
        std::lock_guard lock(m_mutex);
        m_mirror->demo_running = true;
        m_mirror->demo_rate = requests_per_second;
    }
    call("PUT", "/demo-traffic", {{"running", true}, {"rate", requests_per_second}}, [](auto) {});
}

void RemoteConsole::set_demo_traffic_rate(int requests_per_second) { start_demo_traffic(requests_per_second); }

void RemoteConsole::stop_demo_traffic() {
    {
        std::lock_guard lock(m_mutex);
        m_mirror->demo_running = false;
    }
    call("PUT", "/demo-traffic", {{"running", false}}, [](auto) {});
}

}  // namespace sb
