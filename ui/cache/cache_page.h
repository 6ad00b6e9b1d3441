#pragma once
// The Cache page: the response cache's rules edited as a draft and applied atomically
// (first match wins; invalid rows are marked and Apply waits until they are fixed), a box
// that shows the key, rule and decision for a pasted conversation, the live figures
// (refreshed once a second while the page is visible), and purging — everything, or what
// one rule stored. Applied rules are also saved into the operator's config file when one
// is set. With caching off, the page says how to turn it on.
#include <QString>
#include <QWidget>

#include <cstddef>
#include <functional>

class CacheKeyBox;
class CacheRulesDraft;
class CacheRulesEditor;
class CacheStatsPanel;
class DraftBar;
class EngineBridge;
class QLabel;
class QPushButton;
class QTimer;

class CachePage final : public QWidget {
    Q_OBJECT
public:
    static constexpr int kLiveRefreshMs = 1000;
    // Asked before purging; true to go ahead. The default asks with a message box.
    using Confirm = std::function<bool(const QString& question)>;

    explicit CachePage(EngineBridge& bridge, QWidget* parent = nullptr);
    ~CachePage() override;

    // Where applied rules are also saved (the "cache.rules" of that JSON file); empty: only
    // the engine keeps them, until it stops.
    void setConfigFile(const QString& path);
    QString configFile() const { return m_configFile; }
    void setConfirm(Confirm confirm);

    bool cachingOn() const { return m_draft != nullptr; }
    bool apply();  // false, with the reason shown, when there is nothing valid to apply or the engine refused
    void revert();
    // Both ask first; the number of entries purged, or -1 when not confirmed or nothing is selected.
    // False when there was nothing to purge or the operator declined; the count shows in the
    // status when the purge is done.
    bool purgeAll();
    bool purgeSelectedRule();
    void refreshLive();

    const CacheRulesDraft* draft() const { return m_draft; }
    CacheRulesEditor* rulesEditor() const { return m_editor; }
    CacheKeyBox* keyBox() const { return m_keyBox; }
    CacheStatsPanel* statsPanel() const { return m_stats; }
    QPushButton* applyButton() const;  // null with caching off, as is the rest of the editing
    QPushButton* revertButton() const;
    QPushButton* purgeAllButton() const { return m_purgeAll; }
    QPushButton* purgeRuleButton() const { return m_purgeRule; }
    QString statusText() const;
    QString offText() const;

protected:
    void showEvent(QShowEvent* event) override;

private:
    void buildOffNotice();
    QWidget* buildToolbar();
    void onDraftChanged();
    void updateActions();
    void startPurge(std::string rule, const QString& what);

    EngineBridge& m_bridge;
    QString m_configFile;
    Confirm m_confirm;

    CacheRulesDraft* m_draft = nullptr;
    std::uint64_t m_rulesVersion = 0;  // of the live rules the draft last followed
    QTimer* m_liveTimer = nullptr;
    CacheRulesEditor* m_editor = nullptr;
    CacheKeyBox* m_keyBox = nullptr;
    CacheStatsPanel* m_stats = nullptr;
    DraftBar* m_bar = nullptr;
    QPushButton* m_purgeAll = nullptr;
    QPushButton* m_purgeRule = nullptr;
    QLabel* m_off = nullptr;
};
