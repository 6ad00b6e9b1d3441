#include "cache/cache_rules_editor.h"

#include <QCheckBox>
#include <QComboBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSignalBlocker>
#include <QSpinBox>
#include <QTableWidget>
#include <QVBoxLayout>

#include <algorithm>
#include <array>
#include <utility>

#include "common/editor_style.h"
#include "common/centred_cell.h"
#include "cache/cache_rules_draft.h"
#include "common/row_focus.h"
#include "qt_text.h"

namespace {


constexpr std::array kActions{sb::CacheAction::Never, sb::CacheAction::Pin, sb::CacheAction::Ttl};
constexpr std::array kMatches{sb::CacheMatch::Keywords, sb::CacheMatch::Regex, sb::CacheMatch::PersonalData};
constexpr int kMaxTtlS = 366 * 24 * 3600;

QString actionLabel(sb::CacheAction action) {
    switch (action) {
    case sb::CacheAction::Never: return QObject::tr("Never cache");
    case sb::CacheAction::Pin: return QObject::tr("Pin until purged");
    case sb::CacheAction::Ttl: return QObject::tr("Cache for a TTL");
    }
    return {};
}

QString matchLabel(sb::CacheMatch match) {
    switch (match) {
    case sb::CacheMatch::Keywords: return QObject::tr("Keywords");
    case sb::CacheMatch::Regex: return QObject::tr("Regex");
    case sb::CacheMatch::PersonalData: return QObject::tr("Personal data");
    }
    return {};
}

QString conditionHint(sb::CacheMatch match) {
    switch (match) {
    case sb::CacheMatch::Keywords: return QObject::tr("keywords, comma-separated");
    case sb::CacheMatch::Regex: return QObject::tr("ECMAScript regex, case-insensitive");
    case sb::CacheMatch::PersonalData: return QObject::tr("e-mail, phone, card numbers… anywhere in the conversation");
    }
    return {};
}

// Which cell an error path points at: "[1].pattern" → the condition.
int cacheRuleColumn(const std::string& path) {
    const std::string field = fieldOfPath(path);
    if (field == "name") return CacheRulesEditor::NameColumn;
    if (field == "ttl_s") return CacheRulesEditor::TtlColumn;
    return CacheRulesEditor::ConditionColumn;
}

}  // namespace

QString CacheRulesEditor::conditionText(const sb::CacheRule& rule) {
    switch (rule.match) {
    case sb::CacheMatch::Keywords: {
        QStringList values;
        for (const auto& v : rule.keywords) values << qs(v);
        return values.join(QStringLiteral(", "));
    }
    case sb::CacheMatch::Regex: return qs(rule.pattern);
    case sb::CacheMatch::PersonalData: return {};
    }
    return {};
}

void CacheRulesEditor::setCondition(sb::CacheRule& rule, const QString& text) {
    // Only the field the match reads is kept, so a saved rule loads back as the same rule.
    rule.keywords.clear();
    rule.pattern.clear();
    switch (rule.match) {
    case sb::CacheMatch::Keywords:
        for (const QString& v : text.split(QLatin1Char(','), Qt::SkipEmptyParts))
            if (!v.trimmed().isEmpty()) rule.keywords.push_back(v.trimmed().toStdString());
        break;
    case sb::CacheMatch::Regex: rule.pattern = text.toStdString(); break;
    case sb::CacheMatch::PersonalData: break;
    }
}

CacheRulesEditor::CacheRulesEditor(CacheRulesDraft& draft, QWidget* parent)
    : QWidget(parent),
      m_draft(draft),
      m_table(new QTableWidget(0, ColumnCount, this)),
      m_focus(new RowFocus(m_table)),
      m_hint(new QLabel(this)),
      m_add(new QPushButton(tr("Add rule"), this)),
      m_remove(new QPushButton(tr("Remove"), this)),
      m_up(new QPushButton(tr("Move up"), this)),
      m_down(new QPushButton(tr("Move down"), this)) {
    setUpEditorTable(m_table, QStringLiteral("cacheRules"),
                     {tr("Name"), tr("Action"), tr("Match"), tr("Keywords or pattern"), tr("TTL (s)"), tr("Enabled")},
                     ConditionColumn, NameColumn);
    connect(m_table, &QTableWidget::currentCellChanged, this, [this] {
        updateButtons();
        emit currentRowChanged(currentRow());
    });
    setUpErrorHint(m_hint, QStringLiteral("cacheRulesHint"));
    connect(m_add, &QPushButton::clicked, this, &CacheRulesEditor::addRule);
    connect(m_remove, &QPushButton::clicked, this, [this] { removeRule(currentRow()); });
    connect(m_up, &QPushButton::clicked, this, [this] { moveRule(currentRow(), -1); });
    connect(m_down, &QPushButton::clicked, this, [this] { moveRule(currentRow(), +1); });

    auto* buttons = new QHBoxLayout;
    buttons->addWidget(m_add);
    buttons->addWidget(m_remove);
    buttons->addWidget(m_up);
    buttons->addWidget(m_down);
    buttons->addStretch();
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(new QLabel(tr("Rules, first match wins. No rule matched: cached for the default TTL."), this));
    layout->addWidget(m_table, 1);
    layout->addWidget(m_hint);
    layout->addLayout(buttons);
    sync();
}

void CacheRulesEditor::editRule(int row, const std::function<void(sb::CacheRule&)>& change) {
    m_draft.edit([&](std::vector<sb::CacheRule>& rules) {
        if (row >= 0 && row < int(rules.size())) change(rules[std::size_t(row)]);
    });
}

void CacheRulesEditor::addRule() {
    const auto& rules = m_draft.draft();
    // A unique name and a placeholder keyword, so a new rule is valid until edited.
    int n = int(rules.size()) + 1;
    const auto taken = [&rules](const std::string& name) {
        return std::any_of(rules.begin(), rules.end(), [&](const sb::CacheRule& r) { return r.name == name; });
    };
    while (taken(tr("rule-%1").arg(n).toStdString())) ++n;
    sb::CacheRule rule;
    rule.name = tr("rule-%1").arg(n).toStdString();
    rule.action = sb::CacheAction::Ttl;
    rule.match = sb::CacheMatch::Keywords;
    rule.keywords = {tr("keyword").toStdString()};
    m_draft.edit([&](std::vector<sb::CacheRule>& r) { r.push_back(rule); });
    selectRow(rowCount() - 1);
}

void CacheRulesEditor::removeRule(int row) {
    if (row < 0 || row >= rowCount()) return;
    m_draft.edit([row](std::vector<sb::CacheRule>& r) { r.erase(r.begin() + row); });
    if (rowCount() > 0) selectRow(std::min(row, rowCount() - 1));
}

void CacheRulesEditor::moveRule(int row, int delta) {
    const int to = row + delta;
    if (row < 0 || row >= rowCount() || to < 0 || to >= rowCount()) return;
    m_draft.edit([row, to](std::vector<sb::CacheRule>& r) { std::swap(r[std::size_t(row)], r[std::size_t(to)]); });
    selectRow(to);
}

void CacheRulesEditor::selectRow(int row) { m_table->selectRow(row); }

void CacheRulesEditor::appendRow() {
    const int row = m_table->rowCount();
    m_table->insertRow(row);
    Row r;
    r.name = new QLineEdit(m_table);
    r.action = new QComboBox(m_table);
    for (const auto action : kActions) r.action->addItem(actionLabel(action), int(action));
    r.match = new QComboBox(m_table);
    for (const auto match : kMatches) r.match->addItem(matchLabel(match), int(match));
    r.condition = new QLineEdit(m_table);
    r.ttl = new QSpinBox(m_table);
    r.ttl->setRange(1, kMaxTtlS);
    r.ttl->setToolTip(tr("How long a matching answer is kept (TTL rules only)"));
    r.enabled = new QCheckBox(m_table);
    connect(r.name, &QLineEdit::textChanged, this, [this, row](const QString& text) {
        editRule(row, [&](sb::CacheRule& rule) { rule.name = text.trimmed().toStdString(); });
    });
    connect(r.action, &QComboBox::currentIndexChanged, this, [this, row](int index) {
        const auto action = static_cast<sb::CacheAction>(m_rows[std::size_t(row)].action->itemData(index).toInt());
        editRule(row, [action](sb::CacheRule& rule) { rule.action = action; });
    });
    connect(r.match, &QComboBox::currentIndexChanged, this, [this, row](int index) {
        const auto match = static_cast<sb::CacheMatch>(m_rows[std::size_t(row)].match->itemData(index).toInt());
        const QString condition = m_rows[std::size_t(row)].condition->text();
        editRule(row, [&](sb::CacheRule& rule) {
            rule.match = match;
            setCondition(rule, condition);  // what was typed carries over to the new kind
        });
    });
    connect(r.condition, &QLineEdit::textChanged, this, [this, row](const QString& text) {
        editRule(row, [&](sb::CacheRule& rule) { setCondition(rule, text); });
    });
    connect(r.ttl, &QSpinBox::valueChanged, this, [this, row](int seconds) {
        editRule(row, [seconds](sb::CacheRule& rule) { rule.ttl = std::chrono::seconds(seconds); });
    });
    connect(r.enabled, &QCheckBox::toggled, this,
            [this, row](bool on) { editRule(row, [on](sb::CacheRule& rule) { rule.enabled = on; }); });
    m_table->setCellWidget(row, NameColumn, r.name);
    m_table->setCellWidget(row, ActionColumn, r.action);
    m_table->setCellWidget(row, MatchColumn, r.match);
    m_table->setCellWidget(row, ConditionColumn, r.condition);
    m_table->setCellWidget(row, TtlColumn, r.ttl);
    m_table->setCellWidget(row, EnabledColumn, centredCell(r.enabled, m_table));
    for (QWidget* w : {static_cast<QWidget*>(r.name), static_cast<QWidget*>(r.action), static_cast<QWidget*>(r.match),
                       static_cast<QWidget*>(r.condition), static_cast<QWidget*>(r.ttl), static_cast<QWidget*>(r.enabled)})
        m_focus->track(w, row);
    m_rows.push_back(r);
}

void CacheRulesEditor::syncRow(int index, const sb::CacheRule& rule) {
    Row& row = m_rows[std::size_t(index)];
    // Signals are blocked: showing the draft is not an edit of it.
    const QSignalBlocker blockName(row.name), blockAction(row.action), blockMatch(row.match),
        blockCondition(row.condition), blockTtl(row.ttl), blockEnabled(row.enabled);
    if (row.name->text().trimmed().toStdString() != rule.name) row.name->setText(qs(rule.name));
    row.action->setCurrentIndex(row.action->findData(int(rule.action)));
    row.match->setCurrentIndex(row.match->findData(int(rule.match)));
    // What is being typed stays as typed while it still means the draft's condition ("a, b,"
    // is "a, b"); anything else shows the draft.
    sb::CacheRule typed = rule;
    setCondition(typed, row.condition->text());
    const bool stale = rule.match == sb::CacheMatch::PersonalData && !row.condition->text().isEmpty();
    if (typed != rule || stale) row.condition->setText(conditionText(rule));
    row.condition->setEnabled(rule.match != sb::CacheMatch::PersonalData);
    row.condition->setPlaceholderText(conditionHint(rule.match));
    if (row.ttl->value() != int(rule.ttl.count())) row.ttl->setValue(int(rule.ttl.count()));
    row.ttl->setEnabled(rule.action == sb::CacheAction::Ttl);
    if (row.enabled->isChecked() != rule.enabled) row.enabled->setChecked(rule.enabled);
    markRow(index);
}

void CacheRulesEditor::markRow(int index) {
    Row& row = m_rows[std::size_t(index)];
    const std::string prefix = "[" + std::to_string(index) + "]";
    std::array<QStringList, ColumnCount> byColumn;
    for (const auto& error : m_draft.errors())
        if (error.path.rfind(prefix, 0) == 0)
            byColumn[std::size_t(cacheRuleColumn(error.path))] << QStringLiteral("rules") + qs(error.to_string());
    const std::array<std::pair<int, QWidget*>, 3> cells{
        {{NameColumn, row.name}, {ConditionColumn, row.condition}, {TtlColumn, row.ttl}}};
    row.invalid = markCells(cells, byColumn);
    markRowNumber(m_table, index, row.invalid);
}

void CacheRulesEditor::sync() {
    const auto& rules = m_draft.draft();
    const int wanted = int(rules.size());
    while (rowCount() > wanted) {
        m_table->removeRow(rowCount() - 1);
        m_rows.pop_back();
    }
    while (rowCount() < wanted) appendRow();
    for (int i = 0; i < wanted; ++i) syncRow(i, rules[std::size_t(i)]);

    QStringList lines;
    for (const auto& error : m_draft.errors()) lines << QStringLiteral("rules") + qs(error.to_string());
    showErrorLines(m_hint, lines);
    updateButtons();
}

void CacheRulesEditor::updateButtons() { updateRowButtons(currentRow(), rowCount(), m_remove, m_up, m_down); }

int CacheRulesEditor::rowCount() const { return int(m_rows.size()); }
int CacheRulesEditor::currentRow() const {
    const int row = m_table->currentRow();
    return row < rowCount() ? row : -1;
}
QLineEdit* CacheRulesEditor::nameEdit(int row) const { return m_rows.at(std::size_t(row)).name; }
QComboBox* CacheRulesEditor::actionBox(int row) const { return m_rows.at(std::size_t(row)).action; }
QComboBox* CacheRulesEditor::matchBox(int row) const { return m_rows.at(std::size_t(row)).match; }
QLineEdit* CacheRulesEditor::conditionEdit(int row) const { return m_rows.at(std::size_t(row)).condition; }
QSpinBox* CacheRulesEditor::ttlBox(int row) const { return m_rows.at(std::size_t(row)).ttl; }
QCheckBox* CacheRulesEditor::enabledBox(int row) const { return m_rows.at(std::size_t(row)).enabled; }
QString CacheRulesEditor::hintText() const { return m_hint->text(); }
bool CacheRulesEditor::rowMarkedInvalid(int row) const { return m_rows.at(std::size_t(row)).invalid; }
