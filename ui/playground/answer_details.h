#pragma once
// The details shown under one playground answer: who answered, how long each phase took,
// tokens, cost and every attempt with the error it met. Plain text, one fact per line.
#include <QString>

#include "engine/request_result.h"

QString formatAnswerDetails(const sb::RequestResult& result);
