#include "routing/rules_editor.h"

#include <QCheckBox>
#include <QComboBox>
#include <QHBoxLayout>
#include <QIntValidator>
#include <QLabel>
#include <QLineEdit>
#include <QSignalBlocker>
#include <QVBoxLayout>

#include <array>
#include <utility>

#include "common/row_editor_table.h"
#include "common/qt_text.h"
#include "routing/routing_draft.h"

namespace {

constexpr std::array kRuleKinds{sb::RuleKind::Keywords,     sb::RuleKind::Regex,         sb::RuleKind::ModelAlias,
                            sb::RuleKind::Header,       sb::RuleKind::TokensAtMost,  sb::RuleKind::TokensAtLeast,
                            sb::RuleKind::TurnsAtLeast};

QString kindLabel(sb::RuleKind kind) {
    switch (kind) {
    case sb::RuleKind::Header: return QObject::tr("Header names the tier");
    case sb::RuleKind::ModelAlias: return QObject::tr("Model alias is one of");
    case sb::RuleKind::Keywords: return QObject::tr("Message has a keyword");
    case sb::RuleKind::Regex: return QObject::tr("Message matches regex");
    case sb::RuleKind::TokensAtMost: return QObject::tr("Prompt tokens at most");
    case sb::RuleKind::TokensAtLeast: return QObject::tr("Prompt tokens at least");
    case sb::RuleKind::TurnsAtLeast: return QObject::tr("User turns at least");
    }
    return {};
}

QString conditionHint(sb::RuleKind kind) {
    switch (kind) {
    case sb::RuleKind::Header: return QObject::tr("header name, e.g. x-switchboard-tier");
    case sb::RuleKind::ModelAlias: return QObject::tr("aliases, comma-separated: fast, smart");
    case sb::RuleKind::Keywords: return QObject::tr("keywords, comma-separated");
    case sb::RuleKind::Regex: return QObject::tr("ECMAScript regex, case-insensitive");
    case sb::RuleKind::TokensAtMost:
    case sb::RuleKind::TokensAtLeast: return QObject::tr("estimated prompt tokens");
    case sb::RuleKind::TurnsAtLeast: return QObject::tr("user turns");
    }
    return {};
}

bool isThreshold(sb::RuleKind kind) {
    return kind == sb::RuleKind::TokensAtMost || kind == sb::RuleKind::TokensAtLeast ||
           kind == sb::RuleKind::TurnsAtLeast;
}

QStringList tierNames(const sb::RoutingConfig& routing) {
    QStringList names;
    for (const auto& t : routing.tiers) names << qs(t.name);
    return names;
}

void setItems(QComboBox* box, const QStringList& items) {
    QStringList current;
    for (int i = 0; i < box->count(); ++i) current << box->itemText(i);
    if (current == items) return;
    const QString text = box->currentText();
    box->clear();
    box->addItems(items);
    box->setCurrentText(text);
}

}  // namespace

QString RulesEditor::conditionText(const sb::ClassifierRule& rule) {
    switch (rule.kind) {
    case sb::RuleKind::Header: return qs(rule.header);
    case sb::RuleKind::Regex: return qs(rule.pattern);
    case sb::RuleKind::ModelAlias:
    case sb::RuleKind::Keywords: {
        QStringList values;
        for (const auto& v : rule.values) values << qs(v);
        return values.join(QStringLiteral(", "));
    }
    case sb::RuleKind::TokensAtMost:
    case sb::RuleKind::TokensAtLeast:
    case sb::RuleKind::TurnsAtLeast: return QString::number(rule.threshold);
    }
    return {};
}

void RulesEditor::setCondition(sb::ClassifierRule& rule, const QString& text) {
    switch (rule.kind) {
    case sb::RuleKind::Header: rule.header = text.trimmed().toStdString(); break;
    case sb::RuleKind::Regex: rule.pattern = text.toStdString(); break;
    case sb::RuleKind::ModelAlias:
    case sb::RuleKind::Keywords:
        rule.values.clear();
        for (const QString& v : text.split(QLatin1Char(','), Qt::SkipEmptyParts))
            if (!v.trimmed().isEmpty()) rule.values.push_back(v.trimmed().toStdString());
        break;
    case sb::RuleKind::TokensAtMost:
    case sb::RuleKind::TokensAtLeast:
    case sb::RuleKind::TurnsAtLeast: rule.threshold = text.trimmed().toLongLong(); break;
    }
}

RulesEditor::RulesEditor(RoutingDraft& draft, QWidget* parent)
    : QWidget(parent),
      m_draft(draft),
      m_rows(new RowEditorTable({.objectName = QStringLiteral("routingRules"),
                                 .headers = {tr("Name"), tr("Kind"), tr("Condition"), tr("Tier"), tr("Enabled")},
                                 .stretchColumn = ConditionColumn,
                                 .rowNumbers = false},
                                this)),
      m_defaultTier(new QComboBox(this)),
      m_numbers(new QIntValidator(0, 1000000000, this)) {
    m_rows->setRowBuilder([this](int row) { buildRow(row); });
    m_rows->setRowEdits({.addText = tr("Add rule"),
                         .add = [this] { appendRule(); },
                         .remove = [this](int row) {
                             m_draft.edit([row](sb::RoutingConfig& r) { r.rules.erase(r.rules.begin() + row); });
                         },
                         .swap = [this](int row, int to) {
                             m_draft.edit([row, to](sb::RoutingConfig& r) {
                                 std::swap(r.rules[std::size_t(row)], r.rules[std::size_t(to)]);
                             });
                         }});
    m_defaultTier->setToolTip(tr("The tier of requests no rule matches"));
    connect(m_defaultTier, &QComboBox::activated, this, [this](int index) {
        const std::string tier = m_defaultTier->itemText(index).toStdString();
        m_draft.edit([&](sb::RoutingConfig& r) { r.default_tier = tier; });
    });

    auto* top = new QHBoxLayout;
    top->addWidget(new QLabel(tr("Rules, first match wins. Default tier:"), this));
    top->addWidget(m_defaultTier);
    top->addStretch();
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addLayout(top);
    layout->addWidget(m_rows, 1);
    sync();
}

void RulesEditor::editRule(int row, const std::function<void(sb::ClassifierRule&)>& change) {
    m_draft.edit([&](sb::RoutingConfig& r) {
        if (row >= 0 && row < int(r.rules.size())) change(r.rules[std::size_t(row)]);
    });
}

void RulesEditor::appendRule() {
    const auto& routing = m_draft.draft();
    sb::ClassifierRule rule;
    rule.name = tr("rule-%1").arg(routing.rules.size() + 1).toStdString();
    rule.kind = sb::RuleKind::Keywords;
    rule.tier = routing.tiers.empty() ? routing.default_tier : routing.tiers.front().name;
    m_draft.edit([&](sb::RoutingConfig& r) { r.rules.push_back(rule); });
}

void RulesEditor::buildRow(int row) {
    auto* name = new QLineEdit;
    auto* kind = new QComboBox;
    for (const auto k : kRuleKinds) kind->addItem(kindLabel(k), int(k));
    auto* condition = new QLineEdit;
    auto* tier = new QComboBox;
    tier->setEditable(true);  // a tier may be named before it exists; validation says so
    tier->setInsertPolicy(QComboBox::NoInsert);
    auto* enabled = new QCheckBox;
    connect(name, &QLineEdit::textEdited, this, [this, row](const QString& text) {
        editRule(row, [&](sb::ClassifierRule& rule) { rule.name = text.toStdString(); });
    });
    connect(kind, &QComboBox::activated, this, [this, row, kind, condition](int index) {
        const auto chosen = static_cast<sb::RuleKind>(kind->itemData(index).toInt());
        const QString typed = condition->text();
        editRule(row, [&](sb::ClassifierRule& rule) {
            rule.kind = chosen;
            // Carry what was typed over when it still makes sense for the new kind.
            bool number = false;
            typed.trimmed().toLongLong(&number);
            if (!isThreshold(chosen) || number) setCondition(rule, typed);
        });
    });
    connect(condition, &QLineEdit::textEdited, this, [this, row](const QString& text) {
        editRule(row, [&](sb::ClassifierRule& rule) { setCondition(rule, text); });
    });
    connect(tier, &QComboBox::currentTextChanged, this, [this, row](const QString& text) {
        editRule(row, [&](sb::ClassifierRule& rule) { rule.tier = text.trimmed().toStdString(); });
    });
    connect(enabled, &QCheckBox::toggled, this,
            [this, row](bool on) { editRule(row, [on](sb::ClassifierRule& rule) { rule.enabled = on; }); });
    m_rows->setCell(row, NameColumn, name);
    m_rows->setCell(row, KindColumn, kind);
    m_rows->setCell(row, ConditionColumn, condition);
    m_rows->setCell(row, TierColumn, tier);
    m_rows->setCell(row, EnabledColumn, enabled);
}

void RulesEditor::syncRow(int row, const sb::ClassifierRule& rule, const QStringList& tiers) {
    QLineEdit* name = nameEdit(row);
    QComboBox* kind = kindBox(row);
    QLineEdit* condition = conditionEdit(row);
    QComboBox* tier = tierBox(row);
    QCheckBox* enabled = enabledBox(row);
    const QString ruleName = qs(rule.name);
    if (name->text() != ruleName) name->setText(ruleName);
    kind->setCurrentIndex(kind->findData(int(rule.kind)));
    std::optional<sb::RuleKind>& kindShown = m_kindShown[std::size_t(row)];
    if (!kindShown || *kindShown != rule.kind) {
        kindShown = rule.kind;
        condition->setValidator(isThreshold(rule.kind) ? m_numbers : nullptr);
        condition->setPlaceholderText(conditionHint(rule.kind));
        condition->setText(conditionText(rule));
    } else {
        // What is being typed stays as typed while it still means the draft's condition
        // ("a, b," is "a, b"); anything else shows the draft.
        sb::ClassifierRule typed = rule;
        setCondition(typed, condition->text());
        if (typed != rule) condition->setText(conditionText(rule));
    }
    setItems(tier, tiers);
    const QString tierName = qs(rule.tier);
    if (tier->currentText() != tierName) tier->setCurrentText(tierName);
    tier->setEnabled(rule.kind != sb::RuleKind::Header);
    tier->setToolTip(rule.kind == sb::RuleKind::Header ? tr("The header's value names the tier") : QString());
    if (enabled->isChecked() != rule.enabled) enabled->setChecked(rule.enabled);
}

void RulesEditor::sync() {
    const auto& routing = m_draft.draft();
    const int wanted = int(routing.rules.size());
    m_kindShown.resize(std::size_t(wanted));  // a new row's condition field is set up by its first sync
    const QStringList tiers = tierNames(routing);
    m_rows->syncRows(wanted, [&](int row) { syncRow(row, routing.rules[std::size_t(row)], tiers); });
    {
        const QSignalBlocker block(m_defaultTier);
        QStringList items = tiers;
        if (!items.contains(qs(routing.default_tier))) items << qs(routing.default_tier);
        setItems(m_defaultTier, items);
        m_defaultTier->setCurrentText(qs(routing.default_tier));
    }
}

int RulesEditor::rowCount() const { return m_rows->rowCount(); }
int RulesEditor::currentRow() const { return m_rows->currentRow(); }
QLineEdit* RulesEditor::nameEdit(int row) const { return m_rows->cell<QLineEdit>(row, NameColumn); }
QComboBox* RulesEditor::kindBox(int row) const { return m_rows->cell<QComboBox>(row, KindColumn); }
QLineEdit* RulesEditor::conditionEdit(int row) const { return m_rows->cell<QLineEdit>(row, ConditionColumn); }
QComboBox* RulesEditor::tierBox(int row) const { return m_rows->cell<QComboBox>(row, TierColumn); }
QCheckBox* RulesEditor::enabledBox(int row) const { return m_rows->cell<QCheckBox>(row, EnabledColumn); }
