#include "turns_editor.h"

#include <QHBoxLayout>
#include <QHeaderView>
#include <QPushButton>
#include <QTreeWidget>
#include <QVBoxLayout>

namespace {
constexpr int kRoleColumn = 0;
constexpr int kTextColumn = 1;
constexpr int kRoleData = Qt::UserRole;
}  // namespace

TurnsEditor::TurnsEditor(QWidget* parent) : QWidget(parent), m_list(new QTreeWidget(this)) {
    m_list->setColumnCount(2);
    m_list->setHeaderLabels({tr("Role"), tr("Text")});
    m_list->setRootIsDecorated(false);
    m_list->setSelectionMode(QAbstractItemView::ExtendedSelection);
    m_list->setEditTriggers(QAbstractItemView::DoubleClicked | QAbstractItemView::EditKeyPressed);
    m_list->header()->setSectionResizeMode(kRoleColumn, QHeaderView::ResizeToContents);
    m_list->header()->setStretchLastSection(true);

    auto* addUser = new QPushButton(tr("Add user turn"), this);
    auto* addAssistant = new QPushButton(tr("Add assistant turn"), this);
    auto* switchRole = new QPushButton(tr("Switch role"), this);
    auto* remove = new QPushButton(tr("Remove"), this);
    connect(addUser, &QPushButton::clicked, this, [this] { addTurn(sb::Role::User, {}); });
    connect(addAssistant, &QPushButton::clicked, this, [this] { addTurn(sb::Role::Assistant, {}); });
    connect(switchRole, &QPushButton::clicked, this, &TurnsEditor::switchRoleOfSelected);
    connect(remove, &QPushButton::clicked, this, &TurnsEditor::removeSelected);

    auto* buttons = new QHBoxLayout;
    buttons->addWidget(addUser);
    buttons->addWidget(addAssistant);
    buttons->addWidget(switchRole);
    buttons->addWidget(remove);
    buttons->addStretch();
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_list);
    layout->addLayout(buttons);
}

void TurnsEditor::setRole(QTreeWidgetItem* item, sb::Role role) {
    item->setData(kRoleColumn, kRoleData, static_cast<int>(role));
    item->setText(kRoleColumn, role == sb::Role::Assistant ? tr("assistant") : tr("user"));
}

void TurnsEditor::addTurn(sb::Role role, const QString& text) {
    auto* item = new QTreeWidgetItem(m_list);
    item->setFlags(item->flags() | Qt::ItemIsEditable);
    setRole(item, role);
    item->setText(kTextColumn, text);
    m_list->scrollToItem(item);
    if (text.isEmpty()) m_list->editItem(item, kTextColumn);  // a new empty turn is for typing into
}

void TurnsEditor::setTurns(const std::vector<sb::ConversationTurn>& turns) {
    clear();
    for (const auto& turn : turns) addTurn(turn.role, QString::fromStdString(turn.text));
}

std::vector<sb::ConversationTurn> TurnsEditor::turns() const {
    std::vector<sb::ConversationTurn> result;
    for (int i = 0; i < m_list->topLevelItemCount(); ++i) {
        const QTreeWidgetItem* item = m_list->topLevelItem(i);
        result.push_back({static_cast<sb::Role>(item->data(kRoleColumn, kRoleData).toInt()),
                          item->text(kTextColumn).toStdString()});
    }
    return result;
}

void TurnsEditor::clear() { m_list->clear(); }

void TurnsEditor::switchRoleOfSelected() {
    for (QTreeWidgetItem* item : m_list->selectedItems()) {
        const auto role = static_cast<sb::Role>(item->data(kRoleColumn, kRoleData).toInt());
        setRole(item, role == sb::Role::User ? sb::Role::Assistant : sb::Role::User);
    }
}

void TurnsEditor::removeSelected() { qDeleteAll(m_list->selectedItems()); }
