#include "metrics/latency_histogram.h"

#include <algorithm>
#include <cmath>

namespace sb {

namespace {
constexpr double kBaseMs = 0.01;  // 10 µs: anything faster lands in bucket 0
constexpr double kGrowth = 1.04;
const double kLogGrowth = std::log(kGrowth);
constexpr std::uint16_t kMaxBucket = 700;  // 0.01 ms · 1.04^700 ≈ 8.7 h

std::uint16_t bucket_of(double ms) {
    if (!(ms > kBaseMs)) return 0;
    const double index = std::floor(std::log(ms / kBaseMs) / kLogGrowth);
    return static_cast<std::uint16_t>(std::min<double>(index, kMaxBucket));
}

double middle_of(std::uint16_t bucket) {
    return kBaseMs * std::pow(kGrowth, bucket + 0.5);
}
}  // namespace

void LatencyHistogram::add(double ms, std::uint64_t count) { add_to_bucket(bucket_of(ms), count); }

void LatencyHistogram::add_to_bucket(std::uint16_t bucket, std::uint64_t count) {
    if (count == 0) return;
    bucket = std::min(bucket, kMaxBucket);
    auto it = std::lower_bound(m_buckets.begin(), m_buckets.end(), bucket,
                               [](const auto& entry, std::uint16_t b) { return entry.first < b; });
    if (it != m_buckets.end() && it->first == bucket) it->second += count;
    else m_buckets.insert(it, {bucket, count});
    m_count += count;
}

void LatencyHistogram::merge(const LatencyHistogram& other) {
    if (other.m_buckets.empty()) return;
    std::vector<std::pair<std::uint16_t, std::uint64_t>> merged;
    merged.reserve(m_buckets.size() + other.m_buckets.size());
    auto a = m_buckets.cbegin();
    auto b = other.m_buckets.cbegin();
    while (a != m_buckets.cend() || b != other.m_buckets.cend()) {
        if (b == other.m_buckets.cend() || (a != m_buckets.cend() && a->first < b->first)) merged.push_back(*a++);
        else if (a == m_buckets.cend() || b->first < a->first) merged.push_back(*b++);
        else {
            merged.emplace_back(a->first, a->second + b->second);
            ++a;
            ++b;
        }
    }
    m_buckets = std::move(merged);
    m_count += other.m_count;
}

double LatencyHistogram::bucket_value(std::uint16_t bucket) { return middle_of(bucket); }

double LatencyHistogram::quantile(double q) const {
    if (m_count == 0) return 0;
    const auto rank = static_cast<std::uint64_t>(std::ceil(std::clamp(q, 0.0, 1.0) * static_cast<double>(m_count)));
    std::uint64_t seen = 0;
    for (const auto& [bucket, count] : m_buckets) {
        seen += count;
        if (seen >= std::max<std::uint64_t>(rank, 1)) return middle_of(bucket);
    }
    return middle_of(m_buckets.back().first);
}

}  // namespace sb
