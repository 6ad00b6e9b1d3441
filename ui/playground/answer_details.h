#pragma once
// The details shown under one playground answer: who answered, how long each phase took,
// tokens, cost and every attempt with the error it met. Plain text, one fact per line.
#include <QString>

#include <optional>

#include "engine/request_result.h"
#include "engine/token_prediction.h"

// `prediction`: the token count made before sending, shown beside what the provider reported.
QString formatAnswerDetails(const sb::RequestResult& result, const std::optional<sb::TokenPrediction>& prediction = {});
QString formatPrediction(const sb::TokenPrediction& prediction);
