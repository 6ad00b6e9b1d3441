// Apply, Revert and the status line over a page's staged draft.
#include "common/draft_bar.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>

#include <utility>

#include "common/draft.h"
#include "common/file_writes.h"
#include "common/qt_text.h"

DraftBar::DraftBar(const Draft& draft, Wording wording, const QString& statusName, QWidget* parent)
    : QWidget(parent),
      m_draft(draft),
      m_wording(std::move(wording)),
      m_row(new QHBoxLayout(this)),
      m_apply(new QPushButton(tr("Apply"), this)),
      m_revert(new QPushButton(this)),
      m_status(new QLabel(this)) {
    m_apply->setToolTip(m_wording.applyTip);
    m_revert->setText(m_wording.revertText.isEmpty() ? tr("Revert draft") : m_wording.revertText);
    m_revert->setToolTip(m_wording.revertTip.isEmpty() ? tr("Discard the edits not applied yet")
                                                       : m_wording.revertTip);
    m_status->setObjectName(statusName);
    if (m_wording.wrapStatus)
        m_status->setWordWrap(true);
    else  // a long message is cut rather than widen the page
        m_status->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred);
    connect(m_apply, &QPushButton::clicked, this, &DraftBar::applyRequested);
    connect(m_revert, &QPushButton::clicked, this, &DraftBar::revertRequested);
    connect(&m_draft, &Draft::changed, this, [this] {
        m_message.clear();  // an outcome is shown until the next change
        refresh();
    });
    m_row->setContentsMargins(0, 0, 0, 0);
    m_row->addWidget(m_apply);
    m_row->addWidget(m_revert);
    m_row->addWidget(m_status, 1);
    refresh();
}

void DraftBar::addBesideApply(QWidget* action) { m_row->insertWidget(m_row->indexOf(m_revert), action); }

void DraftBar::addAfterRevert(QWidget* action) {
    if (!m_actionsAfterRevert) m_row->insertSpacing(m_row->indexOf(m_status), 16);
    m_actionsAfterRevert = true;
    m_row->insertWidget(m_row->indexOf(m_status), action);
}

void DraftBar::setMessage(const QString& message) {
    m_message = message;
    refresh();
}

void DraftBar::showApplied(const QString& done, const QString& file, Save save) {
    if (file.isEmpty()) {
        setMessage(done);
        return;
    }
    setMessage(done + QStringLiteral(" — ") + tr("saving to %1…").arg(file));
    ++m_savesUnderWay;
    using Saved = std::expected<void, std::string>;
    writeInBackground<Saved>(
        this, [save = std::move(save), path = file.toStdString()] { return save(path); },
        [this, done, file](Saved saved) {
            --m_savesUnderWay;
            setMessage(done + QStringLiteral(" — ") +
                       (saved ? tr("saved to %1").arg(file) : tr("not saved: %1").arg(qs(saved.error()))));
        });
}

void DraftBar::setApplyBlocked(bool blocked) {
    m_applyBlocked = blocked;
    refresh();
}

void DraftBar::refresh() {
    m_apply->setEnabled(m_draft.canApply() && !m_applyBlocked);
    m_revert->setEnabled(m_draft.isDirty());
    QString status = m_message;
    if (status.isEmpty() && m_draft.isDirty())
        status = m_draft.errors().empty() ? tr("Draft: edits not applied yet") : m_wording.invalidStatus;
    else if (status.isEmpty())
        status = m_wording.cleanStatus;
    if (m_status->text() != status) m_status->setText(status);
}

QString DraftBar::statusText() const { return m_status->text(); }
