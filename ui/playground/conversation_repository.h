#pragma once
// Runs ConversationStore work on its own thread so the UI never waits on the disk. Each call
// queues one job; its result comes back on the repository's thread (the UI). Jobs run in
// order, and the destructor lets the queued ones finish, so a save issued just before the
// page closes still reaches the file.
#include <QObject>
#include <QString>
#include <QThread>

#include <functional>
#include <optional>
#include <vector>

#include "store/conversation_store.h"

class ConversationRepository final : public QObject {
    Q_OBJECT
public:
    template <typename T>
    using Done = std::function<void(const sb::StoreResult<T>& result)>;

    // `policy`: the privacy rules saved conversations are written under (the engine's).
    ConversationRepository(QString databasePath, sb::StoredTextPolicy policy, QObject* parent = nullptr);
    ~ConversationRepository() override;

    void save(sb::Conversation conversation, Done<sb::Conversation> done);
    void list(Done<std::vector<sb::ConversationSummary>> done);
    void load(std::int64_t id, Done<std::optional<sb::Conversation>> done);
    void remove(std::int64_t id, Done<bool> done);

private:
    class Worker;

    template <typename T>
    void run(std::function<sb::StoreResult<T>(sb::ConversationStore& store)> job, Done<T> done);

    QThread m_thread;
    Worker* m_worker = nullptr;  // lives in m_thread; deleted after it stops
};
