#include "routing/route_preview_box.h"

#include <QFormLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QTimer>
#include <QVBoxLayout>

#include "engine_bridge.h"
#include "routing/router.h"
#include "routing/routing_draft.h"
#include "common/qt_text.h"

RoutePreviewBox::RoutePreviewBox(EngineBridge& bridge, const RoutingDraft& draft, QWidget* parent)
    : QGroupBox(tr("Try a prompt"), parent),
      m_bridge(bridge),
      m_draft(draft),
      m_prompt(new QPlainTextEdit(this)),
      m_alias(new QLineEdit(this)),
      m_debounce(new QTimer(this)),
      m_tier(new QLabel(this)),
      m_rule(new QLabel(this)),
      m_reason(new QLabel(this)),
      m_target(new QLabel(this)),
      m_draftTier(new QLabel(this)) {
    m_prompt->setPlaceholderText(tr("A user message — where would it go?"));
    m_prompt->setMaximumHeight(90);
    m_alias->setPlaceholderText(tr("Model or alias (optional), e.g. fast"));
    for (QLabel* label : {m_tier, m_rule, m_reason, m_target, m_draftTier}) {
        label->setWordWrap(true);
        label->setTextInteractionFlags(Qt::TextSelectableByMouse);
    }
    m_debounce->setSingleShot(true);
    m_debounce->setInterval(kDebounceMs);
    connect(m_debounce, &QTimer::timeout, this, &RoutePreviewBox::refresh);
    connect(m_prompt, &QPlainTextEdit::textChanged, m_debounce, qOverload<>(&QTimer::start));
    connect(m_alias, &QLineEdit::textChanged, m_debounce, qOverload<>(&QTimer::start));

    auto* form = new QFormLayout;
    form->addRow(tr("Model"), m_alias);
    form->addRow(tr("Tier"), m_tier);
    form->addRow(tr("Rule"), m_rule);
    form->addRow(tr("Why"), m_reason);
    form->addRow(tr("Target"), m_target);
    form->addRow(tr("With the draft"), m_draftTier);
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(m_prompt);
    layout->addLayout(form);
    refresh();
}

void RoutePreviewBox::setPrompt(const QString& text, const QString& modelAlias) {
    m_prompt->setPlainText(text);
    m_alias->setText(modelAlias);
}

void RoutePreviewBox::schedule() { m_debounce->start(); }

void RoutePreviewBox::refresh() {
    m_debounce->stop();
    sb::ChatRequest request;
    request.messages = {{sb::Role::User, m_prompt->toPlainText().toStdString()}};
    request.model = m_alias->text().trimmed().toStdString();
    request.source = "gui";

    const quint64 asked = ++m_asked;
    m_bridge.api().preview_route(request, EngineBridge::onThreadOf<sb::RoutePreview>(this, [this, asked, request](auto preview) {
        if (asked != m_asked) return;  // a newer question is on its way
        if (!preview) preview = sb::RoutePreview{{}, std::nullopt, preview.error().message};
        showPreview(request, *preview);
    }));
}

void RoutePreviewBox::showPreview(const sb::ChatRequest& request, const sb::RoutePreview& preview) {
    const auto& c = preview.classification;
    m_tier->setText(c.tier.empty() ? QStringLiteral("—") : qs(c.tier));
    m_rule->setText(c.rule.empty() ? tr("none (default tier)") : qs(c.rule));
    m_reason->setText(qs(c.reason));
    if (preview.choice) {
        const auto& t = preview.choice->target;
        m_target->setText(tr("%1/%2 — %3").arg(qs(t.provider), qs(t.model), qs(preview.choice->reason)));
        m_target->setStyleSheet(QString());
    } else {
        m_target->setText(tr("no usable target: %1").arg(qs(preview.problem)));
        m_target->setStyleSheet(QStringLiteral("color: #d32f2f;"));
    }

    // The draft's rules, classified locally (no targets: those need the live router's state).
    if (!m_draft.isDirty()) {
        m_draftTier->setText(tr("same as live"));
    } else if (!m_draft.errors().empty()) {
        m_draftTier->setText(tr("the draft has errors"));
    } else {
        const sb::Router router(m_draft.draft());
        const auto d = router.classify(request);
        m_draftTier->setText(d.rule.empty() ? tr("%1 (default tier)").arg(qs(d.tier))
                                            : tr("%1 (rule %2)").arg(qs(d.tier), qs(d.rule)));
    }
    emit previewed();
}

QString RoutePreviewBox::tierText() const { return m_tier->text(); }
QString RoutePreviewBox::ruleText() const { return m_rule->text(); }
QString RoutePreviewBox::reasonText() const { return m_reason->text(); }
QString RoutePreviewBox::targetText() const { return m_target->text(); }
QString RoutePreviewBox::draftText() const { return m_draftTier->text(); }
