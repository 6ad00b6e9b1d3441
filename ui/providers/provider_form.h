#pragma once
// The form of the provider selected on the Providers page: kind, name, base URL, models,
// default model, API version header, timeouts, concurrency limits, enabled, and a password
// field for a new key (typed once, never shown back: beside it only where the key comes
// from). Every change goes into the draft at once; fields the draft's check finds invalid
// are outlined, their tooltip naming the config path and the rule ("providers[2].base_url: …").
#include <QString>
#include <QStringList>
#include <QWidget>

#include <utility>
#include <vector>

class ProvidersDraft;
class QCheckBox;
class QComboBox;
class QLabel;
class QLineEdit;
class QSpinBox;

class ProviderForm final : public QWidget {
    Q_OBJECT
public:
    explicit ProviderForm(ProvidersDraft& draft, QWidget* parent = nullptr);

    // Shows the draft's provider at `row` (-1: none, the form disabled); clears the key field.
    void setRow(int row);
    int row() const { return m_row; }
    // Marks the fields with the draft's problems at this row and shows where the key comes from.
    void showProblems();

    // A field by its config key under providers[i] ("base_url", "timeouts.connect_ms", "api_key"…).
    QWidget* field(const QString& key) const;
    QLineEdit* keyEdit() const { return m_key; }
    QString keySourceText() const;

private:
    void load();
    template <typename Change>
    void change(Change&& apply);

    ProvidersDraft& m_draft;
    int m_row = -1;
    bool m_loading = false;  // setRow() fills the widgets: their signals are not edits

    QComboBox* m_kind;
    QLineEdit* m_name;
    QLineEdit* m_url;
    QLineEdit* m_models;
    QLineEdit* m_defaultModel;
    QLabel* m_versionLabel;
    QLineEdit* m_version;
    QSpinBox* m_connect;
    QSpinBox* m_total;
    QSpinBox* m_idle;
    QSpinBox* m_min;
    QSpinBox* m_initial;
    QSpinBox* m_max;
    QCheckBox* m_enabled;
    QLineEdit* m_key;
    QLabel* m_keySource;
    std::vector<std::pair<QString, QWidget*>> m_fields;  // config key → its widget
};
