#pragma once
// The bar over a page's staged draft: Apply, Revert and a status line. Apply is enabled while
// the draft may be applied, Revert while it differs from what is live, and the status says
// which ("Draft: edits not applied yet", "Draft: fix the marked rules to apply", "The draft is
// the live rules") unless it shows the outcome of the last Apply, which stays until the next
// change of the draft. The page does the applying and reverting and may add its own actions.
#include <QString>
#include <QWidget>

#include <expected>
#include <functional>
#include <string>

class Draft;
class QHBoxLayout;
class QLabel;
class QPushButton;

class DraftBar final : public QWidget {
    Q_OBJECT
public:
    // How the page speaks of its draft.
    struct Wording {
        QString applyTip;       // what Apply does
        QString invalidStatus;  // an edited draft with problems: "Draft: fix the marked rules to apply"
        QString cleanStatus;    // a draft that is what is live: "The draft is the live rules"
        QString revertText;     // empty: "Revert draft"
        QString revertTip;      // empty: "Discard the edits not applied yet"
        bool wrapStatus = false;  // a long status wraps; otherwise it is cut rather than widen the page
    };
    // Writes what was applied into `file`; the error says why it could not. It runs on the
    // file-writing thread (common/file_writes.h): it must hold a copy of what it writes.
    using Save = std::function<std::expected<void, std::string>(const std::string& file)>;

    DraftBar(const Draft& draft, Wording wording, const QString& statusName, QWidget* parent = nullptr);

    void addBesideApply(QWidget* action);  // between Apply and Revert
    void addAfterRevert(QWidget* action);  // after Revert, set apart from it

    // The outcome of an Apply (or of another action of the page), until the draft changes.
    void setMessage(const QString& message);
    // A successful Apply: `done`, then " — saving to FILE…" while `save` runs off the GUI
    // thread, and " — saved to FILE" or " — not saved: why" once it is done.
    void showApplied(const QString& done, const QString& file, Save save);
    bool saving() const { return m_savesUnderWay > 0; }
    void setApplyBlocked(bool blocked);  // while an earlier Apply is still being saved

    QPushButton* applyButton() const { return m_apply; }
    QPushButton* revertButton() const { return m_revert; }
    QString statusText() const;

signals:
    void applyRequested();
    void revertRequested();

private:
    void refresh();

    const Draft& m_draft;
    Wording m_wording;
    QString m_message;
    bool m_applyBlocked = false;
    int m_savesUnderWay = 0;
    bool m_actionsAfterRevert = false;
    QHBoxLayout* m_row;
    QPushButton* m_apply;
    QPushButton* m_revert;
    QLabel* m_status;
};
