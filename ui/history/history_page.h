#pragma once
// The History page: a filter bar, the lazy history table, a detail pane for the selected row,
// a live-tail toggle and "Export CSV…", which streams every matching row (not only the loaded
// ones) page by page on its own worker thread.
#include <QWidget>

#include <functional>
#include <memory>

#include "console/history_source.h"
#include "store/history_query.h"

class EngineBridge;
class HistoryModel;
class HistoryQueries;
class QCheckBox;
class QComboBox;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QPushButton;
class QTableView;
struct HistoryExportResult;

class HistoryPage final : public QWidget {
    Q_OBJECT
public:
    using OpenSource = std::function<std::unique_ptr<sb::HistorySource>()>;  // one per worker thread

    explicit HistoryPage(EngineBridge& bridge, QWidget* parent = nullptr);  // the console's engine's history
    explicit HistoryPage(OpenSource openSource, QWidget* parent = nullptr);
    ~HistoryPage() override;

    // Shows `filter` in the table; the filter bar is left as it is.
    void setFilter(const sb::HistoryFilter& filter);
    // The filter the bar describes (time presets count back from now).
    sb::HistoryFilter filterFromBar() const;
    void applyFilterBar() { setFilter(filterFromBar()); }

    // Asynchronous: exportFinished() reports the outcome. One export at a time; false if busy.
    bool exportCsv(const QString& path);

    HistoryModel* model() const { return m_model; }
    QTableView* view() const { return m_view; }
    void selectRow(int row);
    QString detailText() const;
    void setLiveTail(bool enabled);

signals:
    void exportFinished(const QString& path, qint64 rows, const QString& error);

protected:
    void showEvent(QShowEvent* event) override;
    void hideEvent(QHideEvent* event) override;

private:
    void buildUi();
    void chooseExportFile();
    void onExportFinished(const HistoryExportResult& result);
    void showDetail(int row);

    const OpenSource m_openSource;
    HistoryModel* m_model;
    std::unique_ptr<HistoryQueries> m_exporter;  // created on the first export
    bool m_exporting = false;

    QComboBox* m_range = nullptr;
    QLineEdit* m_provider = nullptr;
    QLineEdit* m_modelName = nullptr;
    QComboBox* m_status = nullptr;
    QLineEdit* m_errorClass = nullptr;
    QLineEdit* m_text = nullptr;
    QCheckBox* m_tail = nullptr;
    QLabel* m_countLabel = nullptr;
    QLabel* m_statusLabel = nullptr;
    QPushButton* m_exportButton = nullptr;
    QTableView* m_view = nullptr;
    QPlainTextEdit* m_detail = nullptr;
};
