#pragma once
// "Try a prompt": type a message (and optionally a model alias) and see which tier and
// target the live routing would give it, and why — without sending anything. When the
// draft differs from the live routing and is valid, also shows the tier the draft's rules
// would pick. Updates as you type, debounced.
#include <QGroupBox>

#include "engine/engine_status.h"
#include "model/chat.h"

class EngineBridge;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QTimer;
class RoutingDraft;

class RoutePreviewBox final : public QGroupBox {
    Q_OBJECT
public:
    static constexpr int kDebounceMs = 250;

    RoutePreviewBox(EngineBridge& bridge, const RoutingDraft& draft, QWidget* parent = nullptr);

    void setPrompt(const QString& text, const QString& modelAlias = {});
    void refresh();   // at once (the page calls it after Apply)
    void schedule();  // after the debounce interval (the draft changed: a slider drag is many changes)

    QString tierText() const;
    QString ruleText() const;
    QString reasonText() const;
    QString targetText() const;
    QString draftText() const;

signals:
    void previewed();

private:
    void showPreview(const sb::ChatRequest& request, const sb::RoutePreview& preview);
    quint64 m_asked = 0;  // the latest preview asked for; older replies are dropped
    EngineBridge& m_bridge;
    const RoutingDraft& m_draft;
    QPlainTextEdit* m_prompt;
    QLineEdit* m_alias;
    QTimer* m_debounce;
    QLabel* m_tier;
    QLabel* m_rule;
    QLabel* m_reason;
    QLabel* m_target;
    QLabel* m_draftTier;
};
