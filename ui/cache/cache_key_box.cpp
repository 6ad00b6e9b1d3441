#include "cache/cache_key_box.h"

#include <QFontDatabase>
#include <QFormLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QTimer>
#include <QToolButton>
#include <QVBoxLayout>

#include "cache/conversation_text.h"
#include "engine_bridge.h"
#include "common/qt_text.h"

namespace {


// The decision's reason is "<why> → <outcome> (rule <name>)"; the box shows the outcome first.
QString whyOf(const sb::CacheDecision& decision) {
    const QString reason = qs(decision.reason);
    const qsizetype arrow = reason.indexOf(QStringLiteral(" → "));
    return arrow < 0 ? reason : reason.left(arrow);
}

}  // namespace

QString CacheKeyBox::describeDecision(const sb::CacheDecision& decision) {
    QString outcome;
    if (!decision.store) outcome = tr("never cached");
    else if (!decision.ttl) outcome = tr("pinned until purged");
    else outcome = tr("cached for %1 s").arg(decision.ttl->count());
    if (decision.rule.empty()) return tr("%1: no rule matched (the default TTL)").arg(outcome);
    return tr("%1: %2 (rule %3)").arg(outcome, whyOf(decision), qs(decision.rule));
}

CacheKeyBox::CacheKeyBox(EngineBridge& bridge, QWidget* parent)
    : QGroupBox(tr("Which key, which rule"), parent),
      m_bridge(bridge),
      m_conversation(new QPlainTextEdit(this)),
      m_target(new QLineEdit(this)),
      m_debounce(new QTimer(this)),
      m_key(new QLabel(this)),
      m_boundTo(new QLabel(this)),
      m_rule(new QLabel(this)),
      m_decision(new QLabel(this)),
      m_semantic(new QLabel(this)),
      m_showMaterial(new QToolButton(this)),
      m_material(new QPlainTextEdit(this)) {
    m_conversation->setPlaceholderText(
        tr("Paste a conversation:\nsystem: You are a support agent.\nuser: How do I reset my router?\n"
           "(plain text is one user message)"));
    m_conversation->setMaximumHeight(130);
    m_target->setPlaceholderText(tr("Model, provider/model or tier (optional)"));
    for (QLabel* label : {m_key, m_boundTo, m_rule, m_decision, m_semantic}) {
        label->setWordWrap(true);
        label->setTextInteractionFlags(Qt::TextSelectableByMouse);
    }
    m_key->setObjectName(QStringLiteral("cacheKey"));
    m_key->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_showMaterial->setText(tr("What was hashed"));
    m_showMaterial->setCheckable(true);
    m_showMaterial->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    m_showMaterial->setArrowType(Qt::RightArrow);
    m_material->setReadOnly(true);
    m_material->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_material->setVisible(false);
    connect(m_showMaterial, &QToolButton::toggled, this, [this](bool on) {
        m_showMaterial->setArrowType(on ? Qt::DownArrow : Qt::RightArrow);
        m_material->setVisible(on);
    });

    m_debounce->setSingleShot(true);
    m_debounce->setInterval(kDebounceMs);
    connect(m_debounce, &QTimer::timeout, this, &CacheKeyBox::refresh);
    connect(m_conversation, &QPlainTextEdit::textChanged, m_debounce, qOverload<>(&QTimer::start));
    connect(m_target, &QLineEdit::textChanged, m_debounce, qOverload<>(&QTimer::start));

    auto* form = new QFormLayout;
    form->addRow(tr("Model"), m_target);
    form->addRow(tr("Key"), m_key);
    form->addRow(tr("Bound to"), m_boundTo);
    form->addRow(tr("Rule"), m_rule);
    form->addRow(tr("Decision"), m_decision);
    form->addRow(tr("Semantic"), m_semantic);
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(m_conversation);
    layout->addLayout(form);
    layout->addWidget(m_showMaterial);
    layout->addWidget(m_material, 1);
    refresh();
}

void CacheKeyBox::setConversation(const QString& text, const QString& target) {
    m_conversation->setPlainText(text);
    m_target->setText(target);
}

void CacheKeyBox::schedule() { m_debounce->start(); }

sb::ChatRequest CacheKeyBox::request() const {
    sb::ChatRequest request;
    request.messages = conversation_text::parse(m_conversation->toPlainText());
    request.source = "gui";
    QStringList providers;
    for (const auto& p : m_bridge.config().providers) providers << qs(p.name);
    QStringList tiers;
    for (const auto& t : m_bridge.api().routing().tiers) tiers << qs(t.name);
    conversation_text::applyTarget(request, m_target->text(), providers, tiers);
    return request;
}

void CacheKeyBox::refresh() {
    m_debounce->stop();
    const sb::ChatRequest request = this->request();
    const quint64 asked = ++m_asked;
    m_bridge.api().preview_cache(
        request, EngineBridge::onThreadOf<std::optional<sb::CachePreview>>(this, [this, asked, request](auto preview) {
            if (asked != m_asked) return;  // a newer question is on its way
            showPreview(request, preview ? *preview : std::nullopt);
        }));
}

void CacheKeyBox::showPreview(const sb::ChatRequest& request, const std::optional<sb::CachePreview>& preview) {
    if (request.messages.empty() || !preview) {
        const QString none = QStringLiteral("—");
        m_key->setText(none);
        m_boundTo->setText(request.messages.empty() ? none : tr("no usable target (or caching is off)"));
        m_rule->setText(none);
        m_decision->setText(none);
        m_semantic->setText(none);
        m_material->clear();
        emit previewed();
        return;
    }
    m_key->setText(qs(preview->key));
    m_boundTo->setText(qs(preview->target));
    m_rule->setText(preview->decision.rule.empty() ? tr("none (default)") : qs(preview->decision.rule));
    m_decision->setText(describeDecision(preview->decision));
    m_decision->setStyleSheet(preview->decision.store ? QString() : QStringLiteral("color: #d32f2f;"));
    m_material->setPlainText(qs(preview->material));
    m_semantic->setText(describeSemantic(*preview));
    emit previewed();
}

QString CacheKeyBox::describeSemantic(const sb::CachePreview& preview) {
    if (!preview.threshold) return tr("off");
    if (!preview.nearest) return qs(preview.semantic_note);
    const double similarity = preview.nearest->similarity;
    const QString verdict = similarity >= *preview.threshold ? tr("would be served") : tr("below the threshold");
    return tr("nearest stored question: \"%1\", similarity %2 (threshold %3): %4")
        .arg(qs(preview.nearest->question), QString::number(similarity, 'f', 3),
             QString::number(*preview.threshold, 'f', 2), verdict);
}

QString CacheKeyBox::keyText() const { return m_key->text(); }
QString CacheKeyBox::targetText() const { return m_boundTo->text(); }
QString CacheKeyBox::ruleText() const { return m_rule->text(); }
QString CacheKeyBox::decisionText() const { return m_decision->text(); }
QString CacheKeyBox::materialText() const { return m_material->toPlainText(); }
QString CacheKeyBox::semanticText() const { return m_semantic->text(); }
