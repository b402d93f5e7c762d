// Tests of FrameCache: memory budget, LRU eviction, read-behind around the playhead, frames
// equal to direct decoding, concurrent use.
#include <QtTest/QtTest>

#include <filesystem>
#include <thread>

#include "IoTestUtil.h"
#include "core/common/Error.h"
#include "core/io/FrameCache.h"
#include "core/io/VideoReader.h"

namespace fs = std::filesystem;
using namespace vf::io;
using namespace iotest;

class TestIoCache : public QObject {
    Q_OBJECT
private:
    std::vector<uint64_t> ref_; // hashes of every demo visible frame, sequential decode
    const size_t frameBytes_ = 640 * 480 * 3;

private Q_SLOTS:
    void initTestCase() {
        VideoReader r(demoVis());
        cv::Mat m;
        while (r.nextInto(m))
            ref_.push_back(hashMat(m));
        QCOMPARE(ref_.size(), size_t(60));
    }

    void budgetRespected() {
        FrameCache cache(10 * frameBytes_);
        cache.setPrefetch(false);
        const auto id = cache.addStream(std::make_unique<VideoReader>(demoVis()));
        for (int i = 0; i < 30; ++i) {
            FramePtr f = cache.get(id, i);
            QCOMPARE(hashMat(*f), ref_[size_t(i)]);
            const auto s = cache.stats();
            QVERIFY(s.bytesUsed <= s.budgetBytes);
        }
        const auto s = cache.stats();
        QCOMPARE(s.frames, size_t(10));
        QCOMPARE(s.bytesUsed, 10 * frameBytes_);
        QCOMPARE(s.evictions, uint64_t(20));
        QCOMPARE(s.misses, uint64_t(30));
        QCOMPARE(s.hits, uint64_t(0));
        // shrinking the budget evicts at once
        cache.setBudget(4 * frameBytes_ + 100);
        QCOMPARE(cache.stats().frames, size_t(4));
        QVERIFY(cache.stats().bytesUsed <= 4 * frameBytes_ + 100);
        // the four most recent frames survived
        for (int i = 26; i < 30; ++i)
            QVERIFY(cache.peek(id, i) != nullptr);
        QVERIFY(cache.peek(id, 25) == nullptr);
    }

    void lruEviction() {
        FrameCache cache(3 * frameBytes_);
        cache.setPrefetch(false);
        const auto id = cache.addStream(std::make_unique<VideoReader>(demoVis()));
        cache.get(id, 0);
        cache.get(id, 1);
        cache.get(id, 2);
        cache.get(id, 0); // touch 0: 1 is now least recently used
        QCOMPARE(cache.stats().hits, uint64_t(1));
        cache.get(id, 3);
        QVERIFY(cache.peek(id, 1) == nullptr);
        QVERIFY(cache.peek(id, 0) != nullptr);
        QVERIFY(cache.peek(id, 2) != nullptr);
        QVERIFY(cache.peek(id, 3) != nullptr);
        // a frame held by a consumer stays valid after eviction (immutable shared buffer)
        FramePtr held = cache.get(id, 2);
        for (int i = 10; i < 14; ++i)
            cache.get(id, i);
        QVERIFY(cache.peek(id, 2) == nullptr);
        QCOMPARE(hashMat(*held), ref_[2]);
    }

    void readBehindMakesSteppingBackHit() {
        FrameCache cache(256 * frameBytes_);
        cache.setWindow(4, 24);
        const auto id = cache.addStream(std::make_unique<VideoReader>(demoVis()));
        QCOMPARE(hashMat(*cache.get(id, 50)), ref_[50]);
        cache.setPlayhead(id, 50, +1);
        cache.waitIdle();
        cache.resetCounters();
        for (int i = 49; i >= 26; --i) {
            FramePtr f = cache.get(id, i);
            QCOMPARE(hashMat(*f), ref_[size_t(i)]);
        }
        const auto s = cache.stats();
        QCOMPARE(s.misses, uint64_t(0));
        QCOMPARE(s.hits, uint64_t(24));
        // read-ahead filled the other side too
        for (int i = 51; i <= 54; ++i)
            QVERIFY(cache.peek(id, i) != nullptr);
        QVERIFY(cache.peek(id, 55) == nullptr);
    }

    void withoutPrefetchSteppingBackMisses() {
        FrameCache cache(256 * frameBytes_);
        cache.setPrefetch(false);
        const auto id = cache.addStream(std::make_unique<VideoReader>(demoVis()));
        cache.get(id, 50);
        cache.setPlayhead(id, 50, +1);
        cache.waitIdle();
        cache.resetCounters();
        for (int i = 49; i >= 40; --i)
            cache.get(id, i);
        QCOMPARE(cache.stats().misses, uint64_t(10));
    }

    void playingBackwardsPrefetchesBelow() {
        FrameCache cache(256 * frameBytes_);
        cache.setWindow(8, 2);
        const auto id = cache.addStream(std::make_unique<VideoReader>(demoVis()));
        cache.setPlayhead(id, 30, -1);
        cache.waitIdle();
        for (int i = 22; i <= 32; ++i) {
            FramePtr f = cache.peek(id, i);
            QVERIFY2(f != nullptr, qPrintable(QString::number(i)));
            QCOMPARE(hashMat(*f), ref_[size_t(i)]);
        }
    }

    void concurrentConsumers() {
        FrameCache cache(20 * frameBytes_);
        const auto a = cache.addStream(std::make_unique<VideoReader>(demoVis()));
        const auto b = cache.addStream(std::make_unique<VideoReader>(demoIr()));
        std::vector<uint64_t> refIr;
        {
            VideoReader r(demoIr());
            cv::Mat m;
            while (r.nextInto(m))
                refIr.push_back(hashMat(m));
        }
        std::atomic<int> bad{0};
        std::vector<std::thread> threads;
        for (int t = 0; t < 4; ++t)
            threads.emplace_back([&, t] {
                uint32_t x = 1234u + uint32_t(t);
                for (int k = 0; k < 40; ++k) {
                    x = x * 1664525u + 1013904223u;
                    const int i = int((x >> 8) % 60);
                    if (t % 2 == 0) {
                        if (hashMat(*cache.get(a, i)) != ref_[size_t(i)]) ++bad;
                        cache.setPlayhead(a, i, (k % 2) ? 1 : -1);
                    } else {
                        if (hashMat(*cache.get(b, i)) != refIr[size_t(i)]) ++bad;
                        cache.setPlayhead(b, i, 1);
                    }
                }
            });
        for (auto& th : threads)
            th.join();
        cache.waitIdle();
        QCOMPARE(bad.load(), 0);
        QVERIFY(cache.stats().bytesUsed <= 20 * frameBytes_);
        cache.removeStream(a);
        QVERIFY_THROWS_EXCEPTION(vf::Error, cache.get(a, 0));
        QCOMPARE(hashMat(*cache.get(b, 5)), refIr[5]);
    }
};

QTEST_GUILESS_MAIN(TestIoCache)
#include "test_io_cache.moc"
