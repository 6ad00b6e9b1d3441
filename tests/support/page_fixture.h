#pragma once
// Shared set-up for console page tests: an engine in this process with the console's view of it
// (LocalEngineHost: what the console app runs) on given
// options, a page shown and exposed at a size, and a burst of requests waited for.
#include <QSize>
#include <QtTest>

#include <memory>
#include <vector>

#include "engine/engine.h"
#include "local_engine_host.h"
#include "engine_fixture.h"

namespace sb::test {

inline std::unique_ptr<LocalEngineHost> make_bridge(EngineOptions options) {
    auto bridge = LocalEngineHost::create(std::move(options));
    if (!bridge) qFatal("engine: %s", qPrintable(bridge.error()));
    return std::move(*bridge);
}

template <typename Page>
std::unique_ptr<Page> show_page(EngineBridge& bridge, QSize size) {
    auto page = std::make_unique<Page>(bridge);
    page->resize(size);
    page->show();
    if (!QTest::qWaitForWindowExposed(page.get())) qFatal("the page was not shown");
    return page;
}

// Submits every request at once, then waits for each; the results in the same order.
inline std::vector<RequestResult> submit_all(Engine& engine, std::vector<ChatRequest> requests) {
    std::vector<std::future<RequestResult>> futures;
    for (auto& request : requests) futures.push_back(engine.submit(std::move(request)));
    std::vector<RequestResult> results;
    for (auto& future : futures) results.push_back(wait_for(future, std::chrono::seconds(20)));
    return results;
}

}  // namespace sb::test
