#pragma once
// The turns of a conversation: a list of user and assistant messages the user can add,
// edit in place (double-click the text), switch between user and assistant, and remove.
#include <QString>
#include <QWidget>

#include <vector>

#include "store/conversation_store.h"

class QTreeWidget;
class QTreeWidgetItem;

class TurnsEditor final : public QWidget {
    Q_OBJECT
public:
    explicit TurnsEditor(QWidget* parent = nullptr);

    void addTurn(sb::Role role, const QString& text);
    void setTurns(const std::vector<sb::ConversationTurn>& turns);
    std::vector<sb::ConversationTurn> turns() const;
    void clear();

private:
    void setRole(QTreeWidgetItem* item, sb::Role role);
    void switchRoleOfSelected();
    void removeSelected();

    QTreeWidget* m_list = nullptr;
};
