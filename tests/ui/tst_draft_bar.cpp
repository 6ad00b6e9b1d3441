// DraftBar over a staged draft of a plain list, wired as the pages wire it: Apply is enabled
// only for an edited draft without problems and Revert for any edited draft, the status says
// which; Revert restores the applied list; an outcome message stays until the draft changes;
// a successful Apply says where it was saved, or why not; Apply waits while it is blocked;
// the page's own actions go where they are asked to.
#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QSignalSpy>
#include <QtTest>

#include <algorithm>
#include <expected>
#include <string>
#include <thread>
#include <vector>

#include "../support/item_draft.h"
#include "common/draft_bar.h"

using sb::test::Item;
using sb::test::ItemDraft;

namespace {

const QString kInvalid = QStringLiteral("Draft: fix the marked items to apply");
const QString kClean = QStringLiteral("The draft is the live list");

DraftBar::Wording wording() {
    return {.applyTip = QStringLiteral("Make the draft the live list"), .invalidStatus = kInvalid, .cleanStatus = kClean};
}

}  // namespace

class TestDraftBar : public QObject {
    Q_OBJECT

private slots:
    void applyAndRevertFollowTheDraft() {
        ItemDraft draft({{"a", 1}});
        DraftBar bar(draft, wording(), QStringLiteral("itemsStatus"));
        QCOMPARE(bar.findChild<QLabel*>(QStringLiteral("itemsStatus"))->text(), kClean);
        QVERIFY(!bar.applyButton()->isEnabled());
        QVERIFY(!bar.revertButton()->isEnabled());
        QCOMPARE(bar.applyButton()->toolTip(), QStringLiteral("Make the draft the live list"));
        QCOMPARE(bar.revertButton()->text(), QStringLiteral("Revert draft"));

        draft.edit([](std::vector<Item>& list) { list[0].threshold = 50; });
        QVERIFY(bar.applyButton()->isEnabled());
        QVERIFY(bar.revertButton()->isEnabled());
        QCOMPARE(bar.statusText(), QStringLiteral("Draft: edits not applied yet"));

        draft.edit([](std::vector<Item>& list) { list[0].threshold = 500; });  // a problem
        QVERIFY(!bar.applyButton()->isEnabled());
        QVERIFY(bar.revertButton()->isEnabled());
        QCOMPARE(bar.statusText(), kInvalid);
    }

    void revertRestoresTheAppliedList() {
        ItemDraft draft({{"a", 1}});
        DraftBar bar(draft, wording(), QStringLiteral("itemsStatus"));
        connect(&bar, &DraftBar::revertRequested, &draft, &ItemDraft::revert);
        QSignalSpy applyRequested(&bar, &DraftBar::applyRequested);
        draft.edit([](std::vector<Item>& list) { list.push_back({"b", 2}); });

        QTest::mouseClick(bar.revertButton(), Qt::LeftButton);
        QCOMPARE(draft.draft(), (std::vector<Item>{{"a", 1}}));
        QVERIFY(!bar.applyButton()->isEnabled());
        QVERIFY(!bar.revertButton()->isEnabled());
        QCOMPARE(bar.statusText(), kClean);
        QCOMPARE(applyRequested.count(), 0);

        draft.edit([](std::vector<Item>& list) { list[0].threshold = 2; });
        QTest::mouseClick(bar.applyButton(), Qt::LeftButton);
        QCOMPARE(applyRequested.count(), 1);  // applying is the page's
    }

    void anOutcomeStaysUntilTheDraftChanges() {
        ItemDraft draft({{"a", 1}});
        DraftBar bar(draft, wording(), QStringLiteral("itemsStatus"));
        bar.setMessage(QStringLiteral("Purged 3 entries"));
        QCOMPARE(bar.statusText(), QStringLiteral("Purged 3 entries"));
        draft.setApplied({{"a", 1}});  // nothing changes: the message stays
        QCOMPARE(bar.statusText(), QStringLiteral("Purged 3 entries"));
        draft.edit([](std::vector<Item>& list) { list[0].name = "b"; });
        QCOMPARE(bar.statusText(), QStringLiteral("Draft: edits not applied yet"));
    }

    void anApplySaysWhereItWasSavedOffTheGuiThread() {
        ItemDraft draft({{"a", 1}});
        DraftBar bar(draft, wording(), QStringLiteral("itemsStatus"));
        std::vector<std::string> written;
        std::vector<std::thread::id> threads;
        const DraftBar::Save save = [&written, &threads](const std::string& file) -> std::expected<void, std::string> {
            written.push_back(file);
            threads.push_back(std::this_thread::get_id());
            return {};
        };

        bar.showApplied(QStringLiteral("Applied 1 item"), QString(), save);
        QCOMPARE(bar.statusText(), QStringLiteral("Applied 1 item"));
        QVERIFY(written.empty());  // no file: nothing written

        bar.showApplied(QStringLiteral("Applied 1 item"), QStringLiteral("/tmp/config.json"), save);
        QVERIFY(bar.saving() || bar.statusText().endsWith(QStringLiteral("saved to /tmp/config.json")));
        QTRY_COMPARE(bar.statusText(), QStringLiteral("Applied 1 item — saved to /tmp/config.json"));
        QVERIFY(!bar.saving());
        QCOMPARE(written, std::vector<std::string>{"/tmp/config.json"});
        QCOMPARE(threads.size(), std::size_t(1));
        QVERIFY(threads[0] != std::this_thread::get_id());  // written on the file-writing thread

        bar.showApplied(QStringLiteral("Applied 1 item"), QStringLiteral("/tmp/config.json"),
                        [](const std::string&) -> std::expected<void, std::string> { return std::unexpected("disk full"); });
        QTRY_COMPARE(bar.statusText(), QStringLiteral("Applied 1 item — not saved: disk full"));
    }

    void applyWaitsWhileBlocked() {
        ItemDraft draft({{"a", 1}});
        DraftBar bar(draft, wording(), QStringLiteral("itemsStatus"));
        draft.edit([](std::vector<Item>& list) { list[0].threshold = 2; });
        bar.setApplyBlocked(true);
        QVERIFY(!bar.applyButton()->isEnabled());
        QVERIFY(bar.revertButton()->isEnabled());
        bar.setApplyBlocked(false);
        QVERIFY(bar.applyButton()->isEnabled());
    }

    void pageActionsGoWhereAsked() {
        ItemDraft draft({{"a", 1}});
        DraftBar bar(draft,
                     {.applyTip = {}, .invalidStatus = kInvalid, .cleanStatus = kClean, .revertText = QStringLiteral("Revert"),
                      .revertTip = QStringLiteral("Drop the edits")},
                     QStringLiteral("itemsStatus"));
        auto* undo = new QPushButton(QStringLiteral("Undo"), &bar);
        auto* purge = new QPushButton(QStringLiteral("Purge"), &bar);
        auto* purgeRule = new QPushButton(QStringLiteral("Purge rule"), &bar);
        bar.addBesideApply(undo);
        bar.addAfterRevert(purge);
        bar.addAfterRevert(purgeRule);
        auto* row = qobject_cast<QHBoxLayout*>(bar.layout());
        QVERIFY(row);
        QLabel* status = bar.findChild<QLabel*>(QStringLiteral("itemsStatus"));
        const std::vector<int> order{row->indexOf(bar.applyButton()), row->indexOf(undo), row->indexOf(bar.revertButton()),
                                     row->indexOf(purge), row->indexOf(purgeRule), row->indexOf(status)};
        QVERIFY2(std::is_sorted(order.begin(), order.end()), "Apply, Undo, Revert, Purge, Purge rule, status");
        QVERIFY(row->itemAt(row->indexOf(purge) - 1)->spacerItem());  // the page's actions are set apart
        QCOMPARE(row->indexOf(purgeRule), row->indexOf(purge) + 1);   // once
        QCOMPARE(bar.revertButton()->text(), QStringLiteral("Revert"));
        QCOMPARE(bar.revertButton()->toolTip(), QStringLiteral("Drop the edits"));
    }
};

QTEST_MAIN(TestDraftBar)
#include "tst_draft_bar.moc"
