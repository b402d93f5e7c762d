// Fused separable symmetric filters for the SSIM / VIF moments (see SepFilter.h).
// Each output vector of 8 doubles is accumulated in registers over all taps (GCC vector
// extensions: AVX registers in the x86-64-v3 clone picked at run time, SSE2 pairs or scalars
// in the default one; same formula and order of operations, rounding may differ by an ulp
// with FMA). filterMoments works in column strips so that its ring of horizontally filtered
// rows stays in L2.
#include "core/metrics/SepFilter.h"

#include <algorithm>
#include <cstring>
#include <type_traits>

namespace vf::metrics::detail {

namespace {

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__)
#define VF_SEP_CLONES __attribute__((target_clones("arch=x86-64-v3", "default")))
#else
#define VF_SEP_CLONES
#endif

typedef double V4 __attribute__((vector_size(32)));

// (vectors by reference: passing AVX vectors by value would depend on the target's ABI)
inline void load4(V4& v, const double* p) {
    std::memcpy(&v, p, sizeof v);
}

inline void store4(double* p, const V4& v) {
    std::memcpy(p, &v, sizeof v);
}

// out[x] = k[r] c[x] + sum_{t<r} k[t] (lo_t[x] + hi_t[x]) with the taps in this order, for the
// rows of a vertical pass (row(t) = rows[t]) or the shifted views of a horizontal one
// (row(t) = in + t). x in blocks of 8 (two accumulators), then 4, then one at a time.
// NT > 0: the filter length as a constant (n is then NT), so that the tap loops unroll and
// loads shared by neighbouring taps are done once.
template <int NT, class Row>
[[gnu::always_inline]] inline void symFilter(Row row, double* __restrict out, int w,
                                             const double* k, int nRun) {
    const int n = NT > 0 ? NT : nRun;
    const int r = n / 2;
    const double kc = k[r];
    const double* c = row(r);
    int x = 0;
    V4 a0, a1, u, v;
    for (; x + 8 <= w; x += 8) {
        load4(u, c + x);
        load4(v, c + x + 4);
        a0 = kc * u;
        a1 = kc * v;
#pragma GCC unroll 16
        for (int t = 0; t < r; ++t) {
            const double kt = k[t];
            const double* lo = row(t) + x;
            const double* hi = row(n - 1 - t) + x;
            V4 l0, h0, l1, h1;
            load4(l0, lo);
            load4(h0, hi);
            load4(l1, lo + 4);
            load4(h1, hi + 4);
            a0 += kt * (l0 + h0);
            a1 += kt * (l1 + h1);
        }
        store4(out + x, a0);
        store4(out + x + 4, a1);
    }
    for (; x + 4 <= w; x += 4) {
        load4(u, c + x);
        a0 = kc * u;
#pragma GCC unroll 16
        for (int t = 0; t < r; ++t) {
            load4(u, row(t) + x);
            load4(v, row(n - 1 - t) + x);
            a0 += k[t] * (u + v);
        }
        store4(out + x, a0);
    }
    for (; x < w; ++x) {
        double a = kc * c[x];
        for (int t = 0; t < r; ++t)
            a += k[t] * (row(t)[x] + row(n - 1 - t)[x]);
        out[x] = a;
    }
}

// f(std::integral_constant<int, N>) with N = n for the metrics' filter lengths (SSIM 11, VIF 17,
// 9, 5, 3), N = 0 (the run-time length) otherwise.
template <class F> [[gnu::always_inline]] inline void withFilterLength(int n, F&& f) {
    switch (n) {
    case 3:
        f(std::integral_constant<int, 3>{});
        break;
    case 5:
        f(std::integral_constant<int, 5>{});
        break;
    case 9:
        f(std::integral_constant<int, 9>{});
        break;
    case 11:
        f(std::integral_constant<int, 11>{});
        break;
    case 17:
        f(std::integral_constant<int, 17>{});
        break;
    default:
        f(std::integral_constant<int, 0>{});
    }
}

// out[x] = sum_t k[t] in[x + t], x in [0, w), k symmetric of odd length n.
VF_SEP_CLONES void rowPass(const double* __restrict in, double* __restrict out, int w,
                           const double* k, int n) {
    const auto row = [in](int t) { return in + t; };
    withFilterLength(
        n, [&](auto N) __attribute__((always_inline)) { symFilter<N()>(row, out, w, k, n); });
}

// out[x] = sum_t k[t] rows[t][x].
VF_SEP_CLONES void colPass(const double* const* rows, double* __restrict out, int w,
                           const double* k, int n) {
    const auto row = [rows](int t) { return rows[t]; };
    withFilterLength(
        n, [&](auto N) __attribute__((always_inline)) { symFilter<N()>(row, out, w, k, n); });
}

// out[x] = sum_t k[t] in[2x + t] from the even (E[i] = in[2i]) and odd (O[i] = in[2i + 1])
// columns of the input: tap t reads E or O at x + t / 2.
VF_SEP_CLONES void rowPassEvenOdd(const double* E, const double* O, double* __restrict out, int w,
                                  const double* k, int n) {
    const auto row = [E, O](int t) { return (t % 2 ? O : E) + t / 2; };
    withFilterLength(
        n, [&](auto N) __attribute__((always_inline)) { symFilter<N()>(row, out, w, k, n); });
}

// Two output rows of colPass at once: out0 from rows[0 .. n-1], out1 from rows[1 .. n] (each
// loaded row serves both; every output has colPass's arithmetic).
template <int NT>
[[gnu::always_inline]] inline void colPass2T(const double* const* rows, double* __restrict out0,
                                             double* __restrict out1, int w, const double* k,
                                             int nRun) {
    const int n = NT > 0 ? NT : nRun;
    const int r = n / 2;
    const double kc = k[r];
    int x = 0;
    V4 a0, a1, b0, b1, u;
    for (; x + 8 <= w; x += 8) {
        load4(u, rows[r] + x);
        a0 = kc * u;
        load4(u, rows[r] + x + 4);
        a1 = kc * u;
        load4(u, rows[r + 1] + x);
        b0 = kc * u;
        load4(u, rows[r + 1] + x + 4);
        b1 = kc * u;
#pragma GCC unroll 16
        for (int t = 0; t < r; ++t) {
            const double kt = k[t];
            const double *l = rows[t] + x, *m = rows[t + 1] + x;
            const double *h = rows[n - 1 - t] + x, *g = rows[n - t] + x;
            V4 l0, l1, m0, m1, h0, h1, g0, g1;
            load4(l0, l);
            load4(l1, l + 4);
            load4(m0, m);
            load4(m1, m + 4);
            load4(h0, h);
            load4(h1, h + 4);
            load4(g0, g);
            load4(g1, g + 4);
            a0 += kt * (l0 + h0);
            a1 += kt * (l1 + h1);
            b0 += kt * (m0 + g0);
            b1 += kt * (m1 + g1);
        }
        store4(out0 + x, a0);
        store4(out0 + x + 4, a1);
        store4(out1 + x, b0);
        store4(out1 + x + 4, b1);
    }
    if (x < w) {
        symFilter<NT>([rows, x](int t) { return rows[t] + x; }, out0 + x, w - x, k, n);
        symFilter<NT>([rows, x](int t) { return rows[t + 1] + x; }, out1 + x, w - x, k, n);
    }
}

VF_SEP_CLONES void colPass2(const double* const* rows, double* __restrict out0,
                            double* __restrict out1, int w, const double* k, int n) {
    withFilterLength(
        n, [&](auto N)
               __attribute__((always_inline)) { colPass2T<N()>(rows, out0, out1, w, k, n); });
}

VF_SEP_CLONES void productRow(const double* __restrict a, const double* __restrict b,
                              double* __restrict out, int w) {
    for (int x = 0; x < w; ++x)
        out[x] = a[x] * b[x];
}

// Ring budget of filterMoments: n * K * stripWidth doubles, well inside a 512 KB L2 next to
// the rows the passes stream through.
constexpr size_t kRingBytes = 192 * 1024;

} // namespace

void filterMoments(const std::vector<const cv::Mat*>& images,
                   const std::vector<MomentChannel>& channels, const std::vector<double>& k,
                   FilterBorder border, const MomentRowFn& onRow) {
    const int n = static_cast<int>(k.size()), r = n / 2;
    const int rows = images[0]->rows, cols = images[0]->cols;
    const bool same = border == FilterBorder::Replicate;
    const int outW = same ? cols : cols - 2 * r;
    const int outH = same ? rows : rows - 2 * r;
    if (outW <= 0 || outH <= 0) return;
    const int K = static_cast<int>(channels.size());
    const int nImg = static_cast<int>(images.size());

    // strip width: a multiple of 8 (the filters' block), the ring within kRingBytes
    int stripW = static_cast<int>(kRingBytes / (sizeof(double) * size_t(n) * size_t(K)));
    stripW = std::max(32, stripW / 8 * 8);
    if (stripW >= outW) {
        stripW = outW;
    } else {
        // equal strips (fewer narrow leftovers), still multiples of 8
        const int nStrips = (outW + stripW - 1) / stripW;
        stripW = ((outW + nStrips - 1) / nStrips + 7) / 8 * 8;
    }
    const int extW = stripW + 2 * r; // input columns of one strip

    std::vector<double> ext(size_t(nImg) * extW); // strip input rows that need padding
    std::vector<double> prod(extW);
    // ring of horizontally filtered rows: per channel, slot (inputRow % (n + 1)) (n + 1 rows:
    // output rows are made two at a time). Rows are an odd number of cache lines apart, so
    // that the rows the vertical pass reads together fall into different L1 sets (with a
    // multiple of 4 KB between them they compete for the same 8 ways).
    const int slots = n + 1;
    int stride = (stripW + 7) / 8 * 8;
    if ((stride / 8) % 2 == 0) stride += 8;
    std::vector<double> ring(size_t(slots) * K * stride);
    auto ringAt = [&](int slot, int c) {
        return ring.data() + (size_t(c) * slots + slot) * stride;
    };
    std::vector<int> ringRow(slots);
    std::vector<double> out(2 * size_t(K) * stripW);
    std::vector<double*> outPtr0(K), outPtr1(K); // output rows y and y + 1, per channel
    std::vector<const double*> colRows(slots), src(nImg);
    for (int c = 0; c < K; ++c) {
        outPtr0[c] = out.data() + size_t(c) * stripW;
        outPtr1[c] = out.data() + size_t(K + c) * stripW;
    }

    for (int x0 = 0; x0 < outW; x0 += stripW) {
        const int w = std::min(stripW, outW - x0);
        const int inW = w + 2 * r;
        // input columns x0 - r .. x0 + w + r - 1 (Replicate, clamped) or x0 .. (Valid)
        const int in0 = same ? x0 - r : x0;
        const bool pad = in0 < 0 || in0 + inW > cols;
        std::fill(ringRow.begin(), ringRow.end(), -1);

        auto horizontal = [&](int y) { // input row y -> ring slot
            const int slot = y % slots;
            if (ringRow[slot] == y) return;
            for (int i = 0; i < nImg; ++i) {
                const double* row = images[i]->ptr<double>(y);
                if (!pad) {
                    src[i] = row + in0;
                    continue;
                }
                // replicate padding: e[x] = row[clamp(in0 + x, 0, cols - 1)]
                double* e = ext.data() + size_t(i) * extW;
                const int lo = std::clamp(-in0, 0, inW), hi = std::clamp(cols - in0, lo, inW);
                std::fill(e, e + lo, row[0]);
                std::copy(row + in0 + lo, row + in0 + hi, e + lo);
                std::fill(e + hi, e + inW, row[cols - 1]);
                src[i] = e;
            }
            for (int c = 0; c < K; ++c) {
                const double* in = src[channels[c].first];
                if (channels[c].second >= 0) {
                    productRow(in, src[channels[c].second], prod.data(), inW);
                    in = prod.data();
                }
                rowPass(in, ringAt(slot, c), w, k.data(), n);
            }
            ringRow[slot] = y;
        };

        for (int y = 0; y < outH; y += 2) {
            const bool two = y + 1 < outH;
            // input rows of output rows y (t = 0 .. n - 1) and y + 1 (t = 1 .. n)
            const int nIn = two ? n + 1 : n;
            for (int t = 0; t < nIn; ++t)
                horizontal(same ? std::clamp(y - r + t, 0, rows - 1) : y + t);
            for (int c = 0; c < K; ++c) {
                for (int t = 0; t < nIn; ++t) {
                    const int yi = same ? std::clamp(y - r + t, 0, rows - 1) : y + t;
                    colRows[t] = ringAt(yi % slots, c);
                }
                if (two)
                    colPass2(colRows.data(), outPtr0[c], outPtr1[c], w, k.data(), n);
                else
                    colPass(colRows.data(), outPtr0[c], w, k.data(), n);
            }
            onRow(y, x0, w, outPtr0.data());
            if (two) onRow(y + 1, x0, w, outPtr1.data());
        }
    }
}

cv::Mat filterValidSubsample2(const cv::Mat& img, const std::vector<double>& k) {
    const int n = static_cast<int>(k.size());
    const int vh = img.rows - n + 1, vw = img.cols - n + 1; // valid size
    if (vh <= 0 || vw <= 0) return cv::Mat();
    const int oh = (vh + 1) / 2, ow = (vw + 1) / 2;
    cv::Mat out(oh, ow, CV_64F);
    // vertical pass at the kept (even) rows, over the whole width, then the horizontal pass
    // at even columns from the even / odd halves of that row
    std::vector<const double*> rows(n);
    std::vector<double> v(img.cols), even((img.cols + 1) / 2), odd(img.cols / 2 + 1);
    for (int y = 0; y < oh; ++y) {
        for (int t = 0; t < n; ++t)
            rows[t] = img.ptr<double>(2 * y + t);
        colPass(rows.data(), v.data(), img.cols, k.data(), n);
        for (int i = 0; 2 * i < img.cols; ++i)
            even[i] = v[2 * i];
        for (int i = 0; 2 * i + 1 < img.cols; ++i)
            odd[i] = v[2 * i + 1];
        rowPassEvenOdd(even.data(), odd.data(), out.ptr<double>(y), ow, k.data(), n);
    }
    return out;
}

} // namespace vf::metrics::detail
