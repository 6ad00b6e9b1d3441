#pragma once
// A real redis-server for cache tests (header-only): a child process on a free loopback port,
// no persistence, killed with the test. fork/exec rather than QProcess so the child can be
// told to die with us (PR_SET_PDEATHSIG): even a test that crashes leaves no redis-server
// behind. Construct it on the main thread: the death signal follows the forking thread.
#include <arpa/inet.h>
#include <fcntl.h>
#include <hiredis/hiredis.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace sb::test {

struct RedisContextDeleter {
    void operator()(redisContext* context) const noexcept { redisFree(context); }
};
using RedisConnection = std::unique_ptr<redisContext, RedisContextDeleter>;
struct RedisReplyDeleter {
    void operator()(redisReply* reply) const noexcept { freeReplyObject(reply); }
};
using RedisReply = std::unique_ptr<redisReply, RedisReplyDeleter>;

// A binary-safe command on a test connection; null when the connection failed.
inline RedisReply redis_command(redisContext* context, std::vector<std::string> args) {
    std::vector<const char*> argv;
    std::vector<std::size_t> lengths;
    for (const auto& arg : args) {
        argv.push_back(arg.data());
        lengths.push_back(arg.size());
    }
    return RedisReply(static_cast<redisReply*>(
        redisCommandArgv(context, static_cast<int>(argv.size()), argv.data(), lengths.data())));
}

class RedisServer {
public:
    RedisServer() : m_binary(find_binary()), m_port(free_port()) {
        if (!m_binary.empty()) start();
    }
    ~RedisServer() { stop(); }
    RedisServer(const RedisServer&) = delete;
    RedisServer& operator=(const RedisServer&) = delete;

    // Empty when the server runs; otherwise what went wrong, for QFAIL.
    const std::string& error() const { return m_error; }
    int port() const { return m_port; }
    pid_t pid() const { return m_pid; }  // -1 when not running

    // SIGKILL, no goodbye: the cache sees connections die mid-use.
    void kill9() { stop(); }
    // Same port, empty data set (no persistence). False (and error()) if it did not come up.
    bool restart() {
        stop();
        start();
        return m_error.empty();
    }

    // A fresh connection for the test's own raw reads and writes.
    RedisConnection connect(std::chrono::milliseconds timeout = std::chrono::milliseconds(500)) const {
        const timeval tv{static_cast<time_t>(timeout.count() / 1000),
                         static_cast<suseconds_t>((timeout.count() % 1000) * 1000)};
        RedisConnection context(redisConnectWithTimeout("127.0.0.1", m_port, tv));
        if (context && context->err) context.reset();
        return context;
    }

private:
    static std::string find_binary() {
        const char* path = std::getenv("PATH");
        std::string_view dirs = path ? path : "/usr/local/bin:/usr/bin:/bin";
        while (!dirs.empty()) {
            const auto colon = dirs.find(':');
            const std::filesystem::path candidate =
                std::filesystem::path(dirs.substr(0, colon)) / "redis-server";
            if (access(candidate.c_str(), X_OK) == 0) return candidate.string();
            dirs = colon == std::string_view::npos ? std::string_view() : dirs.substr(colon + 1);
        }
        for (const char* fallback : {"/usr/bin/redis-server", "/usr/sbin/redis-server"})
            if (access(fallback, X_OK) == 0) return fallback;
        return {};
    }

    // Bind port 0, read what the kernel chose, close: free for the child (tiny race accepted).
    static int free_port() {
        const int fd = socket(AF_INET, SOCK_STREAM, 0);
        if (fd < 0) return 0;
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t length = sizeof address;
        int port = 0;
        if (bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0 &&
            getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0)
            port = ntohs(address.sin_port);
        close(fd);
        return port;
    }

    void start() {
        m_error.clear();
        if (m_binary.empty()) {
            m_error = "redis-server not found: run tools/setup";
            return;
        }
        if (m_port == 0) {
            m_error = "no free loopback port";
            return;
        }
        // Everything the child needs is built before fork: after it, only async-signal-safe calls.
        const std::string port = std::to_string(m_port);
        std::vector<std::string> args{m_binary, "--port", port, "--bind", "127.0.0.1"};
        for (const char* option :
             {"--save", "", "--appendonly", "no", "--daemonize", "no", "--loglevel", "warning"})
            args.emplace_back(option);
        std::vector<char*> argv;
        for (auto& arg : args) argv.push_back(arg.data());
        argv.push_back(nullptr);
        const pid_t parent = getpid();
        const int devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);
        m_pid = fork();
        if (m_pid == 0) {
            prctl(PR_SET_PDEATHSIG, SIGKILL);
            if (getppid() != parent) _exit(1);  // the parent died before prctl took effect
            if (devnull >= 0) dup2(devnull, STDOUT_FILENO);
            execv(argv[0], argv.data());
            _exit(127);
        }
        if (devnull >= 0) close(devnull);
        if (m_pid < 0) {
            m_error = "fork failed";
            return;
        }
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
        while (std::chrono::steady_clock::now() < deadline) {
            if (int status = 0; waitpid(m_pid, &status, WNOHANG) == m_pid) {
                m_pid = -1;
                m_error = "redis-server exited at start (port " + port + ")";
                return;
            }
            if (auto context = connect(std::chrono::milliseconds(100))) {
                if (auto reply = redis_command(context.get(), {"PING"});
                    reply && reply->type == REDIS_REPLY_STATUS && std::string_view(reply->str) == "PONG")
                    return;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
        stop();
        m_error = "redis-server did not answer PING within 5 s on port " + port;
    }

    void stop() {
        if (m_pid <= 0) return;
        kill(m_pid, SIGKILL);
        waitpid(m_pid, nullptr, 0);
        m_pid = -1;
    }

    std::string m_binary;
    int m_port = 0;
    pid_t m_pid = -1;
    std::string m_error;
};

}  // namespace sb::test
