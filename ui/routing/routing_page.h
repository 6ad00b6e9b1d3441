#pragma once
// The Routing page: the live routing's tiers, targets, weights and rules, edited as a draft
// and applied atomically. Per tier, a table of targets with weights, the share each would
// get, and live figures (circuit state, share served in the last minute); a what-if panel
// comparing the applied and draft weights; the classifier rules; a prompt box that shows
// where a message would go; and the versions applied so far. Apply sends the draft to the
// engine (a new version), Undo re-applies the routing before the latest version (itself a
// new version), Revert drops the draft. Live figures refresh once a second while the page
// is visible, in place.
#include <QString>
#include <QWidget>

#include <cstdint>
#include <optional>

#include "config/routing_config.h"
#include "routing/routing_undo.h"

class DraftBar;
class EngineBridge;
class QLabel;
class QLineEdit;
class QListWidget;
class QPushButton;
class QTimer;
class RoutePreviewBox;
class RoutingDraft;
class RulesEditor;
class TierEditor;
class VersionsList;
class WhatIfPanel;

class RoutingPage final : public QWidget {
    Q_OBJECT
public:
    static constexpr int kLiveRefreshMs = 1000;
    static constexpr int kWhatIfDebounceMs = 200;
    static constexpr int kWhatIfEveryTicks = 5;  // new history moves the prediction slowly

    explicit RoutingPage(EngineBridge& bridge, QWidget* parent = nullptr);
    ~RoutingPage() override;

    // Where applied routing is also saved (the "routing" section of that JSON file); empty:
    // only the engine and its version log keep it.
    void setConfigFile(const QString& path);
    QString configFile() const { return m_configFile; }

    bool apply();   // false, with the reason shown, when the engine refused the draft
    bool undo();    // false when there is nothing to undo or the engine refused
    void revert();  // drops the draft
    void selectTier(int index);
    int selectedTier() const;
    void refreshLive();
    void refreshWhatIf();

    const RoutingDraft& draft() const { return *m_draft; }
    TierEditor* tierEditor() const { return m_tierEditor; }
    RulesEditor* rulesEditor() const { return m_rulesEditor; }
    WhatIfPanel* whatIfPanel() const { return m_whatIf; }
    RoutePreviewBox* previewBox() const { return m_preview; }
    VersionsList* versionsList() const { return m_versions; }
    QPushButton* applyButton() const;
    QPushButton* undoButton() const { return m_undo; }
    QPushButton* revertButton() const;
    QLineEdit* newTierName() const { return m_newTierName; }
    QPushButton* addTierButton() const { return m_addTier; }
    QPushButton* removeTierButton() const { return m_removeTier; }
    QString errorText() const;
    QString statusText() const;

signals:
    void routingApplied(qint64 versionId);

protected:
    void showEvent(QShowEvent* event) override;

private:
    QWidget* buildToolbar();
    void onDraftChanged();
    void syncTierList();
    void addTier();
    void removeTier();
    void updateUndo();
    void refreshVersions();
    void afterApply(std::int64_t versionId, const QString& done);

    EngineBridge& m_bridge;
    RoutingDraft* m_draft;
    QString m_configFile;
    std::int64_t m_startVersionId = 0;  // the newest version when the page started
    sb::RoutingConfig m_startRouting;
    std::optional<UndoTarget> m_undoTarget;
    int m_ticks = 0;
    static constexpr std::uint64_t kNotFollowed = ~std::uint64_t{0};
    std::uint64_t m_routingVersion = kNotFollowed;  // of the live routing the draft last followed
    // What an Apply says it was made on: the version the draft followed (none before the first look).
    std::optional<std::uint64_t> baseVersion() const;

    QTimer* m_liveTimer;
    QTimer* m_whatIfTimer;
    DraftBar* m_bar = nullptr;
    QPushButton* m_undo = nullptr;
    QLabel* m_errors = nullptr;
    QListWidget* m_tiers = nullptr;
    QLineEdit* m_newTierName = nullptr;
    QPushButton* m_addTier = nullptr;
    QPushButton* m_removeTier = nullptr;
    TierEditor* m_tierEditor = nullptr;
    WhatIfPanel* m_whatIf = nullptr;
    RulesEditor* m_rulesEditor = nullptr;
    RoutePreviewBox* m_preview = nullptr;
    VersionsList* m_versions = nullptr;
};
