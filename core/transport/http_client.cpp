#include "transport/http_client.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "transport/loop_transport.h"
#include "transport/transfer.h"

namespace sb {

namespace {

void ensure_curl_global_init() {
    static std::once_flag once;
    std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

// Longest sleep in curl_multi_poll when nothing is due; a wakeup ends it early anyway.
constexpr std::chrono::milliseconds kMaxPollWait{5'000};

}  // namespace

class HttpClient::Loop {
public:
    explicit Loop(HttpClientOptions options);
    ~Loop();

    std::uint64_t send(HttpRequest request, DoneCallback on_done, DataCallback on_data);
    void cancel(std::uint64_t id);
    HttpClientStats stats() const;

private:
    void run();
    bool claim_wakeup_locked();
    void start(std::unique_ptr<Transfer> transfer);
    void cancel_active(std::uint64_t id);
    void drain_messages();
    void enforce_idle(TransportClock::time_point now);
    int poll_timeout_ms(TransportClock::time_point now) const;
    void shutdown();
    // Ends a transfer: detaches it from curl, fills the response and runs its done callback.
    void retire(Transfer& transfer, CURLcode code, std::string error, bool cancelled = false);
    void complete(std::unique_ptr<Transfer> transfer);
    CurlEasy acquire_easy();
    void release_easy(CurlEasy easy);

    const HttpClientOptions m_options;
    CurlMulti m_multi;  // declared first so it outlives every easy handle below

    mutable std::mutex m_mutex;  // guards the three members below
    std::vector<std::unique_ptr<Transfer>> m_incoming;
    std::vector<std::uint64_t> m_cancels;
    bool m_stopping = false;
    bool m_wake_pending = false;

    // Owned by the transport thread.
    std::vector<std::unique_ptr<Transfer>> m_active;
    std::vector<std::unique_ptr<Transfer>> m_incoming_batch;
    std::vector<std::uint64_t> m_cancel_batch;
    std::vector<Transfer*> m_expired;
    std::vector<CurlEasy> m_pool;
    TransportClock::time_point m_next_idle_check = TransportClock::time_point::max();

    std::atomic<std::uint64_t> m_next_id{1};
    std::atomic<std::uint64_t> m_started{0};
    std::atomic<std::uint64_t> m_completed{0};
    std::atomic<std::uint64_t> m_cancelled{0};
    std::atomic<std::uint64_t> m_idle_timeouts{0};
    std::atomic<std::uint64_t> m_connections{0};

    std::thread m_thread;  // last: starts once everything above exists
};

HttpClient::Loop::Loop(HttpClientOptions options) : m_options(std::move(options)) {
    ensure_curl_global_init();
    m_multi.reset(curl_multi_init());
    if (!m_multi) {
        m_stopping = true;  // send() then fails every request at once
        return;
    }
    curl_multi_setopt(m_multi.get(), CURLMOPT_PIPELINING, CURLPIPE_MULTIPLEX);
    if (m_options.connection_cache_size > 0)
        curl_multi_setopt(m_multi.get(), CURLMOPT_MAXCONNECTS, m_options.connection_cache_size);
    if (m_options.max_host_connections > 0)
        curl_multi_setopt(m_multi.get(), CURLMOPT_MAX_HOST_CONNECTIONS, m_options.max_host_connections);
    if (m_options.max_total_connections > 0)
        curl_multi_setopt(m_multi.get(), CURLMOPT_MAX_TOTAL_CONNECTIONS, m_options.max_total_connections);
    m_pool.reserve(m_options.easy_pool_size);
    m_thread = std::thread([this] { run(); });
}

HttpClient::Loop::~Loop() {
    {
        std::lock_guard lock(m_mutex);
        m_stopping = true;
    }
    if (m_thread.joinable()) {
        curl_multi_wakeup(m_multi.get());
        m_thread.join();
    }
}

std::uint64_t HttpClient::Loop::send(HttpRequest request, DoneCallback on_done, DataCallback on_data) {
    auto transfer = std::make_unique<Transfer>();
    const std::uint64_t id = m_next_id.fetch_add(1, std::memory_order_relaxed);
    transfer->id = id;
    transfer->request = std::move(request);
    transfer->on_done = std::move(on_done);
    transfer->on_data = std::move(on_data);
    m_started.fetch_add(1, std::memory_order_relaxed);
    bool wake = false;
    {
        std::lock_guard lock(m_mutex);
        if (!m_stopping) {
            m_incoming.push_back(std::move(transfer));
            wake = claim_wakeup_locked();
        }
    }
    if (!transfer) {
        if (wake) curl_multi_wakeup(m_multi.get());
        return id;
    }
    // Shutting down (or no multi handle): the callback still runs exactly once, right here.
    transfer->response.cancelled = m_multi != nullptr;
    transfer->response.curl_code = m_multi ? CURLE_ABORTED_BY_CALLBACK : CURLE_FAILED_INIT;
    transfer->response.curl_error = m_multi ? "client is shutting down" : "curl_multi_init failed";
    complete(std::move(transfer));
    return id;
}

void HttpClient::Loop::cancel(std::uint64_t id) {
    bool wake = false;
    {
        std::lock_guard lock(m_mutex);
        if (m_stopping) return;  // shutdown cancels everything anyway
        m_cancels.push_back(id);
        wake = claim_wakeup_locked();
    }
    if (wake) curl_multi_wakeup(m_multi.get());
}

bool HttpClient::Loop::claim_wakeup_locked() {
    // One wakeup per batch: while one is pending the loop has yet to take the queues.
    if (m_wake_pending) return false;
    m_wake_pending = true;
    return true;
}

HttpClientStats HttpClient::Loop::stats() const {
    HttpClientStats s;
    s.started = m_started.load(std::memory_order_relaxed);
    s.completed = m_completed.load(std::memory_order_relaxed);
    s.in_flight = s.started >= s.completed ? s.started - s.completed : 0;
    s.cancelled = m_cancelled.load(std::memory_order_relaxed);
    s.idle_timeouts = m_idle_timeouts.load(std::memory_order_relaxed);
    s.new_connections = m_connections.load(std::memory_order_relaxed);
    return s;
}

void HttpClient::Loop::run() {
    for (;;) {
        {
            std::lock_guard lock(m_mutex);
            if (m_stopping) break;
            m_incoming_batch.swap(m_incoming);
            m_cancel_batch.swap(m_cancels);
            m_wake_pending = false;
        }
        for (auto& transfer : m_incoming_batch) start(std::move(transfer));
        m_incoming_batch.clear();
        for (const std::uint64_t id : m_cancel_batch) cancel_active(id);
        m_cancel_batch.clear();

        int running = 0;
        curl_multi_perform(m_multi.get(), &running);
        drain_messages();
        const auto now = TransportClock::now();
        if (now >= m_next_idle_check) enforce_idle(now);
        curl_multi_poll(m_multi.get(), nullptr, 0, poll_timeout_ms(TransportClock::now()), nullptr);
    }
    shutdown();
}

void HttpClient::Loop::start(std::unique_ptr<Transfer> transfer) {
    transfer->easy = acquire_easy();
    if (!transfer->easy) {
        transfer->response.curl_code = CURLE_FAILED_INIT;
        transfer->response.curl_error = "curl_easy_init failed";
        complete(std::move(transfer));
        return;
    }
    transfer->slot = m_active.size();
    m_active.push_back(std::move(transfer));
    Transfer& t = *m_active.back();

    const CURLcode configured = configure_transfer(t, m_options);
    if (configured != CURLE_OK) {
        retire(t, configured, {});
        return;
    }
    t.last_activity = TransportClock::now();
    const CURLMcode added = curl_multi_add_handle(m_multi.get(), t.easy.get());
    if (added != CURLM_OK) {
        retire(t, CURLE_FAILED_INIT, std::string("curl_multi_add_handle: ") + curl_multi_strerror(added));
        return;
    }
    t.in_multi = true;
    if (t.request.idle_timeout.count() > 0)
        m_next_idle_check = std::min(m_next_idle_check, t.last_activity + t.request.idle_timeout);
}

void HttpClient::Loop::cancel_active(std::uint64_t id) {
    const auto it = std::find_if(m_active.begin(), m_active.end(),
                                 [id](const std::unique_ptr<Transfer>& t) { return t->id == id; });
    if (it != m_active.end()) retire(**it, CURLE_ABORTED_BY_CALLBACK, "cancelled", true);
}

void HttpClient::Loop::drain_messages() {
    int left = 0;
    while (CURLMsg* message = curl_multi_info_read(m_multi.get(), &left)) {
        if (message->msg != CURLMSG_DONE) continue;
        void* owner = nullptr;
        curl_easy_getinfo(message->easy_handle, CURLINFO_PRIVATE, &owner);
        // The message is invalid once its handle leaves the multi, so read the result first.
        const CURLcode result = message->data.result;
        if (owner) retire(*static_cast<Transfer*>(owner), result, {});
    }
}

void HttpClient::Loop::enforce_idle(TransportClock::time_point now) {
    // Deadlines only move later as bytes arrive, so the earliest one seen is a safe next check.
    auto next = TransportClock::time_point::max();
    m_expired.clear();
    for (const auto& transfer : m_active) {
        if (transfer->request.idle_timeout.count() <= 0) continue;
        const auto deadline = transfer->last_activity + transfer->request.idle_timeout;
        if (deadline <= now)
            m_expired.push_back(transfer.get());
        else
            next = std::min(next, deadline);
    }
    m_next_idle_check = next;
    for (Transfer* transfer : m_expired) {
        m_idle_timeouts.fetch_add(1, std::memory_order_relaxed);
        transfer->response.idle_timed_out = true;
        retire(*transfer, CURLE_OPERATION_TIMEDOUT,
               "no data for " + std::to_string(transfer->request.idle_timeout.count()) + " ms");
    }
    m_expired.clear();
}

int HttpClient::Loop::poll_timeout_ms(TransportClock::time_point now) const {
    if (m_next_idle_check == TransportClock::time_point::max()) return static_cast<int>(kMaxPollWait.count());
    if (m_next_idle_check <= now) return 0;
    // Round up so the loop wakes at or just after the deadline, not a busy spin before it.
    const auto wait = std::chrono::ceil<std::chrono::milliseconds>(m_next_idle_check - now);
    return static_cast<int>(std::min(wait, kMaxPollWait).count());
}

void HttpClient::Loop::retire(Transfer& transfer, CURLcode code, std::string error, bool cancelled) {
    if (transfer.in_multi) {
        curl_multi_remove_handle(m_multi.get(), transfer.easy.get());
        transfer.in_multi = false;
    }
    transfer.response.new_connections = collect_transfer_info(transfer);
    m_connections.fetch_add(static_cast<std::uint64_t>(transfer.response.new_connections), std::memory_order_relaxed);
    HttpResponse& response = transfer.response;
    if (!cancelled && (transfer.body_too_large || code == CURLE_FILESIZE_EXCEEDED)) {
        code = CURLE_FILESIZE_EXCEEDED;
        error = "the response body is larger than the limit of " +
                std::to_string(transfer.request.max_response_bytes) + " bytes";
    }
    response.cancelled = cancelled;
    response.curl_code = code;
    if (code != CURLE_OK) {
        if (!error.empty())
            response.curl_error = std::move(error);
        else if (transfer.data_callback_failed)
            response.curl_error = "data callback failed";
        else if (transfer.error_buffer[0] != '\0')
            response.curl_error = transfer.error_buffer;
        else
            response.curl_error = curl_easy_strerror(code);
    }
    transfer.header_list.reset();
    release_easy(std::move(transfer.easy));

    // Swap-remove from the active list, keeping the owner alive until the callback ran.
    const std::size_t slot = transfer.slot;
    std::unique_ptr<Transfer> owned = std::move(m_active[slot]);
    if (slot + 1 != m_active.size()) {
        m_active[slot] = std::move(m_active.back());
        m_active[slot]->slot = slot;
    }
    m_active.pop_back();
    complete(std::move(owned));
}

void HttpClient::Loop::complete(std::unique_ptr<Transfer> transfer) {
    if (transfer->response.cancelled) m_cancelled.fetch_add(1, std::memory_order_relaxed);
    m_completed.fetch_add(1, std::memory_order_relaxed);
    DoneCallback on_done = std::move(transfer->on_done);
    HttpResponse response = std::move(transfer->response);
    transfer.reset();
    if (!on_done) return;
    // A throwing callback must not take the transport thread (and every other transfer) down.
    try {
        on_done(std::move(response));
    } catch (...) {
    }
}

void HttpClient::Loop::shutdown() {
    {
        std::lock_guard lock(m_mutex);
        m_incoming_batch.swap(m_incoming);
    }
    for (auto& transfer : m_incoming_batch) {
        transfer->response.cancelled = true;
        transfer->response.curl_code = CURLE_ABORTED_BY_CALLBACK;
        transfer->response.curl_error = "client is shutting down";
        complete(std::move(transfer));
    }
    m_incoming_batch.clear();
    while (!m_active.empty())
        retire(*m_active.back(), CURLE_ABORTED_BY_CALLBACK, "client is shutting down", true);
}

CurlEasy HttpClient::Loop::acquire_easy() {
    if (m_pool.empty()) return CurlEasy(curl_easy_init());
    CurlEasy easy = std::move(m_pool.back());
    m_pool.pop_back();
    return easy;
}

void HttpClient::Loop::release_easy(CurlEasy easy) {
    if (!easy || m_pool.size() >= m_options.easy_pool_size) return;
    curl_easy_reset(easy.get());
    m_pool.push_back(std::move(easy));
}

struct HttpClient::LentCounters {
    std::atomic<std::uint64_t> started{0};
    std::atomic<std::uint64_t> completed{0};
    std::atomic<std::uint64_t> cancelled{0};
    std::atomic<std::uint64_t> idle_timeouts{0};
    std::atomic<std::uint64_t> new_connections{0};
};

HttpClient::HttpClient(HttpClientOptions options)
    : m_loop(std::make_unique<Loop>(std::move(options))), m_lent(std::make_shared<LentCounters>()) {}

HttpClient::~HttpClient() = default;

std::uint64_t HttpClient::send(HttpRequest request, DoneCallback on_done, DataCallback on_data) {
    LoopTransport* lent = LoopTransport::current();
    if (!lent || !LoopTransport::takes(request))
        return m_loop->send(std::move(request), std::move(on_done), std::move(on_data));
    m_lent->started.fetch_add(1, std::memory_order_relaxed);
    // The counters are shared: a lent transfer belongs to its loop and may outlive this client.
    auto counted = [lent = m_lent, on_done = std::move(on_done)](HttpResponse&& response) {
        lent->completed.fetch_add(1, std::memory_order_relaxed);
        if (response.cancelled) lent->cancelled.fetch_add(1, std::memory_order_relaxed);
        if (response.idle_timed_out) lent->idle_timeouts.fetch_add(1, std::memory_order_relaxed);
        lent->new_connections.fetch_add(static_cast<std::uint64_t>(response.new_connections), std::memory_order_relaxed);
        if (on_done) on_done(std::move(response));
    };
    return lent->send(std::move(request), std::move(counted), std::move(on_data));
}

void HttpClient::cancel(std::uint64_t id) {
    if (LoopTransport::owns(id)) return LoopTransport::cancel_any(id);
    m_loop->cancel(id);
}

HttpClientStats HttpClient::stats() const {
    HttpClientStats s = m_loop->stats();
    const auto started = m_lent->started.load(std::memory_order_relaxed);
    const auto completed = m_lent->completed.load(std::memory_order_relaxed);
    s.started += started;
    s.completed += completed;
    s.in_flight += started >= completed ? started - completed : 0;
    s.cancelled += m_lent->cancelled.load(std::memory_order_relaxed);
    s.new_connections += m_lent->new_connections.load(std::memory_order_relaxed);
    s.idle_timeouts += m_lent->idle_timeouts.load(std::memory_order_relaxed);
    s.on_lent_loops = started;
    return s;
}

}  // namespace sb
