// The semantic cache's index: the nearest neighbour against brute force among 1000 random
// unit vectors, replacing a key's vector, eviction of the oldest entry when full (with the
// graph's slots reused), TTL expiry, refused vectors (wrong dimension, zero, NaN), adds and
// lookups from four threads at once, and scopes that never see each other's entries.
#include <QtTest>

#include <cmath>
#include <random>
#include <thread>

#include "cache/semantic_index.h"

using namespace sb;
using namespace std::chrono_literals;

namespace {

const SemanticIndex::Clock::time_point kStart{std::chrono::hours(480'000)};

std::vector<float> axis(std::size_t dimensions, std::size_t i, float length = 1) {
    std::vector<float> vector(dimensions, 0.0f);
    vector[i] = length;
    return vector;
}

std::vector<float> sum(std::vector<float> a, const std::vector<float>& b) {
    for (std::size_t i = 0; i < a.size(); ++i) a[i] += b[i];
    return a;
}

std::vector<float> random_unit(std::mt19937& rng, std::size_t dimensions) {
    std::normal_distribution<float> normal;
    std::vector<float> vector(dimensions);
    double squares = 0;
    for (auto& value : vector) {
        value = normal(rng);
        squares += double(value) * value;
    }
    for (auto& value : vector) value = float(value / std::sqrt(squares));
    return vector;
}

double dot(const std::vector<float>& a, const std::vector<float>& b) {
    double total = 0;
    for (std::size_t i = 0; i < a.size(); ++i) total += double(a[i]) * b[i];
    return total;
}

// The match of a lookup that must not be refused.
std::optional<SemanticMatch> match(SemanticIndex& index, const std::vector<float>& vector,
                                   SemanticIndex::Clock::time_point now = kStart) {
    auto found = index.nearest(vector, now);
    if (!found) qFatal("nearest refused: %s", found.error().c_str());
    return *found;
}

std::string key_of(const std::optional<SemanticMatch>& found) { return found ? found->key : "(none)"; }

}  // namespace

class TestSemanticIndex : public QObject {
    Q_OBJECT

private slots:
    void nearestAgreesWithBruteForce() {
        constexpr std::size_t kDimensions = 32;
        std::mt19937 rng(20261207);
        SemanticIndex index(kDimensions, 2000, 1h);
        std::vector<std::vector<float>> stored;
        for (int i = 0; i < 1000; ++i) {
            stored.push_back(random_unit(rng, kDimensions));
            // Stored at another length: the index normalises what it is given.
            auto longer = stored.back();
            for (auto& value : longer) value *= 3.5f;
            QVERIFY(index.add("k" + std::to_string(i), longer, kStart));
        }
        QCOMPARE(index.size(), std::size_t(1000));

        // Queries anywhere: HNSW is approximate, so a rare miss may find a next-best neighbour.
        int agreed = 0;
        constexpr int kQueries = 300;
        for (int q = 0; q < kQueries; ++q) {
            const auto query = random_unit(rng, kDimensions);
            std::size_t best = 0;
            for (std::size_t i = 1; i < stored.size(); ++i)
                if (dot(query, stored[i]) > dot(query, stored[best])) best = i;
            const auto found = match(index, query);
            QVERIFY(found);
            const auto found_index = std::stoul(found->key.substr(1));
            QVERIFY(std::abs(found->similarity - dot(query, stored[found_index])) < 1e-5);
            QVERIFY(found->similarity > dot(query, stored[best]) - 0.05);
            if (found_index == best) ++agreed;
        }
        QVERIFY2(agreed >= kQueries * 98 / 100, qPrintable(QString("%1 of %2 agreed").arg(agreed).arg(kQueries)));

        // Queries near a stored vector, as a paraphrase is near its question: always found.
        for (std::size_t i = 0; i < stored.size(); i += 5) {
            auto near = stored[i];
            const auto noise = random_unit(rng, kDimensions);
            for (std::size_t d = 0; d < kDimensions; ++d) near[d] += 0.4f * noise[d];
            QCOMPARE(key_of(match(index, near)), "k" + std::to_string(i));
        }
    }

    void addingAKeyAgainReplacesItsVector() {
        SemanticIndex index(4, 10, 1h);
        QVERIFY(index.add("a", axis(4, 0), kStart));
        QVERIFY(index.add("b", sum(axis(4, 0), axis(4, 1)), kStart));
        QVERIFY(index.add("a", axis(4, 2), kStart + 1s));
        QCOMPARE(index.size(), std::size_t(2));

        const auto moved = match(index, axis(4, 2));
        QCOMPARE(key_of(moved), std::string("a"));
        QVERIFY(std::abs(moved->similarity - 1.0) < 1e-6);
        const auto old_place = match(index, axis(4, 0));  // a is no longer there
        QCOMPARE(key_of(old_place), std::string("b"));
        QVERIFY(std::abs(old_place->similarity - std::sqrt(0.5)) < 1e-6);
    }

    void aFullIndexEvictsTheOldest() {
        SemanticIndex index(8, 3, 1h);
        for (int i = 0; i < 3; ++i) QVERIFY(index.add("k" + std::to_string(i), axis(8, i), kStart + i * 1s));
        QVERIFY(index.add("k3", axis(8, 3), kStart + 3s));
        QCOMPARE(index.size(), std::size_t(3));
        QVERIFY(key_of(match(index, axis(8, 0))) != "k0");
        QCOMPARE(key_of(match(index, axis(8, 1))), std::string("k1"));

        // Adding k1 again renews its age: k2 is now the oldest, and goes next.
        QVERIFY(index.add("k1", axis(8, 1), kStart + 4s));
        QCOMPARE(index.size(), std::size_t(3));
        QVERIFY(index.add("k4", axis(8, 4), kStart + 5s));
        QVERIFY(key_of(match(index, axis(8, 2))) != "k2");
        QCOMPARE(key_of(match(index, axis(8, 1))), std::string("k1"));
        QCOMPARE(key_of(match(index, axis(8, 3))), std::string("k3"));

        QVERIFY(index.remove("k3"));
        QVERIFY(!index.remove("k3"));
        QCOMPARE(index.size(), std::size_t(2));
        QVERIFY(key_of(match(index, axis(8, 3))) != "k3");
    }

    void evictedSlotsAreReused() {
        // Thousands of keys through ten slots: the graph keeps its size, and every new entry is
        // found where it was put.
        constexpr std::size_t kDimensions = 16;
        std::mt19937 rng(7);
        SemanticIndex index(kDimensions, 10, 1h);
        for (int i = 0; i < 3000; ++i) {
            const auto vector = random_unit(rng, kDimensions);
            QVERIFY(index.add("k" + std::to_string(i), vector, kStart + i * 1ms));
            const auto found = match(index, vector, kStart + i * 1ms);
            QCOMPARE(key_of(found), "k" + std::to_string(i));
            QVERIFY(found->similarity > 0.9999);
        }
        QCOMPARE(index.size(), std::size_t(10));
        index.clear();
        QCOMPARE(index.size(), std::size_t(0));
        QVERIFY(!match(index, axis(kDimensions, 0)));
    }

    void entriesExpireAfterTheTtl() {
        SemanticIndex index(4, 10, 60s);
        QVERIFY(index.add("early", axis(4, 0), kStart));
        QVERIFY(index.add("later", sum(axis(4, 0), axis(4, 1)), kStart + 30s));
        QCOMPARE(key_of(match(index, axis(4, 0), kStart + 59s)), std::string("early"));
        QCOMPARE(key_of(match(index, axis(4, 0), kStart + 60s)), std::string("later"));  // early has expired
        QCOMPARE(index.size(), std::size_t(1));                                            // and is gone
        QVERIFY(!match(index, axis(4, 0), kStart + 90s));
        QCOMPARE(index.size(), std::size_t(0));

        // An entry added with an earlier clock reading than the last one still expires in time.
        QVERIFY(index.add("b", axis(4, 1), kStart + 200s));
        QVERIFY(index.add("a", axis(4, 2), kStart + 100s));
        QCOMPARE(key_of(match(index, axis(4, 2), kStart + 170s)), std::string("b"));
    }

    void refusesVectorsItCannotCompare() {
        SemanticIndex index(8, 10, 1h);
        const auto shorter = index.add("k", std::vector<float>(7, 1.0f), kStart);
        QVERIFY(!shorter);
        QVERIFY2(shorter.error().find("7 dimensions, the index 8") != std::string::npos, shorter.error().c_str());
        const auto longer = index.nearest(std::vector<float>(9, 1.0f), kStart);
        QVERIFY(!longer);
        QVERIFY2(longer.error().find("9 dimensions") != std::string::npos, longer.error().c_str());
        const auto zero = index.add("k", std::vector<float>(8, 0.0f), kStart);
        QVERIFY(!zero);
        QVERIFY2(zero.error().find("zero vector") != std::string::npos, zero.error().c_str());
        QVERIFY(!index.nearest(std::vector<float>(8, 0.0f), kStart));
        auto not_a_number = axis(8, 0);
        not_a_number[3] = std::nanf("");
        QVERIFY(!index.add("k", not_a_number, kStart));
        QVERIFY(!index.add("k", std::vector<float>{}, kStart));
        QCOMPARE(index.size(), std::size_t(0));

        SemanticIndexSet set(8, 10, 1h, 4);  // refused too where the scope has no index yet
        QVERIFY(!set.nearest("nowhere", std::vector<float>(3, 1.0f), kStart));
        QVERIFY(!set.add("new", "k", std::vector<float>(8, 0.0f), kStart));
        QCOMPARE(set.scopes(), std::size_t(0));
    }

    void concurrentAddsAndLookups() {
        constexpr std::size_t kDimensions = 32;
        SemanticIndex index(kDimensions, 500, 1h);
        std::atomic<int> refused = 0;
        std::vector<std::thread> threads;
        for (int t = 0; t < 4; ++t)
            threads.emplace_back([&index, &refused, t] {
                std::mt19937 rng(t);
                for (int i = 0; i < 3000; ++i) {
                    const auto vector = random_unit(rng, kDimensions);
                    const auto now = SemanticIndex::Clock::now();
                    const std::string key = "k" + std::to_string((i * 7 + t) % 800);  // more keys than slots
                    if (i % 3 == 0) {
                        if (!index.add(key, vector, now)) ++refused;
                    } else if (i % 17 == 0) {
                        index.remove(key);
                    } else if (!index.nearest(vector, now)) {
                        ++refused;
                    }
                }
            });
        for (auto& thread : threads) thread.join();
        QCOMPARE(refused.load(), 0);
        QVERIFY(index.size() > 0);
        QVERIFY(index.size() <= index.capacity());
    }

    void scopesNeverSeeEachOther() {
        const auto shop_fast = semantic_scope("You are the shop's assistant.", "fast", "gpt-4o-mini");
        const auto shop_smart = semantic_scope("You are the shop's assistant.", "smart", "gpt-4o-mini");
        const auto other_prompt = semantic_scope("You are a translator.", "fast", "gpt-4o-mini");
        const auto other_model = semantic_scope("You are the shop's assistant.", "fast", "gpt-4o");
        QCOMPARE(shop_fast, semantic_scope("You are the shop's assistant.", "fast", "gpt-4o-mini"));
        QVERIFY(shop_fast != shop_smart && shop_fast != other_prompt && shop_fast != other_model);
        QVERIFY(semantic_scope("ab", "c", "d") != semantic_scope("a", "bc", "d"));  // the parts stay apart

        SemanticIndexSet set(4, 10, 1h, 2);
        QVERIFY(set.add(shop_fast, "refund", axis(4, 0), kStart));
        QCOMPARE(key_of(*set.nearest(shop_fast, axis(4, 0), kStart)), std::string("refund"));
        QVERIFY(!*set.nearest(shop_smart, axis(4, 0), kStart));
        QVERIFY(set.add(shop_smart, "parcel", axis(4, 1), kStart));
        QCOMPARE(key_of(*set.nearest(shop_smart, axis(4, 0), kStart)), std::string("parcel"));  // its own only
        QCOMPARE(set.size(), std::size_t(2));

        // A third scope pushes out the least recently used one (shop_smart: shop_fast was looked up last).
        QVERIFY(set.nearest(shop_fast, axis(4, 0), kStart));
        QVERIFY(set.add(other_prompt, "translate", axis(4, 2), kStart));
        QCOMPARE(set.scopes(), std::size_t(2));
        QVERIFY(!*set.nearest(shop_smart, axis(4, 1), kStart));
        QCOMPARE(key_of(*set.nearest(shop_fast, axis(4, 0), kStart)), std::string("refund"));

        QVERIFY(set.remove(shop_fast, "refund"));
        QVERIFY(!set.remove(shop_smart, "parcel"));
        QCOMPARE(set.size(), std::size_t(1));
        set.clear();
        QCOMPARE(set.scopes(), std::size_t(0));
    }
};

QTEST_APPLESS_MAIN(TestSemanticIndex)
#include "tst_semantic_index.moc"
