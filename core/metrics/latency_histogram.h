#pragma once
// Log-bucketed latency histogram: bucket i covers [base·g^i, base·g^(i+1)) with g = 1.04,
// so any quantile is within about 2% of the true value. Sparse (only used buckets are
// stored) and mergeable, so percentiles over any window are a merge of its seconds.
#include <cstdint>
#include <utility>
#include <vector>

namespace sb {

class LatencyHistogram {
public:
    void add(double ms, std::uint64_t count = 1);
    // `count` more in bucket `bucket` (clamped to the last): how a histogram sent over the wire is rebuilt.
    void add_to_bucket(std::uint16_t bucket, std::uint64_t count);
    void merge(const LatencyHistogram& other);
    std::uint64_t count() const { return m_count; }
    // q in [0, 1]; 0 when empty. Returns the geometric middle of the bucket holding q.
    double quantile(double q) const;

    // Read access for mixtures (what-if): (bucket, count) sorted by bucket, and a bucket's value.
    const std::vector<std::pair<std::uint16_t, std::uint64_t>>& buckets() const { return m_buckets; }
    static double bucket_value(std::uint16_t bucket);

private:
    std::vector<std::pair<std::uint16_t, std::uint64_t>> m_buckets;  // sorted by bucket index
    std::uint64_t m_count = 0;
};

}  // namespace sb
