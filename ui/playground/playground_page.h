#pragma once
// The Playground: edit a conversation (system prompt, user and assistant turns), send it to
// one target — or, in compare mode, to two or three side by side — watch the answer stream
// in with the details of how it was served, and keep conversations in the history database.
#include <QList>
#include <QPair>
#include <QString>
#include <QWidget>

#include <array>
#include <cstdint>
#include <optional>

#include "model/chat.h"
#include "model/headers.h"
#include "store/conversation_store.h"

class AnswerPane;
class ConversationRepository;
class EngineBridge;
class QCheckBox;
class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QPlainTextEdit;
class QPushButton;
class QSpinBox;
class TurnsEditor;

class PlaygroundPage final : public QWidget {
    Q_OBJECT
public:
    static constexpr int kMaxPanes = 3;
    static constexpr const char* kCurrentKey = "playground/v1/current";

    explicit PlaygroundPage(EngineBridge& bridge, QWidget* parent = nullptr);
    ~PlaygroundPage() override;

    // The conversation being edited.
    void setSystemPrompt(const QString& text);
    QString systemPrompt() const;
    void addTurn(sb::Role role, const QString& text);
    std::vector<sb::ConversationTurn> turns() const;
    void setMessage(const QString& text);  // the next user turn, sent with send()

    // The target of the first pane; the conversation remembers it.
    void setTarget(const QString& provider, const QString& model);
    void setAutomaticTarget();
    void setTemperature(std::optional<double> temperature);
    void setMaxTokens(std::optional<int> maxTokens);
    void setStreaming(bool on);
    void setExtraHeaders(sb::Headers headers);  // sent upstream as-is (simulator fault injection)
    // The per-request cache switch: use the cache, refresh (no-cache: ask upstream, store the
    // new answer), or off (no-store: neither read nor store).
    void setCachePolicy(sb::CachePolicy policy);
    sb::CachePolicy cachePolicy() const;

    // Compare mode: 2–3 {provider, model} targets (empty provider = automatic); fewer than two
    // turns compare mode off.
    void setCompareTargets(const QList<QPair<QString, QString>>& targets);
    int paneCount() const;

    void send();
    void stop();
    bool busy() const;
    QString answerText(int pane = 0) const;
    QString details(int pane = 0) const;

    std::int64_t currentConversationId() const { return m_currentId; }
    void loadConversation(std::int64_t id);
    void newConversation();
    void saveConversation();
    void deleteConversation();

signals:
    void answerUpdated(int pane);
    void answered();  // every pane of the last send has finished
    void conversationSaved(qint64 id);
    void conversationLoaded(qint64 id);

private:
    QWidget* buildEditor();
    sb::Conversation currentConversation() const;
    void applyConversation(const sb::Conversation& conversation);
    void paneFinished();
    void refreshList();
    void rememberCurrent();
    void setCompare(bool on, int panes);
    void updateBusy();
    void showStatus(const QString& text);

    EngineBridge& m_bridge;
    ConversationRepository* m_repository = nullptr;  // null when history is off
    std::array<AnswerPane*, kMaxPanes> m_panes{};
    int m_activePanes = 1;
    int m_pendingPanes = 0;
    sb::Headers m_extraHeaders;
    std::int64_t m_currentId = 0;
    quint64 m_loadGeneration = 0;  // only the newest load may fill the editor
    bool m_saveInFlight = false;
    bool m_saveQueued = false;

    QComboBox* m_conversations = nullptr;
    QPushButton* m_new = nullptr;
    QPushButton* m_save = nullptr;
    QPushButton* m_delete = nullptr;
    QPlainTextEdit* m_system = nullptr;
    TurnsEditor* m_turns = nullptr;
    QPlainTextEdit* m_message = nullptr;
    QDoubleSpinBox* m_temperature = nullptr;
    QSpinBox* m_maxTokens = nullptr;
    QCheckBox* m_stream = nullptr;
    QComboBox* m_cache = nullptr;
    QCheckBox* m_compare = nullptr;
    QSpinBox* m_compareCount = nullptr;
    QPushButton* m_send = nullptr;
    QPushButton* m_stop = nullptr;
    QLabel* m_status = nullptr;
};
