#include "alerts/alert_rules_editor.h"

#include <QCheckBox>
#include <QComboBox>
#include <QLabel>
#include <QLineEdit>
#include <QLocale>
#include <QSpinBox>
#include <QVBoxLayout>

#include <cmath>
#include <limits>

#include "alerts/alert_rules_draft.h"
#include "common/row_editor_table.h"
#include "common/qt_text.h"

namespace {

QString kindLabel(sb::AlertKind kind) {
    switch (kind) {
    case sb::AlertKind::ErrorRate: return QObject::tr("Error rate");
    case sb::AlertKind::LatencyP99: return QObject::tr("P99 latency");
    case sb::AlertKind::BudgetUsed: return QObject::tr("Budget used");
    case sb::AlertKind::CircuitOpen: return QObject::tr("Circuit open");
    }
    return {};
}

// Which cell a problem's field points at: "threshold" → the threshold.
int alertRuleColumn(const std::string& field) {
    if (field == "threshold") return AlertRulesEditor::ThresholdColumn;
    if (field == "window_s") return AlertRulesEditor::WindowColumn;
    if (field == "for_s") return AlertRulesEditor::ForColumn;
    if (field == "severity") return AlertRulesEditor::SeverityColumn;
    return AlertRulesEditor::NameColumn;
}

QString errorLine(const sb::ConfigError& error) { return QStringLiteral("alerts.rules") + QString::fromStdString(error.to_string()); }

}  // namespace

QString AlertRulesEditor::thresholdText(double threshold) { return QLocale().toString(threshold, 'g', 6); }

double AlertRulesEditor::parseThreshold(const QString& text) {
    bool ok = false;
    const double value = QLocale().toDouble(text.trimmed(), &ok);
    return ok ? value : std::numeric_limits<double>::quiet_NaN();
}

AlertRulesEditor::AlertRulesEditor(AlertRulesDraft& draft, QWidget* parent)
    : QWidget(parent),
      m_draft(draft),
      m_rows(new RowEditorTable({.objectName = QStringLiteral("alertRules"),
                                 .headers = {tr("Rule"), tr("Kind"), tr("Enabled"), tr("Threshold"), tr("Unit"),
                                             tr("Window (s)"), tr("For (s)"), tr("Severity")},
                                 .stretchColumn = NameColumn,
                                 .selectableRows = false},
                                this)) {
    m_rows->setRowBuilder([this](int row) { buildRow(row); });
    m_rows->setChecks({.hintName = QStringLiteral("alertRulesHint"),
                       .columns = {ThresholdColumn, WindowColumn, ForColumn, SeverityColumn, NameColumn},
                       .columnOf = &alertRuleColumn,
                       .problemText = &errorLine});

    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(new QLabel(tr("Rules, evaluated by the engine once a second. An alert fires once its condition "
                                    "has held for the For time, and resolves when it no longer holds."),
                                 this));
    layout->addWidget(m_rows, 1);
    sync();
}

void AlertRulesEditor::editRule(int row, const std::function<void(sb::AlertRule&)>& change) {
    m_draft.edit([&](std::vector<sb::AlertRule>& rules) {
        if (row >= 0 && row < int(rules.size())) change(rules[std::size_t(row)]);
    });
}

void AlertRulesEditor::buildRow(int row) {
    auto* enabled = new QCheckBox;
    auto* threshold = new QLineEdit;
    auto* window = new QSpinBox;
    window->setRange(int(sb::kAlertMinWindow.count()), int(sb::kAlertMaxWindow.count()));
    window->setToolTip(tr("The span the error rate or P99 is measured over"));
    auto* forDuration = new QSpinBox;
    forDuration->setRange(0, int(sb::kAlertMaxFor.count()));
    forDuration->setToolTip(tr("How long the condition must hold before the alert fires"));
    auto* severity = new QComboBox;
    for (auto s : sb::kAlertSeverities) severity->addItem(qs(s), qs(s));
    connect(enabled, &QCheckBox::toggled, this, [this, row](bool on) { editRule(row, [on](sb::AlertRule& rule) { rule.enabled = on; }); });
    connect(threshold, &QLineEdit::textChanged, this, [this, row](const QString& text) {
        const double value = parseThreshold(text);
        editRule(row, [value](sb::AlertRule& rule) { rule.threshold = value; });
    });
    connect(window, &QSpinBox::valueChanged, this, [this, row](int seconds) {
        editRule(row, [seconds](sb::AlertRule& rule) { rule.window = std::chrono::seconds(seconds); });
    });
    connect(forDuration, &QSpinBox::valueChanged, this, [this, row](int seconds) {
        editRule(row, [seconds](sb::AlertRule& rule) { rule.for_duration = std::chrono::seconds(seconds); });
    });
    connect(severity, &QComboBox::currentIndexChanged, this, [this, row, severity](int index) {
        const std::string chosen = severity->itemData(index).toString().toStdString();
        editRule(row, [&chosen](sb::AlertRule& rule) { rule.severity = chosen; });
    });
    m_rows->setCell(row, EnabledColumn, enabled);
    m_rows->setCell(row, ThresholdColumn, threshold);
    m_rows->setCell(row, WindowColumn, window);
    m_rows->setCell(row, ForColumn, forDuration);
    m_rows->setCell(row, SeverityColumn, severity);
}

void AlertRulesEditor::syncRow(int row, const sb::AlertRule& rule) {
    QCheckBox* enabled = enabledBox(row);
    QLineEdit* threshold = thresholdEdit(row);
    QSpinBox* window = windowBox(row);
    QSpinBox* forDuration = forBox(row);
    QComboBox* severity = severityBox(row);
    const auto limits = sb::threshold_limits(rule.kind);
    m_rows->setText(row, NameColumn, QString::fromStdString(rule.name));
    m_rows->setText(row, KindColumn, kindLabel(rule.kind));
    m_rows->setText(row, UnitColumn, qs(limits.unit));
    if (enabled->isChecked() != rule.enabled) enabled->setChecked(rule.enabled);
    // What is being typed stays as typed while it still reads as the draft's value ("0.050").
    const double typed = parseThreshold(threshold->text());
    const bool bothUnreadable = std::isnan(typed) && std::isnan(rule.threshold);
    if (limits.uses_threshold && typed != rule.threshold && !bothUnreadable) threshold->setText(thresholdText(rule.threshold));
    if (!limits.uses_threshold && !threshold->text().isEmpty()) threshold->clear();
    threshold->setEnabled(limits.uses_threshold);
    threshold->setPlaceholderText(limits.uses_threshold ? QString() : tr("open or not"));
    const bool traffic = rule.kind == sb::AlertKind::ErrorRate || rule.kind == sb::AlertKind::LatencyP99;
    if (window->value() != int(rule.window.count())) window->setValue(int(rule.window.count()));
    window->setEnabled(traffic);
    if (forDuration->value() != int(rule.for_duration.count())) forDuration->setValue(int(rule.for_duration.count()));
    const int shown = severity->findData(QString::fromStdString(rule.severity));
    if (severity->currentIndex() != shown) severity->setCurrentIndex(shown);
}

void AlertRulesEditor::sync() {
    const auto& rules = m_draft.draft();
    m_rows->syncRows(int(rules.size()), [&](int row) { syncRow(row, rules[std::size_t(row)]); });
    m_rows->showProblems(m_draft.errors());
}

int AlertRulesEditor::rowCount() const { return m_rows->rowCount(); }

int AlertRulesEditor::rowOf(const QString& ruleName) const {
    const auto& rules = m_draft.draft();
    for (int i = 0; i < int(rules.size()); ++i)
        if (QString::fromStdString(rules[std::size_t(i)].name) == ruleName) return i;
    return -1;
}

QCheckBox* AlertRulesEditor::enabledBox(int row) const { return m_rows->cell<QCheckBox>(row, EnabledColumn); }
QLineEdit* AlertRulesEditor::thresholdEdit(int row) const { return m_rows->cell<QLineEdit>(row, ThresholdColumn); }
QSpinBox* AlertRulesEditor::windowBox(int row) const { return m_rows->cell<QSpinBox>(row, WindowColumn); }
QSpinBox* AlertRulesEditor::forBox(int row) const { return m_rows->cell<QSpinBox>(row, ForColumn); }
QComboBox* AlertRulesEditor::severityBox(int row) const { return m_rows->cell<QComboBox>(row, SeverityColumn); }
QTableWidget* AlertRulesEditor::table() const { return m_rows->table(); }
QString AlertRulesEditor::hintText() const { return m_rows->hintText(); }
bool AlertRulesEditor::rowMarkedInvalid(int row) const { return m_rows->rowMarkedInvalid(row); }
