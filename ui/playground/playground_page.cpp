#include "playground_page.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QKeySequence>
#include <QLabel>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSettings>
#include <QShortcut>
#include <QSignalBlocker>
#include <QSpinBox>
#include <QSplitter>
#include <QVBoxLayout>

#include <algorithm>

#include "answer_pane.h"
#include "conversation_repository.h"
#include "engine_bridge.h"
#include "turns_editor.h"

namespace {

constexpr int kTitleLength = 48;

QString titleFor(const sb::Conversation& c) {
    for (const auto& turn : c.turns)
        if (turn.role == sb::Role::User && !turn.text.empty()) {
            const QString text = QString::fromStdString(turn.text).simplified();
            return text.size() > kTitleLength ? text.left(kTitleLength - 1) + QChar(0x2026) : text;
        }
    return QObject::tr("Untitled conversation");
}

QString storeMessage(const sb::StoreError& error) { return QString::fromStdString(error.message); }

}  // namespace

PlaygroundPage::PlaygroundPage(EngineBridge& bridge, QWidget* parent) : QWidget(parent), m_bridge(bridge) {
    auto* answers = new QSplitter(Qt::Horizontal, this);
    for (int i = 0; i < kMaxPanes; ++i) {
        m_panes[i] = new AnswerPane(bridge, answers);
        answers->addWidget(m_panes[i]);
        connect(m_panes[i], &AnswerPane::answerUpdated, this, [this, i] { emit answerUpdated(i); });
        connect(m_panes[i], &AnswerPane::finished, this, &PlaygroundPage::paneFinished);
    }
    auto* split = new QSplitter(Qt::Horizontal, this);
    split->addWidget(buildEditor());
    split->addWidget(answers);
    split->setStretchFactor(1, 2);
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(split);
    setCompare(false, 2);

    if (const auto history = bridge.api().local_history(); !history) {
        showStatus(tr("History is off: conversations are not saved."));
    } else {
        m_repository = new ConversationRepository(QString::fromStdString(history->database.string()),
                                                  history->text_policy.stored(), this);
        refreshList();
        const std::int64_t last = QSettings().value(QLatin1String(kCurrentKey), 0).toLongLong();
        if (last > 0) loadConversation(last);
    }
    updateBusy();
}

PlaygroundPage::~PlaygroundPage() = default;

QWidget* PlaygroundPage::buildEditor() {
    auto* editor = new QWidget(this);

    m_conversations = new QComboBox(editor);
    m_conversations->setToolTip(tr("Saved conversations, most recent first"));
    m_new = new QPushButton(tr("New"), editor);
    m_save = new QPushButton(tr("Save"), editor);
    m_delete = new QPushButton(tr("Delete"), editor);
    connect(m_conversations, &QComboBox::activated, this, [this](int index) {
        const std::int64_t id = m_conversations->itemData(index).toLongLong();
        if (id > 0 && id != m_currentId) loadConversation(id);
    });
    connect(m_new, &QPushButton::clicked, this, &PlaygroundPage::newConversation);
    connect(m_save, &QPushButton::clicked, this, &PlaygroundPage::saveConversation);
    connect(m_delete, &QPushButton::clicked, this, &PlaygroundPage::deleteConversation);
    auto* saved = new QHBoxLayout;
    saved->addWidget(m_conversations, 1);
    saved->addWidget(m_new);
    saved->addWidget(m_save);
    saved->addWidget(m_delete);

    m_system = new QPlainTextEdit(editor);
    m_system->setPlaceholderText(tr("System prompt (optional)"));
    m_system->setMaximumHeight(90);
    m_turns = new TurnsEditor(editor);
    m_message = new QPlainTextEdit(editor);
    m_message->setObjectName(QStringLiteral("message"));
    m_message->setPlaceholderText(tr("Next user message — Ctrl+Return sends"));
    m_message->setMaximumHeight(110);

    // The lowest value of each spin box stands for "not set": the provider's default applies.
    m_temperature = new QDoubleSpinBox(editor);
    m_temperature->setRange(-0.1, 2.0);
    m_temperature->setSingleStep(0.1);
    m_temperature->setDecimals(2);
    m_temperature->setSpecialValueText(tr("default"));
    m_temperature->setValue(m_temperature->minimum());
    m_maxTokens = new QSpinBox(editor);
    m_maxTokens->setRange(0, 1000000);
    m_maxTokens->setSingleStep(256);
    m_maxTokens->setSpecialValueText(tr("default"));
    m_stream = new QCheckBox(tr("Stream"), editor);
    m_stream->setChecked(true);
    m_cache = new QComboBox(editor);
    m_cache->setObjectName(QStringLiteral("cachePolicy"));
    m_cache->addItem(tr("Cache: use"), int(sb::CachePolicy::Default));
    m_cache->addItem(tr("Cache: refresh"), int(sb::CachePolicy::NoCache));
    m_cache->addItem(tr("Cache: off"), int(sb::CachePolicy::NoStore));
    m_cache->setToolTip(tr("Use: a repeated question may be answered from the cache.\n"
                           "Refresh: always ask the model, and store its new answer.\n"
                           "Off: neither read nor store this conversation."));
    auto* params = new QHBoxLayout;
    params->addWidget(new QLabel(tr("Temperature"), editor));
    params->addWidget(m_temperature);
    params->addWidget(new QLabel(tr("Max tokens"), editor));
    params->addWidget(m_maxTokens);
    params->addWidget(m_stream);
    params->addWidget(m_cache);
    params->addStretch();

    m_send = new QPushButton(tr("Send"), editor);
    m_send->setToolTip(tr("Send the conversation (Ctrl+Return)"));
    m_stop = new QPushButton(tr("Stop"), editor);
    m_compare = new QCheckBox(tr("Compare"), editor);
    m_compare->setToolTip(tr("Run the same conversation on several targets side by side"));
    m_compareCount = new QSpinBox(editor);
    m_compareCount->setRange(2, kMaxPanes);
    m_compareCount->setSuffix(tr(" targets"));
    connect(m_send, &QPushButton::clicked, this, &PlaygroundPage::send);
    connect(m_stop, &QPushButton::clicked, this, &PlaygroundPage::stop);
    connect(m_compare, &QCheckBox::toggled, this, [this](bool on) { setCompare(on, m_compareCount->value()); });
    connect(m_compareCount, &QSpinBox::valueChanged, this, [this](int n) { setCompare(m_compare->isChecked(), n); });
    auto* shortcut = new QShortcut(QKeySequence(Qt::CTRL | Qt::Key_Return), this);
    shortcut->setContext(Qt::WidgetWithChildrenShortcut);
    connect(shortcut, &QShortcut::activated, this, &PlaygroundPage::send);
    auto* actions = new QHBoxLayout;
    actions->addWidget(m_send);
    actions->addWidget(m_stop);
    actions->addStretch();
    actions->addWidget(m_compare);
    actions->addWidget(m_compareCount);

    m_status = new QLabel(editor);
    m_status->setWordWrap(true);

    auto* form = new QFormLayout;
    form->addRow(tr("System"), m_system);
    form->addRow(tr("Turns"), m_turns);
    form->addRow(tr("Message"), m_message);
    auto* layout = new QVBoxLayout(editor);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addLayout(saved);
    layout->addLayout(form, 1);
    layout->addLayout(params);
    layout->addLayout(actions);
    layout->addWidget(m_status);
    return editor;
}

void PlaygroundPage::setSystemPrompt(const QString& text) { m_system->setPlainText(text); }
QString PlaygroundPage::systemPrompt() const { return m_system->toPlainText(); }
void PlaygroundPage::addTurn(sb::Role role, const QString& text) { m_turns->addTurn(role, text); }
std::vector<sb::ConversationTurn> PlaygroundPage::turns() const { return m_turns->turns(); }
void PlaygroundPage::setMessage(const QString& text) { m_message->setPlainText(text); }
void PlaygroundPage::setTarget(const QString& provider, const QString& model) { m_panes[0]->setTarget(provider, model); }
void PlaygroundPage::setAutomaticTarget() { m_panes[0]->setTarget({}, {}); }
void PlaygroundPage::setCachePolicy(sb::CachePolicy policy) { m_cache->setCurrentIndex(m_cache->findData(int(policy))); }
sb::CachePolicy PlaygroundPage::cachePolicy() const { return static_cast<sb::CachePolicy>(m_cache->currentData().toInt()); }

void PlaygroundPage::setTemperature(std::optional<double> t) { m_temperature->setValue(t ? *t : m_temperature->minimum()); }
void PlaygroundPage::setMaxTokens(std::optional<int> n) { m_maxTokens->setValue(n ? *n : 0); }
void PlaygroundPage::setStreaming(bool on) { m_stream->setChecked(on); }
void PlaygroundPage::setExtraHeaders(sb::Headers headers) { m_extraHeaders = std::move(headers); }

void PlaygroundPage::setCompareTargets(const QList<QPair<QString, QString>>& targets) {
    const int count = std::min<int>(targets.size(), kMaxPanes);
    for (int i = 0; i < count; ++i) m_panes[i]->setTarget(targets[i].first, targets[i].second);
    if (count >= 2) m_compareCount->setValue(count);
    m_compare->setChecked(count >= 2);
    setCompare(count >= 2, std::max(count, 2));
}

void PlaygroundPage::setCompare(bool on, int panes) {
    m_activePanes = on ? std::clamp(panes, 2, kMaxPanes) : 1;
    for (int i = 0; i < kMaxPanes; ++i) m_panes[i]->setVisible(i < m_activePanes);
    m_compareCount->setEnabled(on);
}

int PlaygroundPage::paneCount() const { return m_activePanes; }

void PlaygroundPage::send() {
    if (busy()) return;
    ++m_loadGeneration;  // a load still on its way must not replace what is being sent
    const QString message = m_message->toPlainText().trimmed();
    if (!message.isEmpty()) {
        m_turns->addTurn(sb::Role::User, message);
        m_message->clear();
    }
    const auto turns = m_turns->turns();
    if (turns.empty() || turns.back().role != sb::Role::User) {
        showStatus(tr("Write a user message to send."));
        return;
    }
    sb::ChatRequest request;
    request.source = "gui";
    if (!systemPrompt().trimmed().isEmpty()) request.messages.push_back({sb::Role::System, systemPrompt().toStdString()});
    for (const auto& turn : turns) request.messages.push_back({turn.role, turn.text});
    if (m_temperature->value() >= 0) request.temperature = m_temperature->value();
    if (m_maxTokens->value() > 0) request.max_tokens = m_maxTokens->value();
    request.stream = m_stream->isChecked();
    request.cache_policy = cachePolicy();
    request.extra_headers = m_extraHeaders;
    // A saved conversation stays on one target while it is healthy (sticky routing).
    if (m_currentId > 0) request.conversation_id = "playground-" + std::to_string(m_currentId);

    showStatus({});
    for (int i = kMaxPanes - 1; i >= m_activePanes; --i) m_panes[i]->clear();
    m_pendingPanes = m_activePanes;
    for (int i = 0; i < m_activePanes; ++i) m_panes[i]->start(request);
    updateBusy();
}

void PlaygroundPage::stop() {
    for (AnswerPane* pane : m_panes) pane->stop();
}

void PlaygroundPage::paneFinished() {
    if (m_pendingPanes > 0 && --m_pendingPanes > 0) return;
    // The first pane's answer continues the conversation; compared answers stay side by side.
    const auto& result = m_panes[0]->result();
    if (result && result->ok()) m_turns->addTurn(sb::Role::Assistant, m_panes[0]->answerText());
    else if (result) showStatus(tr("No answer: %1").arg(QString::fromStdString(result->outcome.error().message)));
    updateBusy();
    saveConversation();
    emit answered();
}

bool PlaygroundPage::busy() const {
    return std::any_of(m_panes.begin(), m_panes.end(), [](const AnswerPane* p) { return p->busy(); });
}

void PlaygroundPage::updateBusy() {
    const bool running = busy();
    m_send->setEnabled(!running);
    m_stop->setEnabled(running);
    m_compare->setEnabled(!running);
    const bool stored = m_repository != nullptr;
    m_conversations->setEnabled(stored && !running);
    m_new->setEnabled(!running);
    m_save->setEnabled(stored);
    m_delete->setEnabled(stored && !running);
}

QString PlaygroundPage::answerText(int pane) const {
    return pane >= 0 && pane < kMaxPanes ? m_panes[pane]->answerText() : QString();
}

QString PlaygroundPage::details(int pane) const {
    return pane >= 0 && pane < kMaxPanes ? m_panes[pane]->detailsText() : QString();
}

sb::Conversation PlaygroundPage::currentConversation() const {
    sb::Conversation c;
    c.id = m_currentId;
    c.system_prompt = systemPrompt().toStdString();
    c.turns = m_turns->turns();
    c.provider = m_panes[0]->provider().toStdString();
    c.model = m_panes[0]->model().toStdString();
    if (m_temperature->value() >= 0) c.temperature = m_temperature->value();
    if (m_maxTokens->value() > 0) c.max_tokens = m_maxTokens->value();
    c.stream = m_stream->isChecked();
    c.title = titleFor(c).toStdString();
    return c;
}

void PlaygroundPage::applyConversation(const sb::Conversation& c) {
    m_currentId = c.id;
    setSystemPrompt(QString::fromStdString(c.system_prompt));
    m_turns->setTurns(c.turns);
    m_message->clear();
    m_panes[0]->setTarget(QString::fromStdString(c.provider), QString::fromStdString(c.model));
    setTemperature(c.temperature);
    setMaxTokens(c.max_tokens);
    setStreaming(c.stream);
    for (AnswerPane* pane : m_panes) pane->clear();
}

void PlaygroundPage::saveConversation() {
    if (!m_repository) return;
    // Until the first save returns, the conversation has no id: a second save now would
    // insert a duplicate, so it waits and runs with the id.
    if (m_saveInFlight) {
        m_saveQueued = true;
        return;
    }
    m_saveInFlight = true;
    sb::Conversation sent = currentConversation();
    m_repository->save(sent, [this, sent](const sb::StoreResult<sb::Conversation>& saved) {
        m_saveInFlight = false;
        if (saved) {
            m_currentId = saved->id;
            rememberCurrent();
            refreshList();
            // The editor keeps what was typed; say so when the saved copy differs from it.
            if (saved->turns != sent.turns || saved->system_prompt != sent.system_prompt)
                showStatus(tr("Saved with personal data and keys masked (privacy.redact_history)."));
            emit conversationSaved(saved->id);
        } else {
            showStatus(tr("Could not save the conversation: %1").arg(storeMessage(saved.error())));
        }
        if (m_saveQueued) {
            m_saveQueued = false;
            saveConversation();
        }
    });
}

void PlaygroundPage::loadConversation(std::int64_t id) {
    if (!m_repository || busy()) return;
    const quint64 generation = ++m_loadGeneration;
    m_repository->load(id, [this, id, generation](const sb::StoreResult<std::optional<sb::Conversation>>& loaded) {
        if (generation != m_loadGeneration) return;  // the user moved on (New, Send, another load)
        if (!loaded) {
            showStatus(tr("Could not open the conversation: %1").arg(storeMessage(loaded.error())));
            return;
        }
        if (!loaded->has_value()) {
            showStatus(tr("Conversation %1 is no longer saved.").arg(id));
            return;
        }
        applyConversation(**loaded);
        rememberCurrent();
        refreshList();
        emit conversationLoaded(id);
    });
}

void PlaygroundPage::newConversation() {
    if (busy()) return;
    ++m_loadGeneration;
    applyConversation(sb::Conversation{});
    setAutomaticTarget();
    rememberCurrent();
    refreshList();
}

void PlaygroundPage::deleteConversation() {
    if (!m_repository || busy()) return;
    if (m_currentId == 0) {
        newConversation();
        return;
    }
    m_repository->remove(m_currentId, [this](const sb::StoreResult<bool>& removed) {
        if (!removed) showStatus(tr("Could not delete the conversation: %1").arg(storeMessage(removed.error())));
        else newConversation();
    });
}

void PlaygroundPage::rememberCurrent() {
    QSettings settings;
    if (m_currentId > 0) settings.setValue(QLatin1String(kCurrentKey), qint64(m_currentId));
    else settings.remove(QLatin1String(kCurrentKey));
}

void PlaygroundPage::refreshList() {
    if (!m_repository) return;
    m_repository->list([this](const sb::StoreResult<std::vector<sb::ConversationSummary>>& rows) {
        if (!rows) {
            showStatus(tr("Could not list conversations: %1").arg(storeMessage(rows.error())));
            return;
        }
        const QSignalBlocker block(m_conversations);
        m_conversations->clear();
        if (m_currentId == 0) m_conversations->addItem(tr("New conversation"), qint64(0));
        for (const auto& row : *rows) m_conversations->addItem(QString::fromStdString(row.title), qint64(row.id));
        m_conversations->setCurrentIndex(std::max(0, m_conversations->findData(qint64(m_currentId))));
    });
}

void PlaygroundPage::showStatus(const QString& text) { m_status->setText(text); }
