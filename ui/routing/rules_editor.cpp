#include "routing/rules_editor.h"

#include <QCheckBox>
#include <QComboBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QIntValidator>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSignalBlocker>
#include <QTableWidget>
#include <QVBoxLayout>

#include <algorithm>
#include <array>
#include <utility>

#include "common/centred_cell.h"
#include "routing/routing_draft.h"
#include "common/row_focus.h"
#include "qt_text.h"

namespace {


constexpr std::array kKinds{sb::RuleKind::Keywords,     sb::RuleKind::Regex,         sb::RuleKind::ModelAlias,
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
      m_table(new QTableWidget(0, ColumnCount, this)),
      m_focus(new RowFocus(m_table)),
      m_defaultTier(new QComboBox(this)),
      m_add(new QPushButton(tr("Add rule"), this)),
      m_remove(new QPushButton(tr("Remove"), this)),
      m_up(new QPushButton(tr("Move up"), this)),
      m_down(new QPushButton(tr("Move down"), this)) {
    m_table->setHorizontalHeaderLabels({tr("Name"), tr("Kind"), tr("Condition"), tr("Tier"), tr("Enabled")});
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setSelectionMode(QAbstractItemView::SingleSelection);
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_table->verticalHeader()->setVisible(false);
    m_table->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_table->horizontalHeader()->setSectionResizeMode(ConditionColumn, QHeaderView::Stretch);
    connect(m_table, &QTableWidget::currentCellChanged, this, [this] { updateButtons(); });
    m_defaultTier->setToolTip(tr("The tier of requests no rule matches"));
    connect(m_defaultTier, &QComboBox::activated, this, [this](int index) {
        const std::string tier = m_defaultTier->itemText(index).toStdString();
        m_draft.edit([&](sb::RoutingConfig& r) { r.default_tier = tier; });
    });
    connect(m_add, &QPushButton::clicked, this, &RulesEditor::addRule);
    connect(m_remove, &QPushButton::clicked, this, [this] { removeRule(currentRow()); });
    connect(m_up, &QPushButton::clicked, this, [this] { moveRule(currentRow(), -1); });
    connect(m_down, &QPushButton::clicked, this, [this] { moveRule(currentRow(), +1); });

    auto* top = new QHBoxLayout;
    top->addWidget(new QLabel(tr("Rules, first match wins. Default tier:"), this));
    top->addWidget(m_defaultTier);
    top->addStretch();
    auto* buttons = new QHBoxLayout;
    buttons->addWidget(m_add);
    buttons->addWidget(m_remove);
    buttons->addWidget(m_up);
    buttons->addWidget(m_down);
    buttons->addStretch();
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addLayout(top);
    layout->addWidget(m_table, 1);
    layout->addLayout(buttons);
    sync();
}

void RulesEditor::editRule(int row, const std::function<void(sb::ClassifierRule&)>& change) {
    m_draft.edit([&](sb::RoutingConfig& r) {
        if (row >= 0 && row < int(r.rules.size())) change(r.rules[std::size_t(row)]);
    });
}

void RulesEditor::addRule() {
    const auto& routing = m_draft.draft();
    sb::ClassifierRule rule;
    rule.name = tr("rule-%1").arg(routing.rules.size() + 1).toStdString();
    rule.kind = sb::RuleKind::Keywords;
    rule.tier = routing.tiers.empty() ? routing.default_tier : routing.tiers.front().name;
    m_draft.edit([&](sb::RoutingConfig& r) { r.rules.push_back(rule); });
    m_table->selectRow(rowCount() - 1);
}

void RulesEditor::removeRule(int row) {
    if (row < 0 || row >= rowCount()) return;
    m_draft.edit([row](sb::RoutingConfig& r) { r.rules.erase(r.rules.begin() + row); });
    if (rowCount() > 0) m_table->selectRow(std::min(row, rowCount() - 1));
}

void RulesEditor::moveRule(int row, int delta) {
    const int to = row + delta;
    if (row < 0 || row >= rowCount() || to < 0 || to >= rowCount()) return;
    m_draft.edit([row, to](sb::RoutingConfig& r) { std::swap(r.rules[std::size_t(row)], r.rules[std::size_t(to)]); });
    m_table->selectRow(to);
}

void RulesEditor::appendRow() {
    const int row = m_table->rowCount();
    m_table->insertRow(row);
    Row r;
    r.name = new QLineEdit(m_table);
    r.kind = new QComboBox(m_table);
    for (const auto kind : kKinds) r.kind->addItem(kindLabel(kind), int(kind));
    r.condition = new QLineEdit(m_table);
    r.numbers = new QIntValidator(0, 1000000000, r.condition);
    r.tier = new QComboBox(m_table);
    r.tier->setEditable(true);  // a tier may be named before it exists; validation says so
    r.tier->setInsertPolicy(QComboBox::NoInsert);
    r.enabled = new QCheckBox(m_table);
    connect(r.name, &QLineEdit::textEdited, this, [this, row](const QString& text) {
        editRule(row, [&](sb::ClassifierRule& rule) { rule.name = text.toStdString(); });
    });
    connect(r.kind, &QComboBox::activated, this, [this, row](int index) {
        const auto kind = static_cast<sb::RuleKind>(m_rows[std::size_t(row)].kind->itemData(index).toInt());
        const QString condition = m_rows[std::size_t(row)].condition->text();
        editRule(row, [&](sb::ClassifierRule& rule) {
            rule.kind = kind;
            // Carry what was typed over when it still makes sense for the new kind.
            bool number = false;
            condition.trimmed().toLongLong(&number);
            if (!isThreshold(kind) || number) setCondition(rule, condition);
        });
    });
    connect(r.condition, &QLineEdit::textEdited, this, [this, row](const QString& text) {
        editRule(row, [&](sb::ClassifierRule& rule) { setCondition(rule, text); });
    });
    connect(r.tier, &QComboBox::currentTextChanged, this, [this, row](const QString& text) {
        editRule(row, [&](sb::ClassifierRule& rule) { rule.tier = text.trimmed().toStdString(); });
    });
    connect(r.enabled, &QCheckBox::toggled, this,
            [this, row](bool on) { editRule(row, [on](sb::ClassifierRule& rule) { rule.enabled = on; }); });
    m_table->setCellWidget(row, NameColumn, r.name);
    m_table->setCellWidget(row, KindColumn, r.kind);
    m_table->setCellWidget(row, ConditionColumn, r.condition);
    m_table->setCellWidget(row, TierColumn, r.tier);
    m_table->setCellWidget(row, EnabledColumn, centredCell(r.enabled, m_table));
    for (QWidget* w : {static_cast<QWidget*>(r.name), static_cast<QWidget*>(r.kind), static_cast<QWidget*>(r.condition),
                       static_cast<QWidget*>(r.tier), static_cast<QWidget*>(r.enabled)})
        m_focus->track(w, row);
    m_rows.push_back(r);
}

void RulesEditor::syncRow(int index, const sb::ClassifierRule& rule, const QStringList& tiers) {
    Row& row = m_rows[std::size_t(index)];
    const QString name = qs(rule.name);
    if (row.name->text() != name) row.name->setText(name);
    {
        const QSignalBlocker block(row.kind);
        row.kind->setCurrentIndex(row.kind->findData(int(rule.kind)));
    }
    if (!row.kindShown || *row.kindShown != rule.kind) {
        row.kindShown = rule.kind;
        row.condition->setValidator(isThreshold(rule.kind) ? row.numbers : nullptr);
        row.condition->setPlaceholderText(conditionHint(rule.kind));
        row.condition->setText(conditionText(rule));
    } else {
        // What is being typed stays as typed while it still means the draft's condition
        // ("a, b," is "a, b"); anything else shows the draft.
        sb::ClassifierRule typed = rule;
        setCondition(typed, row.condition->text());
        if (typed != rule) row.condition->setText(conditionText(rule));
    }
    {
        const QSignalBlocker block(row.tier);
        setItems(row.tier, tiers);
        const QString tier = qs(rule.tier);
        if (row.tier->currentText() != tier) row.tier->setCurrentText(tier);
        row.tier->setEnabled(rule.kind != sb::RuleKind::Header);
        row.tier->setToolTip(rule.kind == sb::RuleKind::Header ? tr("The header's value names the tier") : QString());
    }
    if (row.enabled->isChecked() != rule.enabled) {
        const QSignalBlocker block(row.enabled);
        row.enabled->setChecked(rule.enabled);
    }
}

void RulesEditor::sync() {
    const auto& routing = m_draft.draft();
    const int wanted = int(routing.rules.size());
    while (rowCount() > wanted) {
        m_table->removeRow(rowCount() - 1);
        m_rows.pop_back();
    }
    while (rowCount() < wanted) appendRow();
    const QStringList tiers = tierNames(routing);
    for (int i = 0; i < wanted; ++i) syncRow(i, routing.rules[std::size_t(i)], tiers);
    {
        const QSignalBlocker block(m_defaultTier);
        QStringList items = tiers;
        if (!items.contains(qs(routing.default_tier))) items << qs(routing.default_tier);
        setItems(m_defaultTier, items);
        m_defaultTier->setCurrentText(qs(routing.default_tier));
    }
    updateButtons();
}

void RulesEditor::updateButtons() {
    updateRowButtons(currentRow(), rowCount(), m_remove, m_up, m_down);
}

int RulesEditor::rowCount() const { return int(m_rows.size()); }
int RulesEditor::currentRow() const {
    const int row = m_table->currentRow();
    return row < rowCount() ? row : -1;
}
QLineEdit* RulesEditor::nameEdit(int row) const { return m_rows.at(std::size_t(row)).name; }
QComboBox* RulesEditor::kindBox(int row) const { return m_rows.at(std::size_t(row)).kind; }
QLineEdit* RulesEditor::conditionEdit(int row) const { return m_rows.at(std::size_t(row)).condition; }
QComboBox* RulesEditor::tierBox(int row) const { return m_rows.at(std::size_t(row)).tier; }
QCheckBox* RulesEditor::enabledBox(int row) const { return m_rows.at(std::size_t(row)).enabled; }
