#include "main_window.h"

#include <QAction>
#include <QActionGroup>
#include <QApplication>
#include <QCloseEvent>
#include <QHBoxLayout>
#include <QListWidget>
#include <QMenuBar>
#include <QMessageBox>
#include <QSettings>
#include <QStackedWidget>
#include <QStatusBar>

#include "connect/connect_dialog.h"
#include "engine_bridge.h"
#include "status_summary.h"
#include "theme.h"

namespace {
// Versioned keys: a layout saved by an older build is ignored, not misapplied.
constexpr auto kGeometryKey = "window/v1/geometry";
constexpr auto kStateKey = "window/v1/state";
constexpr auto kPageKey = "window/v1/page";
constexpr auto kThemeKey = "appearance/v1/theme";
}  // namespace

MainWindow::MainWindow(EngineBridge& bridge, QWidget* parent)
    : QMainWindow(parent),
      m_bridge(bridge),
      m_navigation(new QListWidget(this)),
      m_pages(new QStackedWidget(this)),
      m_summary(new StatusSummary(bridge, this)) {
    setObjectName("MainWindow");
    setWindowTitle(bridge.demoMode() ? tr("Switchboard — demo mode") : tr("Switchboard"));
    setWindowIcon(QIcon(":/icons/switchboard-256.png"));

    auto* central = new QWidget(this);
    auto* layout = new QHBoxLayout(central);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(0);
    m_navigation->setObjectName("navigation");
    m_navigation->setFixedWidth(160);
    m_navigation->setFrameShape(QFrame::NoFrame);
    layout->addWidget(m_navigation);
    layout->addWidget(m_pages, 1);
    setCentralWidget(central);
    connect(m_navigation, &QListWidget::currentRowChanged, m_pages, &QStackedWidget::setCurrentIndex);

    statusBar()->addPermanentWidget(m_summary, 1);
    buildMenus();
    resize(1400, 900);
}

void MainWindow::addPage(const QString& title, QWidget* page) {
    page->setObjectName(title);
    m_pages->addWidget(page);
    auto* item = new QListWidgetItem(title, m_navigation);
    const int number = m_navigation->count();
    if (number <= 9) {
        auto* action = new QAction(tr("Go to %1").arg(title), this);
        action->setShortcut(QKeySequence(QStringLiteral("Ctrl+%1").arg(number)));
        connect(action, &QAction::triggered, this, [this, number] { setCurrentPage(number - 1); });
        addAction(action);
        item->setToolTip(action->shortcut().toString(QKeySequence::NativeText));
    }
    if (m_navigation->currentRow() < 0) m_navigation->setCurrentRow(0);
}

int MainWindow::currentPage() const { return m_navigation->currentRow(); }

void MainWindow::setCurrentPage(int index) {
    if (index >= 0 && index < m_navigation->count()) m_navigation->setCurrentRow(index);
}

QWidget* MainWindow::page(const QString& title) const {
    for (int i = 0; i < m_pages->count(); ++i)
        if (m_pages->widget(i)->objectName() == title) return m_pages->widget(i);
    return nullptr;
}

QWidget* MainWindow::page(int index) const { return m_pages->widget(index); }
int MainWindow::pageCount() const { return m_pages->count(); }

void MainWindow::connectToGateway() {
    ConnectDialog dialog(this);
    if (dialog.exec() != QDialog::Accepted) return;
    emit sourceRequested(dialog.connection(), QString::fromStdString(dialog.adminKey()));
}

void MainWindow::buildMenus() {
    auto* file = menuBar()->addMenu(tr("&File"));
    auto* attach = file->addAction(tr("&Connect to gateway…"), this, &MainWindow::connectToGateway);
    attach->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_G));
    auto* local = file->addAction(tr("Use the &local engine"), this, [this] { emit sourceRequested({}, {}); });
    local->setEnabled(m_bridge.api().source().link != sb::ConsoleSource::Link::Local);
    file->addSeparator();
    auto* quit = file->addAction(tr("&Quit"), this, &QWidget::close);
    quit->setShortcut(QKeySequence::Quit);

    auto* view = menuBar()->addMenu(tr("&View"));
    auto* themes = new QActionGroup(this);
    const QSettings settings;
    const Theme current = themeFromName(settings.value(kThemeKey).toString());
    for (auto [theme, label] : {std::pair{Theme::System, tr("Follow the &system")}, std::pair{Theme::Light, tr("&Light")},
                                std::pair{Theme::Dark, tr("&Dark")}}) {
        auto* action = view->addAction(label);
        action->setCheckable(true);
        action->setChecked(theme == current);
        themes->addAction(action);
        connect(action, &QAction::triggered, this, [theme] {
            applyTheme(theme);
            QSettings().setValue(kThemeKey, themeName(theme));
        });
    }
    applyTheme(current);

    auto* help = menuBar()->addMenu(tr("&Help"));
    auto* about = help->addAction(tr("&About Switchboard"), this, &MainWindow::showAbout);
    about->setShortcut(QKeySequence::HelpContents);
}

void MainWindow::showAbout() {
    QMessageBox::about(this, tr("About Switchboard"),
                       tr("<h3>Switchboard %1</h3>"
                          "<p>A console and request engine for LLM API traffic: live latency, error and cost "
                          "charts, a prompt playground and the history of every request.</p>"
                          "<p>History: %2</p>")
                           .arg(QApplication::applicationVersion(), m_bridge.databasePath().toHtmlEscaped()));
}

void MainWindow::restoreSettings() {
    const QSettings settings;
    restoreGeometry(settings.value(kGeometryKey).toByteArray());
    restoreState(settings.value(kStateKey).toByteArray());
    setCurrentPage(settings.value(kPageKey, 0).toInt());
}

void MainWindow::saveSettings() const {
    QSettings settings;
    settings.setValue(kGeometryKey, saveGeometry());
    settings.setValue(kStateKey, saveState());
    settings.setValue(kPageKey, currentPage());
}

void MainWindow::closeEvent(QCloseEvent* event) {
    saveSettings();
    event->accept();
}
