// switchboard: the desktop console. Without a display it says so and runs the headless
// gateway's demo (a live one-line summary in the terminal) instead.
#include <unistd.h>

#include <QApplication>
#include <QCommandLineParser>
#include <QDir>
#include <QFileInfo>
#include <QIcon>
#include <QMessageBox>
#include <QStandardPaths>

#include <cstdio>
#include <cstdlib>
#include <expected>
#include <filesystem>
#include <memory>

#include "alerts/alerts_page.h"
#include "cache/cache_page.h"
#include "config/config.h"
#include "config/paths.h"
#include "dashboard/dashboard_page.h"
#include "engine_bridge.h"
#include "gateway_connection.h"
#include "local_engine_host.h"
#include "gateway/embedded_gateway.h"
#include "gateway/gateway_page.h"
#include "history/history_page.h"
#include "main_window.h"
#include "playground/playground_page.h"
#include "prices/prices_page.h"
#include "providers/providers_page.h"
#include "routing/routing_page.h"
#include "screenshot_tour.h"
#include "security/process_hardening.h"
#include "security/secret_environment.h"

namespace {

bool has_display() {
    const char* platform = std::getenv("QT_QPA_PLATFORM");
    if (platform && *platform) return true;  // offscreen, vnc…: the user chose
    const char* x11 = std::getenv("DISPLAY");
    const char* wayland = std::getenv("WAYLAND_DISPLAY");
    return (x11 && *x11) || (wayland && *wayland);
}

[[noreturn]] void run_headless(const char* argv0) {
    std::fputs("switchboard: no display (neither DISPLAY nor WAYLAND_DISPLAY is set); running the headless gateway "
               "in demo mode instead — Ctrl-C stops it\n",
               stderr);
    std::string dir(argv0);
    dir = dir.find('/') == std::string::npos ? std::string(".") : dir.substr(0, dir.rfind('/'));
    const std::string gateway = dir + "/switchboard-gateway";
    execl(gateway.c_str(), "switchboard-gateway", "demo", static_cast<char*>(nullptr));
    std::fprintf(stderr, "switchboard: cannot start %s\n", gateway.c_str());
    std::exit(1);
}

void addPages(MainWindow& window, EngineBridge& bridge, const QString& config_file, const QString& providers_file,
              EmbeddedGateway* gateway, const QString& gateway_problem);

}  // namespace

int main(int argc, char** argv) {
    sb::forbid_core_dumps();  // API keys are in memory: no core file holds them
    if (!has_display()) run_headless(argv[0]);

    QApplication app(argc, argv);
    QApplication::setOrganizationName("Switchboard");
    QApplication::setApplicationName("Switchboard");
    QApplication::setApplicationVersion("0.1.0");
    QApplication::setWindowIcon(QIcon(":/icons/switchboard-256.png"));

    QCommandLineParser parser;
    parser.setApplicationDescription("Switchboard console");
    parser.addHelpOption();
    parser.addVersionOption();
    QCommandLineOption config_option("config", "Configuration file.", "file");
    QCommandLineOption traffic_option("demo-traffic", "Synthetic requests/s to start with in demo mode (0 = off).",
                                      "rate", "20");
    QCommandLineOption page_option("page", "Page to open (1 = Dashboard).", "n");
    QCommandLineOption screenshots_option("screenshots", "Save a PNG of every page into <dir>, then quit.", "dir");
    QCommandLineOption after_option("after", "Seconds of traffic before --screenshots.", "seconds", "10");
    QCommandLineOption serve_option("serve", "Also serve the OpenAI-compatible endpoint at HOST:PORT (e.g. 127.0.0.1:8080).",
                                    "host:port");
    QCommandLineOption connect_option("connect",
                                      "Watch and steer the gateway at URL (its admin API) instead of a local engine. "
                                      "The admin key comes from SWITCHBOARD_ADMIN_KEY or the secret store.",
                                      "url");
    QCommandLineOption ca_option("ca-file", "With --connect: the CA certificate (PEM) the gateway's certificate is checked "
                                            "against, instead of the system's.", "file");
    parser.addOptions({config_option, traffic_option, page_option, screenshots_option, after_option, serve_option,
                       connect_option, ca_option});
    parser.process(app);

    if (parser.isSet(connect_option)) {
        const GatewayConnection connection{parser.value(connect_option), parser.value(ca_option)};
        auto key = adminKeyFor(connection.url);
        auto remote = key ? attachToGateway(connection, std::move(*key))
                          : std::expected<std::unique_ptr<sb::RemoteConsole>, QString>(std::unexpected(key.error()));
        if (!remote) {
            std::fprintf(stderr, "switchboard: --connect %s: %s\n", qPrintable(connection.url), qPrintable(remote.error()));
            QMessageBox::critical(nullptr, "Switchboard", remote.error());
            return 1;
        }
        EngineBridge bridge(**remote);
        MainWindow window(bridge);
        addPages(window, bridge, {}, {}, nullptr,
                 QObject::tr("This console watches the gateway at %1; its own endpoint is not served here.")
                     .arg(connection.url));
        window.restoreSettings();
        if (parser.isSet(page_option)) window.setCurrentPage(parser.value(page_option).toInt() - 1);
        window.show();
        if (parser.isSet(screenshots_option))
            scheduleScreenshotTour(window, parser.value(screenshots_option), parser.value(after_option).toInt() * 1000);
        return app.exec();
    }

    std::string source;
    // The file the config came from, if any: where the Routing, Cache and Alerts pages save what is applied.
    QString config_file = parser.value(config_option);
    if (config_file.isEmpty() && std::filesystem::exists(sb::default_config_file()))
        config_file = QString::fromStdString(sb::default_config_file().string());
    auto config = sb::load_user_config(parser.value(config_option).toStdString(), sb::process_environment(), &source);
    if (!config) {
        QStringList lines;
        for (const auto& error : config.error()) lines << QString::fromStdString(error.to_string());
        std::fprintf(stderr, "switchboard: %s is invalid:\n  %s\n", source.c_str(), qPrintable(lines.join("\n  ")));
        QMessageBox::critical(nullptr, "Switchboard", QString("%1 is invalid:\n\n%2").arg(QString::fromStdString(source), lines.join("\n")));
        return 4;
    }

    sb::EngineOptions options;
    options.config = std::move(*config);
    if (options.config.store.path.empty())
        options.database = (QStandardPaths::writableLocation(QStandardPaths::GenericDataLocation) +
                            "/switchboard/switchboard.db").toStdString();
    auto host = LocalEngineHost::create(std::move(options));
    if (!host) {
        std::fprintf(stderr, "switchboard: %s\n", qPrintable(host.error()));
        QMessageBox::critical(nullptr, "Switchboard", host.error());
        return 1;
    }
    EngineBridge& bridge = (*host)->bridge();

    // Started before the pages exist, so the Dashboard's traffic controls show it running.
    const int rate = parser.value(traffic_option).toInt();
    if (bridge.demoMode() && rate > 0) bridge.api().start_demo_traffic(rate);

    // Declared before the window: pages go first, then the endpoint, then the engine.
    std::unique_ptr<EmbeddedGateway> gateway;
    QString gateway_problem;
    if (auto opened = EmbeddedGateway::open(**host)) gateway = std::move(*opened);
    else gateway_problem = opened.error();
    if (parser.isSet(serve_option)) {
        const QString listen = parser.value(serve_option);
        const auto colon = listen.lastIndexOf(QLatin1Char(':'));
        bool port_ok = false;
        const auto port = colon > 0 ? listen.mid(colon + 1).toUShort(&port_ok) : 0;
        const auto served = !gateway ? std::expected<void, QString>(std::unexpected(gateway_problem))
                            : !port_ok ? std::expected<void, QString>(std::unexpected(QObject::tr("--serve must be HOST:PORT")))
                                       : gateway->serve(listen.left(colon).remove(QLatin1Char('[')).remove(QLatin1Char(']')), port);
        if (!served) {
            std::fprintf(stderr, "switchboard: --serve %s: %s\n", qPrintable(listen), qPrintable(served.error()));
            QMessageBox::critical(nullptr, "Switchboard", QObject::tr("The endpoint could not start: %1").arg(served.error()));
            return 1;
        }
        std::printf("listening on %s\n", qPrintable(gateway->url()));
        std::fflush(stdout);
    }

    MainWindow window(bridge);
    // The temporary file of an atomic save goes beside the config file.
    const bool config_writable = !config_file.isEmpty() && QFileInfo(config_file).isWritable() &&
                                 QFileInfo(QFileInfo(config_file).absolutePath()).isWritable();
    // The Providers page saves even with no config file yet: its first Apply creates one,
    // so setting a provider up never needs a file written by hand.
    const QString providers_file = config_writable       ? config_file
                                   : config_file.isEmpty() ? QString::fromStdString(sb::default_config_file().string())
                                                           : QString();
    addPages(window, bridge, config_writable ? config_file : QString(), providers_file, gateway.get(), gateway_problem);
    window.restoreSettings();
    if (parser.isSet(page_option)) window.setCurrentPage(parser.value(page_option).toInt() - 1);
    window.show();

    if (parser.isSet(screenshots_option))
        scheduleScreenshotTour(window, parser.value(screenshots_option), parser.value(after_option).toInt() * 1000);
    return app.exec();
}

namespace {

// The nine pages, in navigation order. `config_file` (may be empty): where applied settings
// are saved — none for a gateway watched across the network, whose file is on its machine.
void addPages(MainWindow& window, EngineBridge& bridge, const QString& config_file, const QString& providers_file,
              EmbeddedGateway* gateway, const QString& gateway_problem) {
    const bool config_writable = !config_file.isEmpty();
    window.addPage(QObject::tr("Dashboard"), new DashboardPage(bridge));
    window.addPage(QObject::tr("Playground"), new PlaygroundPage(bridge));
    auto* routing = new RoutingPage(bridge);
    if (config_writable) routing->setConfigFile(config_file);
    window.addPage(QObject::tr("Routing"), routing);
    window.addPage(QObject::tr("History"), new HistoryPage(bridge));
    auto* cache = new CachePage(bridge);
    if (config_writable) cache->setConfigFile(config_file);
    window.addPage(QObject::tr("Cache"), cache);
    auto* alerts = new AlertsPage(bridge);
    if (config_writable) alerts->setConfigFile(config_file);
    window.addPage(QObject::tr("Alerts"), alerts);
    window.addPage(QObject::tr("Gateway"), new GatewayPage(bridge, gateway, gateway_problem));
    auto* prices = new PricesPage(bridge);
    if (config_writable) prices->setConfigFile(config_file);
    window.addPage(QObject::tr("Prices"), prices);
    auto* providers = new ProvidersPage(bridge);
    if (!providers_file.isEmpty()) providers->setConfigFile(providers_file);
    window.addPage(QObject::tr("Providers"), providers);
}

}  // namespace
