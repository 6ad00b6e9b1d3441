#include "answer_pane.h"

#include <QComboBox>
#include <QFontDatabase>
#include <QLabel>
#include <QPlainTextEdit>
#include <QVBoxLayout>

#include <algorithm>

#include "answer_details.h"
#include "engine_bridge.h"

namespace {
// Item data of a target: {provider, model}; an empty list is automatic routing.
QStringList targetData(const QString& provider, const QString& model) {
    return provider.isEmpty() ? QStringList() : QStringList{provider, model};
}
}  // namespace

AnswerPane::AnswerPane(EngineBridge& bridge, QWidget* parent)
    : QWidget(parent),
      m_bridge(bridge),
      m_target(new QComboBox(this)),
      m_answer(new QPlainTextEdit(this)),
      m_details(new QLabel(this)) {
    m_target->setToolTip(tr("Where this answer is requested"));
    m_answer->setReadOnly(true);
    m_answer->setPlaceholderText(tr("The answer appears here"));
    m_details->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_details->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_details->setWordWrap(true);
    m_details->setAlignment(Qt::AlignTop | Qt::AlignLeft);

    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_target);
    layout->addWidget(m_answer, 3);
    layout->addWidget(m_details, 1);
    fillTargets();
    connect(&m_bridge, &EngineBridge::providersChanged, this, [this] {
        const QString provider = this->provider(), model = this->model();
        m_target->clear();
        fillTargets();
        if (!provider.isEmpty()) setTarget(provider, model);
    });
}

AnswerPane::~AnswerPane() {
    // Nobody will read the answer: free the engine's slot instead of letting it run on.
    stop();
}

void AnswerPane::fillTargets() {
    m_target->addItem(tr("Automatic routing"), QStringList());
    for (const auto& p : m_bridge.providers()) {
        std::vector<std::string> models = p.models;
        if (!p.default_model.empty() && std::find(models.begin(), models.end(), p.default_model) == models.end())
            models.insert(models.begin(), p.default_model);
        const QString provider = QString::fromStdString(p.name);
        for (const auto& m : models) {
            const QString model = QString::fromStdString(m);
            m_target->addItem(provider + QStringLiteral(" / ") + model, targetData(provider, model));
        }
    }
}

void AnswerPane::setTarget(const QString& provider, const QString& model) {
    const QStringList data = targetData(provider, model);
    int index = m_target->findData(data);
    if (index < 0) {  // e.g. a saved conversation naming a model no longer configured
        m_target->addItem(provider + QStringLiteral(" / ") + model, data);
        index = m_target->count() - 1;
    }
    m_target->setCurrentIndex(index);
}

QString AnswerPane::provider() const {
    const QStringList data = m_target->currentData().toStringList();
    return data.isEmpty() ? QString() : data.at(0);
}

QString AnswerPane::model() const {
    const QStringList data = m_target->currentData().toStringList();
    return data.size() < 2 ? QString() : data.at(1);
}

void AnswerPane::start(sb::ChatRequest request) {
    stop();
    clear();
    request.provider = provider().toStdString();
    request.model = model().toStdString();
    m_prediction.reset();
    m_details->setText(tr("Waiting for the answer…"));
    m_target->setEnabled(false);
    // A stopped request still reports once; the generation keeps it out of the next answer.
    const quint64 generation = ++m_generation;
    m_bridge.api().predict(request, EngineBridge::onThreadOf<sb::TokenPrediction>(this, [this, generation](auto predicted) {
        if (generation != m_generation || !predicted || m_result) return;  // late: the answer is in
        m_prediction = std::move(*predicted);
        m_details->setText(tr("Waiting for the answer… predicted %1").arg(formatPrediction(*m_prediction)));
    }));
    m_requestId = m_bridge.submit(
        std::move(request), this,
        [this, generation](const QString& text) {
            if (generation != m_generation) return;
            m_answer->moveCursor(QTextCursor::End);
            m_answer->insertPlainText(text);
            emit answerUpdated();
        },
        [this, generation](const sb::RequestResult& result) {
            if (generation == m_generation) finish(result);
        });
}

void AnswerPane::finish(const sb::RequestResult& result) {
    m_requestId.clear();
    m_target->setEnabled(true);
    m_result = result;
    // The final content is authoritative (a stream's deltas are coalesced, never lost, but a
    // non-streamed answer arrives only here).
    if (result.ok() && !result.outcome->content.empty()) {
        const QString content = QString::fromStdString(result.outcome->content);
        if (content != m_answer->toPlainText()) m_answer->setPlainText(content);
    }
    m_details->setText(formatAnswerDetails(result, m_prediction));
    emit answerUpdated();
    emit finished();
}

void AnswerPane::stop() {
    if (!m_requestId.isEmpty()) m_bridge.cancel(m_requestId);
}

void AnswerPane::clear() {
    m_answer->clear();
    m_details->clear();
    m_result.reset();
}

QString AnswerPane::answerText() const { return m_answer->toPlainText(); }
QString AnswerPane::detailsText() const { return m_details->text(); }
