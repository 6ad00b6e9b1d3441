#pragma once
// "Which key, which rule": paste a conversation (system: / user: / assistant: lines) and
// optionally a model, provider/model or tier, and see — live, debounced — the cache key the
// engine would use, the target it is bound to, the rule that matches, whether the answer
// would be cached and for how long, and the canonical material that was hashed. With the
// semantic cache on, also the closest stored question of the conversation's scope and its
// similarity against the threshold (the question is embedded for that; no counter moves).
// Uses Engine::preview_cache: no chat request is sent.
#include <QGroupBox>

#include "cache/cache_rules.h"
#include "cache/response_cache.h"
#include "model/chat.h"

class EngineBridge;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QTimer;
class QToolButton;

class CacheKeyBox final : public QGroupBox {
    Q_OBJECT
public:
    static constexpr int kDebounceMs = 250;

    explicit CacheKeyBox(EngineBridge& bridge, QWidget* parent = nullptr);

    void setConversation(const QString& text, const QString& target = {});
    void refresh();   // at once (the page calls it after Apply)
    void schedule();  // after the debounce interval
    sb::ChatRequest request() const;  // what the pasted text and the target field make

    // "never cached: personal data (email) (rule pii)", "pinned until purged: …", "cached for 3600 s: …".
    static QString describeDecision(const sb::CacheDecision& decision);
    // "nearest stored question: "…", similarity 0.981 (threshold 0.97): would be served", or why not.
    static QString describeSemantic(const sb::CachePreview& preview);

    QString keyText() const;
    QString targetText() const;
    QString ruleText() const;
    QString decisionText() const;
    QString materialText() const;
    QString semanticText() const;
    QPlainTextEdit* conversationEdit() const { return m_conversation; }
    QLineEdit* targetEdit() const { return m_target; }

signals:
    void previewed();

private:
    void showPreview(const sb::ChatRequest& request, const std::optional<sb::CachePreview>& preview);
    quint64 m_asked = 0;  // the latest preview asked for; older replies are dropped
    EngineBridge& m_bridge;
    QPlainTextEdit* m_conversation;
    QLineEdit* m_target;
    QTimer* m_debounce;
    QLabel* m_key;
    QLabel* m_boundTo;
    QLabel* m_rule;
    QLabel* m_decision;
    QLabel* m_semantic;
    QToolButton* m_showMaterial;
    QPlainTextEdit* m_material;
};
