#pragma once
// Files the console writes on an Apply (the config file, the price file) are written off the
// GUI thread, one at a time in the order asked — a later Apply's save never lands before an
// earlier one's — and the outcome comes back on `context`'s thread, or not at all once
// `context` is gone.
#include <QMetaObject>
#include <QObject>
#include <QPointer>

#include <functional>
#include <memory>

namespace file_writes_detail {
void enqueue(std::function<void()> job);  // runs on the one file-writing thread
}

template <class Result>
void writeInBackground(QObject* context, std::function<Result()> write, std::function<void(Result)> done) {
    file_writes_detail::enqueue([guard = QPointer<QObject>(context), write = std::move(write), done = std::move(done)] {
        auto outcome = std::make_shared<Result>(write());
        if (!guard) return;
        QMetaObject::invokeMethod(
            guard.data(), [done, outcome] { done(std::move(*outcome)); }, Qt::QueuedConnection);
    });
}
