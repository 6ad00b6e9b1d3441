#pragma once
// A thread that runs an Asio io_context and lends it to HttpClient (LoopTransport::Scope), as
// a gateway thread does: plain-http requests sent through call() run on that loop.
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <future>
#include <thread>
#include <type_traits>

#include "transport/loop_transport.h"

namespace sb::test {

class LentLoop {
public:
    LentLoop()
        : m_thread([this] {
              LoopTransport transport(m_context);
              LoopTransport::Scope lend(transport);
              m_context.run();
              // ~LoopTransport ends what is still running, with cancelled = true.
          }) {}

    ~LentLoop() { stop(); }

    // Stops the loop and joins its thread; transfers still running end as cancelled.
    void stop() {
        m_guard.reset();
        m_context.stop();
        if (m_thread.joinable()) m_thread.join();
    }

    // Runs `action` on the loop's thread and returns its result.
    template <typename F>
    auto call(F action) -> std::invoke_result_t<F> {
        std::packaged_task<std::invoke_result_t<F>()> task(std::move(action));
        auto result = task.get_future();
        boost::asio::post(m_context, [&task] { task(); });
        return result.get();
    }

private:
    boost::asio::io_context m_context{1};
    boost::asio::executor_work_guard<boost::asio::io_context::executor_type> m_guard{m_context.get_executor()};
    std::thread m_thread;
};

}  // namespace sb::test
