// The one thread the console writes its files on.
#include "common/file_writes.h"

#include <QThreadPool>

namespace {
// One thread: the writes keep their order.
Q_GLOBAL_STATIC_WITH_ARGS(QThreadPool, fileWriter, (nullptr))
}  // namespace

namespace file_writes_detail {

void enqueue(std::function<void()> job) {
    QThreadPool* pool = fileWriter();
    pool->setMaxThreadCount(1);
    pool->start(std::move(job));
}

}  // namespace file_writes_detail
