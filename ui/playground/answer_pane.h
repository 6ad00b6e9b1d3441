#pragma once
// One answer column of the playground: its target, the answer streaming in, and the details
// of the request that produced it. Compare mode shows two or three of these side by side,
// each running its own request.
#include <QString>
#include <QWidget>

#include <optional>

#include "engine/request_result.h"
#include "engine/token_prediction.h"

class EngineBridge;
class QComboBox;
class QLabel;
class QPlainTextEdit;

class AnswerPane final : public QWidget {
    Q_OBJECT
public:
    AnswerPane(EngineBridge& bridge, QWidget* parent = nullptr);
    ~AnswerPane() override;

    // An empty provider selects automatic routing; an empty model, the provider's default.
    void setTarget(const QString& provider, const QString& model);
    QString provider() const;
    QString model() const;

    // Submits `request` with this pane's target; the answer view streams the deltas.
    void start(sb::ChatRequest request);
    void stop();
    void clear();
    bool busy() const { return !m_requestId.isEmpty(); }

    QString answerText() const;
    QString detailsText() const;
    const std::optional<sb::RequestResult>& result() const { return m_result; }

signals:
    void answerUpdated();
    void finished();

private:
    void fillTargets();
    void finish(const sb::RequestResult& result);

    EngineBridge& m_bridge;
    QComboBox* m_target = nullptr;
    QPlainTextEdit* m_answer = nullptr;
    QLabel* m_details = nullptr;
    QString m_requestId;
    quint64 m_generation = 0;
    std::optional<sb::RequestResult> m_result;
    std::optional<sb::TokenPrediction> m_prediction;  // made before sending
};
