#pragma once
// The Prices page: the price table every answer is priced with (input, cached-input and
// output USD per million tokens per model), edited as a draft and applied atomically — the
// next answer is priced by it. Applied prices are saved as a price file (cost.pricing of the
// config file; pricing.json beside the config file when none is named yet, and the config
// then names it), so the next start prices the same way. "Built-in prices" stages the table
// shipped in resources/pricing.json.
#include <QString>
#include <QWidget>

#include <functional>

class DraftBar;
class EngineBridge;
class PricesDraft;
class PricesEditor;
class QLabel;
class QPushButton;

class PricesPage final : public QWidget {
    Q_OBJECT
public:
    explicit PricesPage(EngineBridge& bridge, QWidget* parent = nullptr);
    ~PricesPage() override;

    // The operator's config file: where the price file is named (cost.pricing). Empty:
    // applied prices last until the engine stops, unless the config already names a file.
    void setConfigFile(const QString& path);
    QString pricingFile() const { return m_pricingFile; }  // where Apply saves; may be empty

    bool apply();  // false, with the reason shown, when there is nothing valid to apply
    void revert();
    void stageBuiltIn();

    const PricesDraft* draft() const { return m_draft; }
    PricesEditor* editor() const { return m_editor; }
    QPushButton* applyButton() const;
    QPushButton* revertButton() const;
    QPushButton* builtInButton() const { return m_builtIn; }
    QString statusText() const;
    QString originText() const;

protected:
    void showEvent(QShowEvent* event) override;

private:
    QWidget* buildToolbar();
    void onDraftChanged();
    void updateOrigin();
    std::function<QString()> persist() const;

    EngineBridge& m_bridge;
    QString m_configFile;
    QString m_pricingFile;
    std::uint64_t m_pricesVersion;  // of the live table the draft last followed

    PricesDraft* m_draft;
    PricesEditor* m_editor;
    DraftBar* m_bar = nullptr;
    QPushButton* m_builtIn = nullptr;
    QLabel* m_origin;
};
