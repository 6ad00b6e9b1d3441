#pragma once
// The console's types as JSON: what a gateway's admin API sends and a remote console reads.
// One format both ways — encode() on one side, decode() on the other — so the two cannot
// drift apart. Histograms travel as their buckets, never as percentiles, so a console merges
// seconds, windows and instances exactly. Secrets never travel: a provider goes without its
// key, a gateway key without its hash.
//
// decode<T>() names the field that was wrong ("stats.providers[0].in_flight: …").
#include <expected>
#include <nlohmann/json.hpp>
#include <string>

namespace sb::wire {

template <class T>
nlohmann::json encode(const T& value);

template <class T>
std::expected<T, std::string> decode(const nlohmann::json& json);

}  // namespace sb::wire
