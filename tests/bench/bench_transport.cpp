// Requests per second and client CPU per request of HttpClient against the loopback server,
// with a fixed number of requests in flight. The server runs in a child process so that the
// CPU figure is the client's alone.
#include "transport/http_client.h"

#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <mutex>

#include "../support/loopback_http_server.h"

namespace {

double cpu_seconds() {
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    auto seconds = [](const timeval& t) { return static_cast<double>(t.tv_sec) + t.tv_usec / 1e6; };
    return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

struct Run {
    Run(sb::HttpClient& c, std::string u, int n) : client(c), url(std::move(u)), total(n) {}

    sb::HttpClient& client;
    std::string url;
    int total = 0;
    std::atomic<int> sent{0};
    std::atomic<int> failures{0};
    int done = 0;
    std::mutex mutex;
    std::condition_variable finished;

    void send_one() {
        sb::HttpRequest request;
        request.method = "GET";
        request.url = url;
        client.send(std::move(request), [this](sb::HttpResponse&& response) {
            if (response.status != 200) ++failures;
            // Keep the window full: each completion starts the next request.
            if (sent.fetch_add(1) < total) send_one();
            std::lock_guard lock(mutex);
            if (++done == total) finished.notify_all();
        });
    }

    bool run(int in_flight) {
        sent = in_flight;
        for (int i = 0; i < in_flight && i < total; ++i) send_one();
        std::unique_lock lock(mutex);
        return finished.wait_for(lock, std::chrono::minutes(5), [&] { return done >= total; });
    }
};

}  // namespace

int main(int argc, char** argv) {
    const int total = argc > 1 ? std::atoi(argv[1]) : 20000;
    const int in_flight = argc > 2 ? std::atoi(argv[2]) : 256;

    int fds[2];
    if (pipe(fds) != 0) return 1;
    const pid_t server_pid = fork();
    if (server_pid < 0) return 1;
    if (server_pid == 0) {
        sb::test::LoopbackHttpServer server;
        const std::uint16_t port = server.port();
        if (write(fds[1], &port, sizeof port) != sizeof port) _exit(1);
        for (;;) pause();  // until the parent sends SIGTERM
    }
    std::uint16_t port = 0;
    if (read(fds[0], &port, sizeof port) != sizeof port) return 1;
    const std::string url = "http://127.0.0.1:" + std::to_string(port) + "/ok";

    int status = 0;
    {
        sb::HttpClient client;
        Run warmup(client, url, 2000);
        Run measured(client, url, total);
        if (!warmup.run(in_flight)) {
            std::puts("warm-up did not finish");
            status = 1;
        } else {
            const auto wall_start = std::chrono::steady_clock::now();
            const double cpu_start = cpu_seconds();
            const bool ok = measured.run(in_flight);
            const double cpu = cpu_seconds() - cpu_start;
            const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();
            const auto stats = client.stats();
            std::printf("requests           %d (%d in flight)%s\n", total, in_flight, ok ? "" : "  DID NOT FINISH");
            std::printf("failures           %d\n", measured.failures.load());
            std::printf("requests/s         %.0f\n", total / wall);
            std::printf("client CPU/request %.1f us (all client threads)\n", cpu * 1e6 / total);
            std::printf("new connections    %llu (whole run, incl. warm-up)\n",
                        static_cast<unsigned long long>(stats.new_connections));
            status = ok && measured.failures == 0 ? 0 : 1;
        }
    }
    kill(server_pid, SIGTERM);
    waitpid(server_pid, nullptr, 0);
    return status;
}
