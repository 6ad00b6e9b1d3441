#pragma once
// The alert rules of the draft, one row per rule: name and kind (as configured), whether it
// is enabled, the threshold (typed, in the kind's unit), the window and the "for" duration in
// seconds, and the severity. Invalid cells are marked and their problems listed under the
// table with their config paths ("alerts.rules[0].threshold: …"). Which rules exist is the
// config file's business; the page edits them. Rows are synced in place from the draft.
#include <QWidget>

#include <functional>

#include "config/alert_config.h"

class AlertRulesDraft;
class QCheckBox;
class QComboBox;
class QLineEdit;
class QSpinBox;
class QTableWidget;
class RowEditorTable;

class AlertRulesEditor final : public QWidget {
    Q_OBJECT
public:
    enum Column { NameColumn, KindColumn, EnabledColumn, ThresholdColumn, UnitColumn, WindowColumn, ForColumn, SeverityColumn, ColumnCount };

    explicit AlertRulesEditor(AlertRulesDraft& draft, QWidget* parent = nullptr);
    void sync();

    int rowCount() const;
    int rowOf(const QString& ruleName) const;
    QCheckBox* enabledBox(int row) const;
    QLineEdit* thresholdEdit(int row) const;
    QSpinBox* windowBox(int row) const;
    QSpinBox* forBox(int row) const;
    QComboBox* severityBox(int row) const;
    QTableWidget* table() const;
    QString hintText() const;
    bool rowMarkedInvalid(int row) const;

    static QString thresholdText(double threshold);
    static double parseThreshold(const QString& text);  // NaN when it is not a number

private:
    void editRule(int row, const std::function<void(sb::AlertRule&)>& change);
    void buildRow(int row);
    void syncRow(int row, const sb::AlertRule& rule);

    AlertRulesDraft& m_draft;
    RowEditorTable* m_rows;
};
