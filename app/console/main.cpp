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
#include "instances/instances_page.h"
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

constexpr int kSwitchSource = 0x5b;  // what app.exec() returns when the window asks for another source

// The local engine and what goes with it; members go in reverse order: the endpoint first.
struct LocalSide {
    std::unique_ptr<LocalEngineHost> host;
    std::unique_ptr<EmbeddedGateway> gateway;
    QString gateway_problem;
    QString config_file;     // where applied settings are saved; empty: not saved
    QString providers_file;  // where the Providers page saves (created by its first Apply)
};

std::expected<std::unique_ptr<LocalSide>, int> start_local(const QCommandLineParser& parser);
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

    // The first source: the gateway named by --connect, else the local engine. The window's
    // File menu asks for another; the window is then built again on it.
    GatewayConnection next{parser.value(connect_option), parser.value(ca_option)};
    QString next_key;  // typed in the Connect dialog; empty: $SWITCHBOARD_ADMIN_KEY or the secret store
    QString used_key;  // the key the console is attached with: a fleet's other instances take it too
    std::unique_ptr<LocalSide> local;
    for (bool first = true;; first = false) {
        std::unique_ptr<sb::FleetView> remote;
        std::unique_ptr<EngineBridge> remote_bridge;
        if (!next.url.isEmpty()) {
            auto key = next_key.isEmpty() ? adminKeyFor(next.url) : std::expected<std::string, QString>(next_key.toStdString());
            if (key) used_key = QString::fromStdString(*key);
            auto attached = key ? attachToGateway(next, std::move(*key))
                                : std::expected<std::unique_ptr<sb::FleetView>, QString>(std::unexpected(key.error()));
            if (!attached) {
                std::fprintf(stderr, "switchboard: %s: %s\n", qPrintable(next.url), qPrintable(attached.error()));
                QMessageBox::critical(nullptr, "Switchboard", attached.error());
                if (first) return 1;
            } else {
                remote = std::move(*attached);
                remote_bridge = std::make_unique<EngineBridge>(*remote);
            }
        }
        if (!remote && !local) {
            auto started = start_local(parser);
            if (!started) return started.error();
            local = std::move(*started);
        }
        EngineBridge& bridge = remote ? *remote_bridge : local->host->bridge();

        int code = 0;
        {
            MainWindow window(bridge);
            if (remote) {
                addPages(window, bridge, {}, {}, nullptr,
                         QObject::tr("This console watches the gateway at %1; its own endpoint is not served here.")
                             .arg(next.url));
                // A fleet: the Dashboard adds every instance together, or shows one.
                auto* dashboard = qobject_cast<DashboardPage*>(window.page(QObject::tr("Dashboard")));
                dashboard->setInstanceChoice([view = remote.get()] { return view->instances(); },
                                             [view = remote.get()](const std::string& id) { view->set_scope(id); });
                // Another instance of the same fleet: the same CA, the same admin key.
                auto* instances = qobject_cast<InstancesPage*>(window.page(QObject::tr("Instances")));
                QObject::connect(instances, &InstancesPage::openRequested, &window,
                                 [&window, ca = next.caFile, key = used_key](const QString& url) {
                                     emit window.sourceRequested(GatewayConnection{url, ca}, key);
                                 });
            }
            else
                addPages(window, bridge, local->config_file, local->providers_file, local->gateway.get(),
                         local->gateway_problem);
            window.restoreSettings();
            if (first && parser.isSet(page_option)) window.setCurrentPage(parser.value(page_option).toInt() - 1);
            window.show();
            QObject::connect(&window, &MainWindow::sourceRequested, &window,
                             [&next, &next_key](const GatewayConnection& connection, const QString& key) {
                                 next = connection;
                                 next_key = key;
                                 QApplication::exit(kSwitchSource);
                             });
            if (first && parser.isSet(screenshots_option))
                scheduleScreenshotTour(window, parser.value(screenshots_option), parser.value(after_option).toInt() * 1000);
            code = app.exec();
        }
        if (code != kSwitchSource) return code;
    }
}

namespace {

// Loads the config and starts the local engine, its embedded endpoint (and --serve), or says
// why not: the exit code.
std::expected<std::unique_ptr<LocalSide>, int> start_local(const QCommandLineParser& parser) {
    auto side = std::make_unique<LocalSide>();
    std::string source;
    // The file the config came from, if any: where the Routing, Cache and Alerts pages save what is applied.
    QString config_file = parser.value("config");
    if (config_file.isEmpty() && std::filesystem::exists(sb::default_config_file()))
        config_file = QString::fromStdString(sb::default_config_file().string());
    auto config = sb::load_user_config(parser.value("config").toStdString(), sb::process_environment(), &source);
    if (!config) {
        QStringList lines;
        for (const auto& error : config.error()) lines << QString::fromStdString(error.to_string());
        std::fprintf(stderr, "switchboard: %s is invalid:\n  %s\n", source.c_str(), qPrintable(lines.join("\n  ")));
        QMessageBox::critical(nullptr, "Switchboard", QString("%1 is invalid:\n\n%2").arg(QString::fromStdString(source), lines.join("\n")));
        return std::unexpected(4);
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
        return std::unexpected(1);
    }
    side->host = std::move(*host);
    EngineBridge& bridge = side->host->bridge();

    // Started before the pages exist, so the Dashboard's traffic controls show it running.
    const int rate = parser.value("demo-traffic").toInt();
    if (bridge.demoMode() && rate > 0) bridge.api().start_demo_traffic(rate);

    auto& gateway = side->gateway;
    if (auto opened = EmbeddedGateway::open(*side->host)) gateway = std::move(*opened);
    else side->gateway_problem = opened.error();
    if (parser.isSet("serve")) {
        const QString listen = parser.value("serve");
        const auto colon = listen.lastIndexOf(QLatin1Char(':'));
        bool port_ok = false;
        const auto port = colon > 0 ? listen.mid(colon + 1).toUShort(&port_ok) : 0;
        const auto served = !gateway ? std::expected<void, QString>(std::unexpected(side->gateway_problem))
                            : !port_ok ? std::expected<void, QString>(std::unexpected(QObject::tr("--serve must be HOST:PORT")))
                                       : gateway->serve(listen.left(colon).remove(QLatin1Char('[')).remove(QLatin1Char(']')), port);
        if (!served) {
            std::fprintf(stderr, "switchboard: --serve %s: %s\n", qPrintable(listen), qPrintable(served.error()));
            QMessageBox::critical(nullptr, "Switchboard", QObject::tr("The endpoint could not start: %1").arg(served.error()));
            return std::unexpected(1);
        }
        std::printf("listening on %s\n", qPrintable(gateway->url()));
        std::fflush(stdout);
    }

    // The temporary file of an atomic save goes beside the config file.
    const bool config_writable = !config_file.isEmpty() && QFileInfo(config_file).isWritable() &&
                                 QFileInfo(QFileInfo(config_file).absolutePath()).isWritable();
    side->config_file = config_writable ? config_file : QString();
    // The Providers page saves even with no config file yet: its first Apply creates one,
    // so setting a provider up never needs a file written by hand.
    side->providers_file = config_writable       ? config_file
                           : config_file.isEmpty() ? QString::fromStdString(sb::default_config_file().string())
                                                   : QString();
    return side;
}

// The ten pages, in navigation order. `config_file` (may be empty): where applied settings
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
    window.addPage(QObject::tr("Instances"), new InstancesPage(bridge));
}

}  // namespace
