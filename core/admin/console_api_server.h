#pragma once
// The admin API v1: a gateway's ConsoleApi over HTTP, for consoles on other machines
// (RemoteConsole is its client). The gateway checks the admin key before a request gets here.
// Every body is JSON in the console's wire format (console/console_wire.h):
//
//   GET  /admin/v1/stream              the live feed (TelemetryStream): state, tick, settings, alerts
//   GET  /admin/v1/state               what the feed's first event holds
//   POST /admin/v1/metrics/seconds     {since_s, until_s} → recorded seconds (a console's backfill)
//   POST /admin/v1/history/page        {filter, after, limit} → a keyset page, newest first
//   POST /admin/v1/history/count       {filter} → {count}
//   POST /admin/v1/history/rollups     {since_ms, until_ms} → per-minute rollups by provider
//   GET|PUT /admin/v1/routing          PUT {routing, base_version, author} → {version}
//   GET|PUT /admin/v1/cache/rules      PUT {rules, base_version, author}
//   POST /admin/v1/cache/purge         {rule} ("" = everything) → {purged}
//   GET|PUT /admin/v1/prices           PUT {prices, base_version, author}
//   GET|PUT /admin/v1/alerts/rules     PUT {rules, base_version, author}
//   GET  /admin/v1/alerts              {generation, firing, events}
//   GET|POST /admin/v1/keys            POST {name, limits} → the new key, its secret shown once
//   POST /admin/v1/keys/limits         {key, change}; POST /admin/v1/keys/revoke {key}
//   GET  /admin/v1/providers           {providers, targets, stats}
//   POST /admin/v1/providers/test      {provider} → a call to that live provider, with its key
//   GET|PUT /admin/v1/demo-traffic     {running, rate}
//   POST /admin/v1/preview/route | /preview/cache | /predict   {request}
//
// A GET of a setting says its version and who changed it last ({changed: {version, author,
// at_ms}}); a PUT answers the new versions and changes. A refused change is 400
// {error: {message, fields}}; a change based on a version that is no longer live is 409
// {error: {message, current_version}}. History queries and purges run on a
// worker thread of this server's, never on a gateway thread.
#include <memory>
#include <mutex>

#include "admin/telemetry_stream.h"
#include "engine/scheduler.h"

namespace sb {

class ConsoleApi;
class HistorySource;
class ResponseChannel;
struct GatewayRequest;

class ConsoleApiServer final {
public:
    ConsoleApiServer(ConsoleApi& console, InstanceInfo info);
    ~ConsoleApiServer();

    void handle(const GatewayRequest& request, const std::shared_ptr<ResponseChannel>& channel);
    std::size_t stream_subscribers() const { return m_stream.subscribers(); }

private:
    void history(const GatewayRequest& request, const std::shared_ptr<ResponseChannel>& channel);

    ConsoleApi& m_console;
    const std::int64_t m_started_s;  // Unix seconds
    TelemetryStream m_stream;
    std::unique_ptr<HistorySource> m_history;  // the worker's own
    TimerThread m_worker;                      // last: stopped first, while what its tasks use still lives
};

}  // namespace sb
