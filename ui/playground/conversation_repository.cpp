#include "conversation_repository.h"

#include <QMetaObject>

#include <memory>

// Owns the store connection; opened on first use, on the worker thread.
class ConversationRepository::Worker final : public QObject {
public:
    Worker(std::string path, sb::StoredTextPolicy policy) : m_path(std::move(path)), m_policy(policy) {}

    sb::StoreResult<sb::ConversationStore*> store() {
        if (!m_store) {
            auto opened = sb::ConversationStore::open(m_path, {}, m_policy);
            if (!opened) return std::unexpected(opened.error());
            m_store.emplace(std::move(*opened));
        }
        return &*m_store;
    }

private:
    std::string m_path;
    sb::StoredTextPolicy m_policy;
    std::optional<sb::ConversationStore> m_store;
};

ConversationRepository::ConversationRepository(QString databasePath, sb::StoredTextPolicy policy, QObject* parent)
    : QObject(parent), m_worker(new Worker(databasePath.toStdString(), policy)) {
    m_thread.setObjectName(QStringLiteral("conversation-store"));
    m_worker->moveToThread(&m_thread);
    m_thread.start();
}

ConversationRepository::~ConversationRepository() {
    // Queued behind every pending job, so they all run before the thread stops.
    QMetaObject::invokeMethod(m_worker, [thread = &m_thread] { thread->quit(); }, Qt::QueuedConnection);
    m_thread.wait();
    delete m_worker;
}

template <typename T>
void ConversationRepository::run(std::function<sb::StoreResult<T>(sb::ConversationStore& store)> job, Done<T> done) {
    // The repository outlives every job (its destructor waits for the thread), so `self` is
    // valid here; a reply posted while it is being destroyed is dropped with it.
    QMetaObject::invokeMethod(
        m_worker,
        [self = this, worker = m_worker, job = std::move(job), done = std::move(done)] {
            auto store = worker->store();
            auto result = std::make_shared<sb::StoreResult<T>>(
                store ? job(**store) : sb::StoreResult<T>(std::unexpected(store.error())));
            QMetaObject::invokeMethod(
                self, [done, result] { if (done) done(*result); }, Qt::QueuedConnection);
        },
        Qt::QueuedConnection);
}

void ConversationRepository::save(sb::Conversation conversation, Done<sb::Conversation> done) {
    run<sb::Conversation>([c = std::move(conversation)](sb::ConversationStore& store) { return store.save(c); },
                          std::move(done));
}

void ConversationRepository::list(Done<std::vector<sb::ConversationSummary>> done) {
    run<std::vector<sb::ConversationSummary>>([](sb::ConversationStore& store) { return store.list(); },
                                              std::move(done));
}

void ConversationRepository::load(std::int64_t id, Done<std::optional<sb::Conversation>> done) {
    run<std::optional<sb::Conversation>>([id](sb::ConversationStore& store) { return store.load(id); },
                                         std::move(done));
}

void ConversationRepository::remove(std::int64_t id, Done<bool> done) {
    run<bool>([id](sb::ConversationStore& store) { return store.remove(id); }, std::move(done));
}
