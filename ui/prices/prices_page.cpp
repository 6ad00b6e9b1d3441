#include "prices/prices_page.h"

#include <QDir>
#include <QFileInfo>
#include <QLabel>
#include <QPushButton>
#include <QVBoxLayout>

#include <nlohmann/json.hpp>

#include "common/draft_bar.h"
#include "common/file_writes.h"
#include "config/config_file_writer.h"
#include "engine_bridge.h"
#include "prices/prices_draft.h"
#include "prices/prices_editor.h"
#include "common/qt_text.h"

PricesPage::PricesPage(EngineBridge& bridge, QWidget* parent)
    : QWidget(parent),
      m_bridge(bridge),
      m_pricingFile(qs(bridge.config().cost.pricing)),
      m_pricesVersion(bridge.api().versions().prices),
      m_draft(new PricesDraft(bridge.api().prices()->sheet(), this)),
      m_editor(new PricesEditor(*m_draft, this)),
      m_origin(new QLabel(this)) {
    m_origin->setObjectName(QStringLiteral("pricesOrigin"));
    m_origin->setWordWrap(true);
    m_origin->setTextInteractionFlags(Qt::TextSelectableByMouse);
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(buildToolbar());
    layout->addWidget(m_origin);
    layout->addWidget(m_editor, 1);
    connect(m_draft, &PricesDraft::changed, this, &PricesPage::onDraftChanged);
    updateOrigin();
}

PricesPage::~PricesPage() = default;

QWidget* PricesPage::buildToolbar() {
    m_bar = new DraftBar(*m_draft,
                         {.applyTip = tr("Price the next answers with the draft"),
                          .invalidStatus = tr("Draft: fix the marked prices to apply"),
                          .cleanStatus = tr("The draft is the live price table")},
                         QStringLiteral("pricesStatus"), this);
    m_builtIn = new QPushButton(tr("Built-in prices"), m_bar);
    m_builtIn->setToolTip(tr("Stage the table shipped with Switchboard (apply to use it)"));
    m_bar->addAfterRevert(m_builtIn);
    connect(m_bar, &DraftBar::applyRequested, this, &PricesPage::apply);
    connect(m_bar, &DraftBar::revertRequested, this, &PricesPage::revert);
    connect(m_builtIn, &QPushButton::clicked, this, &PricesPage::stageBuiltIn);
    return m_bar;
}

void PricesPage::setConfigFile(const QString& path) {
    m_configFile = path;
    if (m_pricingFile.isEmpty() && !path.isEmpty())  // not named yet: the first Apply names it
        m_pricingFile = QDir(QFileInfo(path).absolutePath()).filePath(QStringLiteral("pricing.json"));
    updateOrigin();
}

void PricesPage::onDraftChanged() { m_editor->sync(); }

void PricesPage::updateOrigin() {
    const QString named = qs(m_bridge.config().cost.pricing);
    QString text = named.isEmpty() ? tr("Started with the built-in prices (resources/pricing.json).")
                                   : tr("Started with the prices in %1 (cost.pricing).").arg(named);
    if (!m_pricingFile.isEmpty()) text += QLatin1Char(' ') + tr("Apply saves to %1.").arg(m_pricingFile);
    else text += QLatin1Char(' ') + tr("Applied prices last until Switchboard stops: start it with --config to keep them.");
    m_origin->setText(text);
}

bool PricesPage::apply() {
    if (!m_draft->canApply()) return false;
    auto table = sb::PriceTable::from_sheet(m_draft->draft());
    if (!table) return false;  // canApply() said the draft is valid
    m_bridge.api().apply_prices(std::move(*table), {m_pricesVersion, {}}, EngineBridge::onThreadOf<void>(this, [this](auto applied) {
        if (!applied) return m_bar->setMessage(tr("Not applied: %1").arg(qs(applied.error().message)));
        m_pricesVersion = m_bridge.api().versions().prices;
        m_draft->setApplied(m_bridge.api().prices()->sheet());  // sorted by model: clean again
        const auto n = m_draft->applied().models.size();
        const QString done = n == 1 ? tr("Applied 1 price") : tr("Applied %1 prices").arg(n);
        if (m_pricingFile.isEmpty()) return m_bar->setMessage(done);
        m_bar->setMessage(done + QStringLiteral(" — ") + tr("saving to %1…").arg(m_pricingFile));
        writeInBackground<QString>(this, persist(), [this, done](QString saved) {
            m_bar->setMessage(done + QStringLiteral(" — ") + saved);
        });
    }));
    return true;
}

// The save of the live table, for the file-writing thread: it holds copies of what it writes.
std::function<QString()> PricesPage::persist() const {
    const QString pricingFile = m_pricingFile;
    const QString configFile = m_bridge.config().cost.pricing.empty() ? m_configFile : QString();
    return [text = sb::to_json(*m_bridge.api().prices()).dump(2) + "\n", pricingFile, configFile] {
        if (const auto written = sb::write_file_atomically(pricingFile.toStdString(), text); !written)
            return tr("not saved: %1").arg(qs(written.error()));
        if (!configFile.isEmpty()) {
            const auto named = sb::save_pricing_file_name(configFile.toStdString(), pricingFile.toStdString());
            if (!named) return tr("saved to %1, but the config does not name it: %2").arg(pricingFile, qs(named.error()));
        }
        return tr("saved to %1").arg(pricingFile);
    };
}

void PricesPage::revert() { m_draft->revert(); }

void PricesPage::stageBuiltIn() {
    m_draft->edit([](sb::PriceSheet& sheet) { sheet = sb::PriceTable::built_in().sheet(); });
}

void PricesPage::showEvent(QShowEvent* event) {
    QWidget::showEvent(event);
    m_pricesVersion = m_bridge.api().versions().prices;
    m_draft->setApplied(m_bridge.api().prices()->sheet());  // a clean draft follows the live table
}

QString PricesPage::statusText() const { return m_bar->statusText(); }

QPushButton* PricesPage::applyButton() const { return m_bar->applyButton(); }

QPushButton* PricesPage::revertButton() const { return m_bar->revertButton(); }

QString PricesPage::originText() const { return m_origin->text(); }
