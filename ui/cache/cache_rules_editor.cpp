#include "cache/cache_rules_editor.h"

#include <QCheckBox>
#include <QComboBox>
#include <QLabel>
#include <QLineEdit>
#include <QSpinBox>
#include <QVBoxLayout>

#include <algorithm>
#include <array>
#include <utility>

#include "cache/cache_rules_draft.h"
#include "common/row_editor_table.h"
#include "common/qt_text.h"

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

// Which cell a problem's field points at: "pattern" → the condition.
int cacheRuleColumn(const std::string& field) {
    if (field == "name") return CacheRulesEditor::NameColumn;
    if (field == "ttl_s") return CacheRulesEditor::TtlColumn;
    if (field == "semantic") return CacheRulesEditor::SemanticColumn;
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
      m_rows(new RowEditorTable(
          {.objectName = QStringLiteral("cacheRules"),
           .headers = {tr("Name"), tr("Action"), tr("Match"), tr("Keywords or pattern"), tr("TTL (s)"), tr("Semantic"), tr("Enabled")},
           .stretchColumn = ConditionColumn,
           .nameColumn = NameColumn},
          this)) {
    m_rows->setRowBuilder([this](int row) { buildRow(row); });
    m_rows->setRowEdits({.addText = tr("Add rule"),
                         .add = [this] { appendRule(); },
                         .remove = [this](int row) {
                             m_draft.edit([row](std::vector<sb::CacheRule>& r) { r.erase(r.begin() + row); });
                         },
                         .swap = [this](int row, int to) {
                             m_draft.edit([row, to](std::vector<sb::CacheRule>& r) {
                                 std::swap(r[std::size_t(row)], r[std::size_t(to)]);
                             });
                         }});
    m_rows->setChecks({.hintName = QStringLiteral("cacheRulesHint"),
                       .columns = {NameColumn, ConditionColumn, TtlColumn, SemanticColumn},
                       .columnOf = &cacheRuleColumn,
                       .problemText = [](const sb::ConfigError& error) {
                           return QStringLiteral("rules") + qs(error.to_string());
                       }});
    connect(m_rows, &RowEditorTable::currentRowChanged, this, &CacheRulesEditor::currentRowChanged);

    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(new QLabel(tr("Rules, first match wins. No rule matched: cached for the default TTL."), this));
    layout->addWidget(m_rows, 1);
    sync();
}

void CacheRulesEditor::editRule(int row, const std::function<void(sb::CacheRule&)>& change) {
    m_draft.edit([&](std::vector<sb::CacheRule>& rules) {
        if (row >= 0 && row < int(rules.size())) change(rules[std::size_t(row)]);
    });
}

void CacheRulesEditor::addRule() { m_rows->addRow(); }

void CacheRulesEditor::appendRule() {
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
}

void CacheRulesEditor::selectRow(int row) { m_rows->selectRow(row); }

void CacheRulesEditor::buildRow(int row) {
    auto* name = new QLineEdit;
    auto* action = new QComboBox;
    for (const auto a : kActions) action->addItem(actionLabel(a), int(a));
    auto* match = new QComboBox;
    for (const auto m : kMatches) match->addItem(matchLabel(m), int(m));
    auto* condition = new QLineEdit;
    auto* ttl = new QSpinBox;
    ttl->setRange(1, kMaxTtlS);
    ttl->setToolTip(tr("How long a matching answer is kept (TTL rules only)"));
    auto* semantic = new QCheckBox;
    semantic->setToolTip(tr("Matching questions may be answered with the stored answer to a question close in meaning "
                            "(the semantic cache; never for \"never\" rules)"));
    auto* enabled = new QCheckBox;
    connect(name, &QLineEdit::textChanged, this, [this, row](const QString& text) {
        editRule(row, [&](sb::CacheRule& rule) { rule.name = text.trimmed().toStdString(); });
    });
    connect(action, &QComboBox::currentIndexChanged, this, [this, row, action](int index) {
        const auto chosen = static_cast<sb::CacheAction>(action->itemData(index).toInt());
        editRule(row, [chosen](sb::CacheRule& rule) { rule.action = chosen; });
    });
    connect(match, &QComboBox::currentIndexChanged, this, [this, row, match, condition](int index) {
        const auto chosen = static_cast<sb::CacheMatch>(match->itemData(index).toInt());
        const QString typed = condition->text();
        editRule(row, [&](sb::CacheRule& rule) {
            rule.match = chosen;
            setCondition(rule, typed);  // what was typed carries over to the new kind
        });
    });
    connect(condition, &QLineEdit::textChanged, this, [this, row](const QString& text) {
        editRule(row, [&](sb::CacheRule& rule) { setCondition(rule, text); });
    });
    connect(ttl, &QSpinBox::valueChanged, this, [this, row](int seconds) {
        editRule(row, [seconds](sb::CacheRule& rule) { rule.ttl = std::chrono::seconds(seconds); });
    });
    connect(semantic, &QCheckBox::toggled, this,
            [this, row](bool on) { editRule(row, [on](sb::CacheRule& rule) { rule.semantic = on; }); });
    connect(enabled, &QCheckBox::toggled, this,
            [this, row](bool on) { editRule(row, [on](sb::CacheRule& rule) { rule.enabled = on; }); });
    m_rows->setCell(row, NameColumn, name);
    m_rows->setCell(row, ActionColumn, action);
    m_rows->setCell(row, MatchColumn, match);
    m_rows->setCell(row, ConditionColumn, condition);
    m_rows->setCell(row, TtlColumn, ttl);
    m_rows->setCell(row, SemanticColumn, semantic);
    m_rows->setCell(row, EnabledColumn, enabled);
}

void CacheRulesEditor::syncRow(int row, const sb::CacheRule& rule) {
    QLineEdit* name = nameEdit(row);
    QComboBox* action = actionBox(row);
    QComboBox* match = matchBox(row);
    QLineEdit* condition = conditionEdit(row);
    QSpinBox* ttl = ttlBox(row);
    QCheckBox* semantic = semanticBox(row);
    QCheckBox* enabled = enabledBox(row);
    if (name->text().trimmed().toStdString() != rule.name) name->setText(qs(rule.name));
    action->setCurrentIndex(action->findData(int(rule.action)));
    match->setCurrentIndex(match->findData(int(rule.match)));
    // What is being typed stays as typed while it still means the draft's condition ("a, b,"
    // is "a, b"); anything else shows the draft.
    sb::CacheRule typed = rule;
    setCondition(typed, condition->text());
    const bool stale = rule.match == sb::CacheMatch::PersonalData && !condition->text().isEmpty();
    if (typed != rule || stale) condition->setText(conditionText(rule));
    condition->setEnabled(rule.match != sb::CacheMatch::PersonalData);
    condition->setPlaceholderText(conditionHint(rule.match));
    if (ttl->value() != int(rule.ttl.count())) ttl->setValue(int(rule.ttl.count()));
    ttl->setEnabled(rule.action == sb::CacheAction::Ttl);
    if (semantic->isChecked() != rule.semantic) semantic->setChecked(rule.semantic);
    if (enabled->isChecked() != rule.enabled) enabled->setChecked(rule.enabled);
}

void CacheRulesEditor::sync() {
    const auto& rules = m_draft.draft();
    m_rows->syncRows(int(rules.size()), [&](int row) { syncRow(row, rules[std::size_t(row)]); });
    m_rows->showProblems(m_draft.errors());
}

int CacheRulesEditor::rowCount() const { return m_rows->rowCount(); }
int CacheRulesEditor::currentRow() const { return m_rows->currentRow(); }
QLineEdit* CacheRulesEditor::nameEdit(int row) const { return m_rows->cell<QLineEdit>(row, NameColumn); }
QComboBox* CacheRulesEditor::actionBox(int row) const { return m_rows->cell<QComboBox>(row, ActionColumn); }
QComboBox* CacheRulesEditor::matchBox(int row) const { return m_rows->cell<QComboBox>(row, MatchColumn); }
QLineEdit* CacheRulesEditor::conditionEdit(int row) const { return m_rows->cell<QLineEdit>(row, ConditionColumn); }
QSpinBox* CacheRulesEditor::ttlBox(int row) const { return m_rows->cell<QSpinBox>(row, TtlColumn); }
QCheckBox* CacheRulesEditor::semanticBox(int row) const { return m_rows->cell<QCheckBox>(row, SemanticColumn); }
QCheckBox* CacheRulesEditor::enabledBox(int row) const { return m_rows->cell<QCheckBox>(row, EnabledColumn); }
QPushButton* CacheRulesEditor::addButton() const { return m_rows->addButton(); }
QPushButton* CacheRulesEditor::removeButton() const { return m_rows->removeButton(); }
QPushButton* CacheRulesEditor::upButton() const { return m_rows->upButton(); }
QPushButton* CacheRulesEditor::downButton() const { return m_rows->downButton(); }
QTableWidget* CacheRulesEditor::table() const { return m_rows->table(); }
QString CacheRulesEditor::hintText() const { return m_rows->hintText(); }
bool CacheRulesEditor::rowMarkedInvalid(int row) const { return m_rows->rowMarkedInvalid(row); }
