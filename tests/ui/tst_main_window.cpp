// The main window: pages and their shortcuts, the live status bar, theme, and window state
// plus the last page restored after a restart (QSettings in a test location).
#include <QLabel>
#include <QSettings>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QtTest>

#include "../support/engine_fixture.h"
#include "local_engine_host.h"
#include "main_window.h"
#include "status_summary.h"
#include "theme.h"

using namespace std::chrono_literals;

class TestMainWindow : public QObject {
    Q_OBJECT

    QTemporaryDir m_dir;
    std::unique_ptr<sb::Simulator> m_simulator;
    std::unique_ptr<LocalEngineHost> m_bridge;

    std::unique_ptr<MainWindow> make_window() {
        auto window = std::make_unique<MainWindow>(*m_bridge);
        for (const char* title : {"Dashboard", "Playground", "Routing", "History"}) window->addPage(title, new QLabel(title));
        window->restoreSettings();
        return window;
    }

private slots:
    void initTestCase() {
        QStandardPaths::setTestModeEnabled(true);
        QCoreApplication::setOrganizationName("SwitchboardTest");
        QCoreApplication::setApplicationName("tst_main_window");
        QSettings().clear();
        std::uint16_t port = 0;
        m_simulator = sb::test::start_simulator({}, &port);
        QVERIFY(m_simulator);
        sb::EngineOptions options;
        options.config = sb::test::simulator_config(port);
        options.database = m_dir.filePath("history.db").toStdString();
        auto bridge = LocalEngineHost::create(std::move(options));
        QVERIFY(bridge.has_value());
        m_bridge = std::move(*bridge);
    }

    void cleanupTestCase() { QSettings().clear(); }

    void shortcutsSwitchPages() {
        auto window = make_window();
        window->show();
        QVERIFY(QTest::qWaitForWindowExposed(window.get()));
        QCOMPARE(window->currentPage(), 0);
        QTest::keyClick(window.get(), Qt::Key_3, Qt::ControlModifier);
        QCOMPARE(window->currentPage(), 2);
        QTest::keyClick(window.get(), Qt::Key_2, Qt::ControlModifier);
        QCOMPARE(window->currentPage(), 1);
        QTest::keyClick(window.get(), Qt::Key_4, Qt::ControlModifier);
        QCOMPARE(window->currentPage(), 3);
        QCOMPARE(window->page(2), window->page("Routing"));
        QVERIFY(window->page("History"));
        QVERIFY(!window->page("Nope"));
    }

    void statusBarFollowsTraffic() {
        auto window = make_window();
        QVERIFY(window->statusSummary()->text().contains("0.0 req/s"));
        std::vector<std::future<sb::RequestResult>> futures;
        for (int i = 0; i < 20; ++i) {
            sb::ChatRequest request;
            request.messages = {{sb::Role::User, "status " + std::to_string(i)}};
            futures.push_back(m_bridge->engine().submit(std::move(request)));
        }
        for (auto& f : futures) QVERIFY(f.wait_for(20s) == std::future_status::ready);
        window->statusSummary()->refresh();
        const QString text = window->statusSummary()->text();
        QVERIFY2(!text.contains("| 0.0 req/s"), qPrintable(text));
        QVERIFY2(text.contains("errors 0.0% (1 min)"), qPrintable(text));
        QVERIFY2(text.contains("No active alerts"), qPrintable(text));
    }

    void restartRestoresGeometryAndPage() {
        {
            auto window = make_window();
            window->show();
            QVERIFY(QTest::qWaitForWindowExposed(window.get()));
            window->resize(1111, 777);
            window->setCurrentPage(2);
            window->close();  // saves
        }
        auto window = make_window();
        window->show();
        QVERIFY(QTest::qWaitForWindowExposed(window.get()));
        QCOMPARE(window->currentPage(), 2);
        QCOMPARE(window->size(), QSize(1111, 777));
    }

    void darkThemeChangesThePalette() {
        applyTheme(Theme::Dark);
        QVERIFY(isDarkPalette(QApplication::palette()));
        applyTheme(Theme::Light);
        QVERIFY(!isDarkPalette(QApplication::palette()));
        QCOMPARE(themeFromName(themeName(Theme::Dark)), Theme::Dark);
        QCOMPARE(themeFromName("bogus"), Theme::System);
    }
};

QTEST_MAIN(TestMainWindow)
#include "tst_main_window.moc"
