#include "alerts/alert_rules_editor.h"

#include <QCheckBox>
#include <QComboBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QLocale>
#include <QSignalBlocker>
#include <QSpinBox>
#include <QTableWidget>
#include <QVBoxLayout>

#include <array>
#include <cmath>
#include <limits>

#include "common/editor_style.h"
#include "alerts/alert_rules_draft.h"
#include "qt_text.h"

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

// Which cell an error path points at: "[0].threshold" → the threshold.
int alertRuleColumn(const std::string& path) {
    const std::string field = fieldOfPath(path);
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
    : QWidget(parent), m_draft(draft), m_table(new QTableWidget(0, ColumnCount, this)), m_hint(new QLabel(this)) {
    m_table->setObjectName(QStringLiteral("alertRules"));
    m_table->setHorizontalHeaderLabels({tr("Rule"), tr("Kind"), tr("Enabled"), tr("Threshold"), tr("Unit"),
                                        tr("Window (s)"), tr("For (s)"), tr("Severity")});
    m_table->setSelectionMode(QAbstractItemView::NoSelection);
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_table->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_table->horizontalHeader()->setSectionResizeMode(NameColumn, QHeaderView::Stretch);
    setUpErrorHint(m_hint, QStringLiteral("alertRulesHint"));

    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(new QLabel(tr("Rules, evaluated by the engine once a second. An alert fires once its condition "
                                    "has held for the For time, and resolves when it no longer holds."),
                                 this));
    layout->addWidget(m_table, 1);
    layout->addWidget(m_hint);
    sync();
}

void AlertRulesEditor::editRule(int row, const std::function<void(sb::AlertRule&)>& change) {
    m_draft.edit([&](std::vector<sb::AlertRule>& rules) {
        if (row >= 0 && row < int(rules.size())) change(rules[std::size_t(row)]);
    });
}

void AlertRulesEditor::appendRow() {
    const int row = m_table->rowCount();
    m_table->insertRow(row);
    for (int column : {NameColumn, KindColumn, UnitColumn}) m_table->setItem(row, column, new QTableWidgetItem);
    Row r;
    r.enabled = new QCheckBox(m_table);
    r.threshold = new QLineEdit(m_table);
    r.window = new QSpinBox(m_table);
    r.window->setRange(int(sb::kAlertMinWindow.count()), int(sb::kAlertMaxWindow.count()));
    r.window->setToolTip(tr("The span the error rate or P99 is measured over"));
    r.forDuration = new QSpinBox(m_table);
    r.forDuration->setRange(0, int(sb::kAlertMaxFor.count()));
    r.forDuration->setToolTip(tr("How long the condition must hold before the alert fires"));
    r.severity = new QComboBox(m_table);
    for (auto severity : sb::kAlertSeverities) r.severity->addItem(qs(severity), qs(severity));
    connect(r.enabled, &QCheckBox::toggled, this, [this, row](bool on) { editRule(row, [on](sb::AlertRule& rule) { rule.enabled = on; }); });
    connect(r.threshold, &QLineEdit::textChanged, this, [this, row](const QString& text) {
        const double value = parseThreshold(text);
        editRule(row, [value](sb::AlertRule& rule) { rule.threshold = value; });
    });
    connect(r.window, &QSpinBox::valueChanged, this, [this, row](int seconds) {
        editRule(row, [seconds](sb::AlertRule& rule) { rule.window = std::chrono::seconds(seconds); });
    });
    connect(r.forDuration, &QSpinBox::valueChanged, this, [this, row](int seconds) {
        editRule(row, [seconds](sb::AlertRule& rule) { rule.for_duration = std::chrono::seconds(seconds); });
    });
    connect(r.severity, &QComboBox::currentIndexChanged, this, [this, row](int index) {
        const std::string severity = m_rows[std::size_t(row)].severity->itemData(index).toString().toStdString();
        editRule(row, [&severity](sb::AlertRule& rule) { rule.severity = severity; });
    });
    auto* centred = new QWidget(m_table);
    auto* box = new QHBoxLayout(centred);
    box->setContentsMargins(0, 0, 0, 0);
    box->addWidget(r.enabled, 0, Qt::AlignCenter);
    m_table->setCellWidget(row, EnabledColumn, centred);
    m_table->setCellWidget(row, ThresholdColumn, r.threshold);
    m_table->setCellWidget(row, WindowColumn, r.window);
    m_table->setCellWidget(row, ForColumn, r.forDuration);
    m_table->setCellWidget(row, SeverityColumn, r.severity);
    m_rows.push_back(r);
}

void AlertRulesEditor::syncRow(int index, const sb::AlertRule& rule) {
    Row& row = m_rows[std::size_t(index)];
    const QSignalBlocker blockEnabled(row.enabled), blockThreshold(row.threshold), blockWindow(row.window),
        blockFor(row.forDuration), blockSeverity(row.severity);
    const auto limits = sb::threshold_limits(rule.kind);
    m_table->item(index, NameColumn)->setText(QString::fromStdString(rule.name));
    m_table->item(index, KindColumn)->setText(kindLabel(rule.kind));
    m_table->item(index, UnitColumn)->setText(qs(limits.unit));
    if (row.enabled->isChecked() != rule.enabled) row.enabled->setChecked(rule.enabled);
    // What is being typed stays as typed while it still reads as the draft's value ("0.050").
    const double typed = parseThreshold(row.threshold->text());
    const bool bothUnreadable = std::isnan(typed) && std::isnan(rule.threshold);
    if (limits.uses_threshold && typed != rule.threshold && !bothUnreadable) row.threshold->setText(thresholdText(rule.threshold));
    if (!limits.uses_threshold && !row.threshold->text().isEmpty()) row.threshold->clear();
    row.threshold->setEnabled(limits.uses_threshold);
    row.threshold->setPlaceholderText(limits.uses_threshold ? QString() : tr("open or not"));
    const bool traffic = rule.kind == sb::AlertKind::ErrorRate || rule.kind == sb::AlertKind::LatencyP99;
    if (row.window->value() != int(rule.window.count())) row.window->setValue(int(rule.window.count()));
    row.window->setEnabled(traffic);
    if (row.forDuration->value() != int(rule.for_duration.count())) row.forDuration->setValue(int(rule.for_duration.count()));
    const int severity = row.severity->findData(QString::fromStdString(rule.severity));
    if (row.severity->currentIndex() != severity) row.severity->setCurrentIndex(severity);
    markRow(index);
}

void AlertRulesEditor::markRow(int index) {
    Row& row = m_rows[std::size_t(index)];
    const std::string prefix = "[" + std::to_string(index) + "]";
    std::array<QStringList, ColumnCount> byColumn;
    for (const auto& error : m_draft.errors())
        if (error.path.rfind(prefix, 0) == 0) byColumn[std::size_t(alertRuleColumn(error.path))] << errorLine(error);
    const std::array<std::pair<int, QWidget*>, 4> cells{
        {{ThresholdColumn, row.threshold}, {WindowColumn, row.window}, {ForColumn, row.forDuration}, {SeverityColumn, row.severity}}};
    row.invalid = markCells(cells, byColumn);
    row.invalid = row.invalid || !byColumn[NameColumn].isEmpty();
    m_table->item(index, NameColumn)->setToolTip(byColumn[NameColumn].join(QLatin1Char('\n')));
    markRowNumber(m_table, index, row.invalid);
}

void AlertRulesEditor::sync() {
    const auto& rules = m_draft.draft();
    const int wanted = int(rules.size());
    while (rowCount() > wanted) {
        m_table->removeRow(rowCount() - 1);
        m_rows.pop_back();
    }
    while (rowCount() < wanted) appendRow();
    for (int i = 0; i < wanted; ++i) syncRow(i, rules[std::size_t(i)]);

    QStringList lines;
    for (const auto& error : m_draft.errors()) lines << errorLine(error);
    showErrorLines(m_hint, lines);
}

int AlertRulesEditor::rowCount() const { return int(m_rows.size()); }

int AlertRulesEditor::rowOf(const QString& ruleName) const {
    const auto& rules = m_draft.draft();
    for (int i = 0; i < int(rules.size()); ++i)
        if (QString::fromStdString(rules[std::size_t(i)].name) == ruleName) return i;
    return -1;
}

QCheckBox* AlertRulesEditor::enabledBox(int row) const { return m_rows.at(std::size_t(row)).enabled; }
QLineEdit* AlertRulesEditor::thresholdEdit(int row) const { return m_rows.at(std::size_t(row)).threshold; }
QSpinBox* AlertRulesEditor::windowBox(int row) const { return m_rows.at(std::size_t(row)).window; }
QSpinBox* AlertRulesEditor::forBox(int row) const { return m_rows.at(std::size_t(row)).forDuration; }
QComboBox* AlertRulesEditor::severityBox(int row) const { return m_rows.at(std::size_t(row)).severity; }
QString AlertRulesEditor::hintText() const { return m_hint->text(); }
bool AlertRulesEditor::rowMarkedInvalid(int row) const { return m_rows.at(std::size_t(row)).invalid; }
