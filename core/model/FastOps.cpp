// Fused CPU kernels for the fast path. Loops are written so that GCC vectorises them over
// pixels; target_clones builds AVX2 and AVX-512 variants picked at load time (the
// project is compiled for baseline x86-64).
#include "core/model/FastOps.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <vector>

#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <ATen/core/grad_mode.h>

namespace vf::model::fast {
namespace {

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define VF_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define VF_CLONES
#endif

constexpr int64_t kBlock = 256; // pixels per block (fits the per-block statistics in L1)

template <typename T>
VF_CLONES void lnBlock(const T* __restrict x, T* __restrict y, const T* __restrict w,
                       const T* __restrict b, int64_t C, int64_t HW, int64_t n) {
    T mean[kBlock], acc[kBlock];
    for (int64_t p = 0; p < n; ++p)
        mean[p] = 0;
    for (int64_t c = 0; c < C; ++c) {
        const T* xc = x + c * HW;
        for (int64_t p = 0; p < n; ++p)
            mean[p] += xc[p];
    }
    const T invC = T(1) / T(C);
    for (int64_t p = 0; p < n; ++p) {
        mean[p] *= invC;
        acc[p] = 0;
    }
    for (int64_t c = 0; c < C; ++c) {
        const T* xc = x + c * HW;
        for (int64_t p = 0; p < n; ++p) {
            T d = xc[p] - mean[p];
            acc[p] += d * d;
        }
    }
    for (int64_t p = 0; p < n; ++p)
        acc[p] = T(1) / std::sqrt(acc[p] * invC + T(1e-5));
    if (b) {
        for (int64_t c = 0; c < C; ++c) {
            const T* xc = x + c * HW;
            T* yc = y + c * HW;
            const T wc = w[c], bc = b[c];
            for (int64_t p = 0; p < n; ++p)
                yc[p] = (xc[p] - mean[p]) * acc[p] * wc + bc;
        }
    } else {
        for (int64_t c = 0; c < C; ++c) {
            const T* xc = x + c * HW;
            T* yc = y + c * HW;
            const T wc = w[c];
            for (int64_t p = 0; p < n; ++p)
                yc[p] = xc[p] * acc[p] * wc;
        }
    }
}

template <typename T>
void layerNormImpl(const at::Tensor& x, at::Tensor& y, const at::Tensor& w, const at::Tensor& b) {
    const int64_t N = x.size(0), C = x.size(1), HW = x.size(2) * x.size(3);
    const int64_t blocks = (HW + kBlock - 1) / kBlock;
    const T* xp = x.data_ptr<T>();
    T* yp = y.data_ptr<T>();
    at::Tensor wc = w.contiguous();
    at::Tensor bc = b.defined() ? b.contiguous() : at::Tensor();
    const T* wp = wc.data_ptr<T>();
    const T* bp = bc.defined() ? bc.data_ptr<T>() : nullptr;
    at::parallel_for(0, N * blocks, 1, [&](int64_t begin, int64_t end) {
        for (int64_t i = begin; i < end; ++i) {
            int64_t nIdx = i / blocks, blk = i % blocks;
            int64_t p0 = blk * kBlock;
            int64_t len = std::min(kBlock, HW - p0);
            lnBlock<T>(xp + nIdx * C * HW + p0, yp + nIdx * C * HW + p0, wp, bp, C, HW, len);
        }
    });
}

// One pass per output row over the three input rows (rows outside the image read `zeros`,
// W values): the nine products summed in registers, one store per output value.
template <typename T>
VF_CLONES void dwPlane(const T* __restrict in, T* __restrict out, const T* __restrict k, T bias,
                       int64_t H, int64_t W, const T* __restrict zeros) {
    const T k00 = k[0], k01 = k[1], k02 = k[2], k10 = k[3], k11 = k[4], k12 = k[5], k20 = k[6],
            k21 = k[7], k22 = k[8];
    for (int64_t y = 0; y < H; ++y) {
        const T* __restrict a = y > 0 ? in + (y - 1) * W : zeros;
        const T* __restrict b = in + y * W;
        const T* __restrict c = y + 1 < H ? in + (y + 1) * W : zeros;
        T* __restrict o = out + y * W;
        if (W == 1) {
            o[0] = bias + k01 * a[0] + k11 * b[0] + k21 * c[0];
            continue;
        }
        o[0] = bias + (k01 * a[0] + k02 * a[1]) + (k11 * b[0] + k12 * b[1]) +
               (k21 * c[0] + k22 * c[1]);
        for (int64_t x = 1; x < W - 1; ++x)
            o[x] = bias + (k00 * a[x - 1] + k01 * a[x] + k02 * a[x + 1]) +
                   (k10 * b[x - 1] + k11 * b[x] + k12 * b[x + 1]) +
                   (k20 * c[x - 1] + k21 * c[x] + k22 * c[x + 1]);
        o[W - 1] = bias + (k00 * a[W - 2] + k01 * a[W - 1]) + (k10 * b[W - 2] + k11 * b[W - 1]) +
                   (k20 * c[W - 2] + k21 * c[W - 1]);
    }
}

template <typename T>
void depthwiseImpl(const at::Tensor& x, at::Tensor& y, const at::Tensor& w, const at::Tensor& b) {
    const int64_t N = x.size(0), C = x.size(1), H = x.size(2), W = x.size(3);
    const T* xp = x.data_ptr<T>();
    T* yp = y.data_ptr<T>();
    const T* wp = w.data_ptr<T>();
    const T* bp = b.defined() ? b.data_ptr<T>() : nullptr;
    const std::vector<T> zeros(size_t(W), T(0));
    at::parallel_for(0, N * C, 1, [&](int64_t begin, int64_t end) {
        for (int64_t i = begin; i < end; ++i) {
            const int64_t c = i % C;
            dwPlane<T>(xp + i * H * W, yp + i * H * W, wp + c * 9, bp ? bp[c] : T(0), H, W,
                       zeros.data());
        }
    });
}

// ---- Gated GELU --------------------------------------------------------------------------
// o = gelu(a) * b with the exact (erf) GELU, gelu(a) = a/2 (1 + erf(a / sqrt 2)).
// float: erf by Abramowitz & Stegun 7.1.26 (|error| <= 1.5e-7), the formula of ATen's own
// vectorised float erf (vec256_float.h), with exp(-z^2) by a Cephes-style expf (relative
// error ~1e-7): plain scalar code that GCC vectorises (the AVX2 clone; no Sleef calls).
// double (the verification path): std::erf.
inline float expNonPositive(float x) { // exp(x) for -87 <= x <= 0
    // n = nearest integer to x log2(e) (the 1.5 * 2^23 trick: branch-free, vectorises)
    const float n = (x * 1.44269504088896341f + 12582912.0f) - 12582912.0f;
    float r = x - n * 0.693359375f; // ln 2 split in two (Cephes)
    r = r - n * -2.12194440e-4f;
    float y = 1.9875691500e-4f;
    y = y * r + 1.3981999507e-3f;
    y = y * r + 8.3334519073e-3f;
    y = y * r + 4.1665795894e-2f;
    y = y * r + 1.6666665459e-1f;
    y = y * r + 5.0000001201e-1f;
    y = y * r * r + r + 1.0f;
    const std::int32_t e = (std::int32_t(n) + 127) << 23; // n >= -126 here
    float scale;
    std::memcpy(&scale, &e, 4);
    return y * scale;
}

VF_CLONES void geluGateF(const float* __restrict a, const float* __restrict b, float* __restrict o,
                         int64_t n) {
    for (int64_t i = 0; i < n; ++i) {
        const float x = a[i];
        const float z = x * 0.70710678118654752f;
        // |z| clamped to 9 (erf(9) = 1 in float; keeps exp(-z^2) normal) by an integer min
        // of the bit patterns: a float comparison here stops GCC from vectorising.
        float az = std::abs(z);
        std::int32_t bits;
        std::memcpy(&bits, &az, 4);
        bits = bits < 0x41100000 ? bits : 0x41100000; // 9.0f
        std::memcpy(&az, &bits, 4);
        const float t = 1.0f / (1.0f + 0.3275911f * az);
        float r = 1.061405429f;
        r = r * t - 1.453152027f;
        r = r * t + 1.421413741f;
        r = r * t - 0.284496736f;
        r = r * t + 0.254829592f;
        const float e = 1.0f - r * t * expNonPositive(-az * az); // erf(|z|)
        const float erf = std::copysign(e, z);
        o[i] = 0.5f * x * (1.0f + erf) * b[i];
    }
}

void geluGateD(const double* a, const double* b, double* o, int64_t n) {
    for (int64_t i = 0; i < n; ++i)
        o[i] = 0.5 * a[i] * (1.0 + std::erf(a[i] * 0.70710678118654752440)) * b[i];
}

// ---- Winograd F(m,3) -------------------------------------------------------------------
// Y = A^T [(G g G^T) . (B^T d B)] A on (m+2)x(m+2) input tiles giving m x m output tiles
// (Lavin & Gray 2016). Tiles are numbered p = (n * tH + ty) * tW + tx. The transforms are
// written with constexpr coefficients in fully unrolled loops, so zero terms vanish and the
// loops over tiles vectorise.

template <int M> struct Wino;
template <> struct Wino<2> {
    static constexpr int A = 4;
    static constexpr double BT[4][4] = {{1, 0, -1, 0}, {0, 1, 1, 0}, {0, -1, 1, 0}, {0, 1, 0, -1}};
    static constexpr double G[4][3] = {{1, 0, 0}, {.5, .5, .5}, {.5, -.5, .5}, {0, 0, 1}};
    static constexpr double AT[2][4] = {{1, 1, 1, 0}, {0, 1, -1, -1}};
};
template <> struct Wino<4> {
    static constexpr int A = 6;
    static constexpr double BT[6][6] = {{4, 0, -5, 0, 1, 0},  {0, -4, -4, 1, 1, 0},
                                        {0, 4, -4, -1, 1, 0}, {0, -2, -1, 2, 1, 0},
                                        {0, 2, -1, -2, 1, 0}, {0, 4, 0, -5, 0, 1}};
    static constexpr double G[6][3] = {{1. / 4, 0, 0},
                                       {-1. / 6, -1. / 6, -1. / 6},
                                       {-1. / 6, 1. / 6, -1. / 6},
                                       {1. / 24, 1. / 12, 1. / 6},
                                       {1. / 24, -1. / 12, 1. / 6},
                                       {0, 0, 1}};
    static constexpr double AT[4][6] = {
        {1, 1, 1, 1, 1, 0}, {0, 1, -1, 2, -2, 0}, {0, 1, 1, 4, 4, 0}, {0, 1, -1, 8, -8, 1}};
};

// sum_k c[k] * v(k) over the non-zero constexpr coefficients (unrolled; +-1 without multiply).
template <typename T, int N, typename F>
inline __attribute__((always_inline)) T dotc(const double (&c)[N], F&& v) {
    T acc{};
    bool first = true;
#pragma GCC unroll 8
    for (int k = 0; k < N; ++k) {
        if (c[k] == 0) continue;
        const T x = v(k);
        const T term = c[k] == 1 ? x : c[k] == -1 ? -x : T(c[k]) * x;
        acc = first ? term : acc + term;
        first = false;
    }
    return acc;
}

// U[k][o][c] (k = A i + j) = (G g G^T)_ij for every (o, c), computed in double.
template <typename T, int M> void winogradWeights(const T* w, T* U, int64_t O, int64_t C) {
    using W = Wino<M>;
    constexpr int A = W::A;
    const int64_t OC = O * C;
    for (int64_t oc = 0; oc < OC; ++oc) {
        const T* g = w + oc * 9;
        double t[A][3]; // G g
        for (int i = 0; i < A; ++i)
            for (int c = 0; c < 3; ++c)
                t[i][c] = W::G[i][0] * g[c] + W::G[i][1] * g[3 + c] + W::G[i][2] * g[6 + c];
        for (int i = 0; i < A; ++i)
            for (int j = 0; j < A; ++j)
                U[(i * A + j) * OC + oc] =
                    T(t[i][0] * W::G[j][0] + t[i][1] * W::G[j][1] + t[i][2] * W::G[j][2]);
    }
}

// Input transform of one run of tiles (same n, ty; tx in [tx0, tx0 + len)) of the channel
// plane x (H x W) into V + k * kStride + u (u = 0 .. len). `rows` is scratch of
// A * (M * len + 2) values, `zeros` W zeros.
template <typename T, int M>
VF_CLONES void winoIn(const T* __restrict x, const T* __restrict zeros, T* __restrict V,
                      T* __restrict rows, int64_t H, int64_t W, int64_t ty, int64_t tx0,
                      int64_t len, int64_t kStride) {
    using Wn = Wino<M>;
    constexpr int A = Wn::A;
    const int64_t span = M * len + 2; // input columns M*tx0-1 .. M*(tx0+len)
    const int64_t xs = M * tx0 - 1;   // image column of span column 0
    const T* r[A];                    // image rows M ty - 1 + i; `zeros` outside the image
    for (int i = 0; i < A; ++i) {
        const int64_t yy = M * ty - 1 + i;
        r[i] = (yy >= 0 && yy < H) ? x + yy * W : zeros;
    }
    // Span columns inside the image: [lo, hi).
    const int64_t lo = std::max<int64_t>(0, -xs), hi = std::max(lo, std::min(span, W - xs));
    for (int i = 0; i < A; ++i) {
        T* t = rows + i * span;
        for (int64_t q = 0; q < lo; ++q)
            t[q] = 0;
        for (int64_t q = hi; q < span; ++q)
            t[q] = 0;
    }
    // Rows: t_i = sum_k BT[i][k] d_k.
#pragma GCC unroll 6
    for (int i = 0; i < A; ++i) {
        T* __restrict t = rows + i * span;
        for (int64_t q = lo; q < hi; ++q)
            t[q] = dotc<T>(Wn::BT[i], [&](int k) { return r[k][q + xs]; });
    }
    // Columns: v_ij(u) = sum_k BT[j][k] t_i[M u + k].
    for (int i = 0; i < A; ++i) {
        const T* __restrict t = rows + i * span;
#pragma GCC unroll 6
        for (int j = 0; j < A; ++j) {
            T* __restrict v = V + (i * A + j) * kStride;
            for (int64_t u = 0; u < len; ++u)
                v[u] = dotc<T>(Wn::BT[j], [&](int k) { return t[M * u + k]; });
        }
    }
}

// Output transform of one run of tiles for one output channel: Mt + k * kStride + u ->
// output rows M ty .. M ty + M - 1 of the plane y (H x W), plus bias and optional LeakyReLU.
// The Mt values read are set back to zero (the next block's GEMMs accumulate into them).
// `buf` is scratch of M * M * len values.
template <typename T, int M>
VF_CLONES void winoOut(T* __restrict Mt, T* __restrict y, T* __restrict buf, int64_t H, int64_t W,
                       int64_t ty, int64_t tx0, int64_t len, int64_t kStride, T bias, T slope,
                       bool act) {
    using Wn = Wino<M>;
    constexpr int A = Wn::A;
    // s_aj(u) = sum_i AT[a][i] m_ij(u) into buf rows (a, j) of len, then y = s A.
    T* s = buf + M * M * len; // A * M * len more values
#pragma GCC unroll 4
    for (int a = 0; a < M; ++a)
#pragma GCC unroll 6
        for (int j = 0; j < A; ++j) {
            T* __restrict sj = s + (a * A + j) * len;
            for (int64_t u = 0; u < len; ++u)
                sj[u] = dotc<T>(Wn::AT[a], [&](int i) { return Mt[(i * A + j) * kStride + u]; });
        }
    for (int k = 0; k < A * A; ++k) // while in cache; cheaper than BLAS zeroing C (beta = 0)
        std::fill_n(Mt + k * kStride, len, T(0));
#pragma GCC unroll 4
    for (int a = 0; a < M; ++a) {
        T* __restrict o = buf + a * M * len;
        const T* __restrict sa = s + a * A * len;
        for (int64_t u = 0; u < len; ++u)
#pragma GCC unroll 4
            for (int b = 0; b < M; ++b) {
                T v = dotc<T>(Wn::AT[b], [&](int j) { return sa[j * len + u]; }) + bias;
                if (act) v = v < T(0) ? v * slope : v;
                o[M * u + b] = v;
            }
    }
    const int64_t x0 = M * tx0, n = std::min<int64_t>(M * len, W - x0);
    for (int a = 0; a < M; ++a)
        if (M * ty + a < H)
            std::copy(buf + a * M * len, buf + a * M * len + n, y + (M * ty + a) * W + x0);
}

// Values of V and M per block of tiles (4 MB of floats): keeps a block in L2/L3.
constexpr int64_t kWinoBudget = int64_t(1) << 20;

// The tiles p0 .. p0 + np - 1 (p = (n tH + ty) tW + tx) as runs with the same (n, ty):
// fn(n, ty, tx0, len, offset from p0).
template <typename Fn>
void forEachTileRun(int64_t p0, int64_t np, int64_t tH, int64_t tW, Fn&& fn) {
    for (int64_t p = p0; p < p0 + np;) {
        const int64_t n = p / (tH * tW), r = p % (tH * tW), ty = r / tW, tx0 = r % tW;
        const int64_t len = std::min(tW - tx0, p0 + np - p);
        fn(n, ty, tx0, len, p - p0);
        p += len;
    }
}

// Scratch values winoIn / winoOut need for runs of up to runMax tiles.
template <int M> size_t winoScratchLen(int64_t runMax) {
    constexpr int A = Wino<M>::A;
    return size_t(std::max(A * (M * runMax + 2), (M * M + A * M) * runMax));
}

// A block's GEMM operands and the transforms' helpers. Mb starts at zero: the GEMMs accumulate
// into it (beta = 1) and winoOut sets what it read back to zero (OpenBLAS clears C with a
// slow scalar pass when beta = 0: 7 % of a clip's time, perf).
template <typename T, int M> struct WinoBuffers {
    at::Tensor Vb, Mb;
    size_t scratchLen;    // per transform call
    std::vector<T> zeros; // one image row of zeros (rows outside the image)
    WinoBuffers(int64_t vValues, int64_t mValues, int64_t runMax, int64_t W,
                const at::TensorOptions& o)
        : Vb(at::empty({vValues}, o)), Mb(at::zeros({mValues}, o)),
          scratchLen(winoScratchLen<M>(runMax)), zeros(size_t(W), T(0)) {}
    T* v() { return Vb.data_ptr<T>(); }
    T* m() { return Mb.data_ptr<T>(); }
};

template <typename T, int M>
void winogradImpl(const at::Tensor& x, at::Tensor& y, const T* w, const T* bias, double slope) {
    constexpr int A = Wino<M>::A, K = A * A;
    const int64_t N = x.size(0), C = x.size(1), H = x.size(2), W = x.size(3);
    const int64_t O = y.size(1);
    at::Tensor U = at::empty({K, O, C}, x.options());
    winogradWeights<T, M>(w, U.data_ptr<T>(), O, C);
    const int64_t tH = (H + M - 1) / M, tW = (W + M - 1) / M, P = N * tH * tW;
    // Tiles per block: V and M of a block (K (C + O) Pb values) stay within the budget.
    int64_t Pb = kWinoBudget / (K * (C + O));
    Pb = std::clamp<int64_t>(Pb / 16 * 16, 32, 2048);
    const int64_t blocks = (P + Pb - 1) / Pb;
    const T* xp = x.data_ptr<T>();
    T* yp = y.data_ptr<T>();
    const bool act = slope >= 0;
    // Blocks one after the other: the transforms are split over channels with
    // at::parallel_for, the GEMMs run outside any parallel region (OpenBLAS, torch's thread
    // count). Calling BLAS from inside at::parallel_for was 6x slower at 2 threads here.
    WinoBuffers<T, M> buf(K * C * Pb, K * O * Pb, std::min(tW, Pb), W, x.options());
    T* V = buf.v();
    T* Mt = buf.m();
    for (int64_t blk = 0; blk < blocks; ++blk) {
        const int64_t p0 = blk * Pb, np = std::min(Pb, P - p0);
        auto forEachRun = [&](auto&& fn) { forEachTileRun(p0, np, tH, tW, fn); };
        at::parallel_for(0, C, 1, [&](int64_t c0, int64_t c1) {
            std::vector<T> scratch(buf.scratchLen);
            forEachRun([&](int64_t n, int64_t ty, int64_t tx0, int64_t len, int64_t off) {
                for (int64_t c = c0; c < c1; ++c)
                    winoIn<T, M>(xp + (n * C + c) * H * W, buf.zeros.data(), V + c * np + off,
                                 scratch.data(), H, W, ty, tx0, len, C * np);
            });
        });
        at::Tensor Vt = buf.Vb.narrow(0, 0, K * C * np).view({K, C, np});
        at::Tensor Mv = buf.Mb.narrow(0, 0, K * O * np).view({K, O, np});
        for (int64_t k = 0; k < K; ++k) {
            at::Tensor mk = Mv[k];
            at::addmm_out(mk, mk, U[k], Vt[k], /*beta=*/1, /*alpha=*/1);
        }
        at::parallel_for(0, O, 1, [&](int64_t o0, int64_t o1) {
            std::vector<T> scratch(buf.scratchLen);
            forEachRun([&](int64_t n, int64_t ty, int64_t tx0, int64_t len, int64_t off) {
                for (int64_t o = o0; o < o1; ++o)
                    winoOut<T, M>(Mt + o * np + off, yp + (n * O + o) * H * W, scratch.data(), H, W,
                                  ty, tx0, len, O * np, bias ? bias[o] : T(0), T(slope), act);
            });
        });
    }
}

// Conv3d 3x3x3 (zero padding 1 in time and space) of frames x (B*T, C, H, W), weight w
// (O, C, 3, 3, 3): out[b, t] = sum_kt conv2d(x[b, t - 1 + kt], w[:, :, kt]) + bias, all in the
// Winograd domain: the input transform of every frame is done once, the three time slices'
// products are accumulated into one M per output frame, and only O channels (not 3 O) are
// transformed back. Blocks are ranges of tile positions within a frame, with V for every frame
// of the clip at those positions.
template <typename T, int M>
void winogradTemporalImpl(const at::Tensor& x, at::Tensor& y, const T* w, const T* bias, int64_t T_,
                          double slope) {
    constexpr int A = Wino<M>::A, K = A * A;
    const int64_t N = x.size(0), C = x.size(1), H = x.size(2), W = x.size(3);
    const int64_t O = y.size(1);
    // U[kt][k] (O x C) from the time slices of w.
    at::Tensor wk = at::from_blob(const_cast<T*>(w), {O, C, 3, 3, 3}, x.options())
                        .permute({2, 0, 1, 3, 4})
                        .contiguous(); // (3, O, C, 3, 3)
    at::Tensor U = at::empty({3, K, O, C}, x.options());
    for (int kt = 0; kt < 3; ++kt)
        winogradWeights<T, M>(wk.data_ptr<T>() + kt * O * C * 9, U.data_ptr<T>() + kt * K * O * C,
                              O, C);
    // Ucat[k] = [U[0][k] U[1][k] U[2][k]] (O x 3C): one GEMM per k with the V rows of frames
    // t - 1, t, t + 1, which are consecutive in V's layout below.
    at::Tensor Ucat = U.permute({1, 2, 0, 3}).contiguous().view({K, O, 3 * C});
    const int64_t tH = (H + M - 1) / M, tW = (W + M - 1) / M, S = tH * tW;
    // Tile positions per block: V of all N frames and one frame's M within 16 M values
    // (64 MB in float; bench_model_ops: 1.2-1.7x over 2D Winograd + temporalSum3 at the clip's
    // three scales, against 0.9-1.1x with the 2D path's 1 M budget, whose GEMMs get too small).
    int64_t Sb = (kWinoBudget * 16) / (K * (N * C + O));
    Sb = std::clamp<int64_t>(Sb / 16 * 16, 32, 2048);
    const int64_t blocks = (S + Sb - 1) / Sb;
    const T* xp = x.data_ptr<T>();
    T* yp = y.data_ptr<T>();
    const bool act = slope >= 0;
    WinoBuffers<T, M> buf(N * K * C * std::min(Sb, S), K * O * std::min(Sb, S), std::min(tW, Sb), W,
                          x.options());
    T* V = buf.v();
    T* Mt = buf.m();
    for (int64_t blk = 0; blk < blocks; ++blk) {
        const int64_t s0 = blk * Sb, ns = std::min(Sb, S - s0);
        at::Tensor Mv = buf.Mb.narrow(0, 0, K * O * ns).view({K, O, ns});
        at::Tensor Vk = buf.Vb.narrow(0, 0, K * N * C * ns).view({K, N * C, ns});
        // The block's tile positions (within one frame) as runs with the same ty.
        auto forEachRun = [&](auto&& fn) {
            forEachTileRun(s0, ns, tH, tW,
                           [&](int64_t, int64_t ty, int64_t tx0, int64_t len, int64_t off) {
                               fn(ty, tx0, len, off);
                           });
        };
        // V element (k, n, c, u) at ((k * N + n) * C + c) * ns + u: for each k, the frames'
        // C x ns matrices one after the other.
        at::parallel_for(0, N * C, 1, [&](int64_t i0, int64_t i1) {
            std::vector<T> scratch(buf.scratchLen);
            for (int64_t i = i0; i < i1; ++i) {
                const int64_t n = i / C, c = i % C;
                forEachRun([&](int64_t ty, int64_t tx0, int64_t len, int64_t off) {
                    winoIn<T, M>(xp + (n * C + c) * H * W, buf.zeros.data(),
                                 V + (n * C + c) * ns + off, scratch.data(), H, W, ty, tx0, len,
                                 N * C * ns);
                });
            }
        });
        for (int64_t n = 0; n < N; ++n) {
            const int64_t t = n % T_;
            // time slices kt0 .. kt1 - 1 read frames t - 1 + kt (zero padding in time)
            const int64_t kt0 = t == 0 ? 1 : 0, kt1 = t == T_ - 1 ? 2 : 3;
            const int64_t first = n - 1 + kt0; // the first input frame used
            for (int64_t k = 0; k < K; ++k) {
                at::Tensor mk = Mv[k];
                at::addmm_out(mk, mk, Ucat[k].narrow(1, kt0 * C, (kt1 - kt0) * C),
                              Vk[k].narrow(0, first * C, (kt1 - kt0) * C), /*beta=*/1,
                              /*alpha=*/1);
            }
            at::parallel_for(0, O, 1, [&](int64_t o0, int64_t o1) {
                std::vector<T> scratch(buf.scratchLen);
                forEachRun([&](int64_t ty, int64_t tx0, int64_t len, int64_t off) {
                    for (int64_t o = o0; o < o1; ++o)
                        winoOut<T, M>(Mt + o * ns + off, yp + (n * O + o) * H * W, scratch.data(),
                                      H, W, ty, tx0, len, O * ns, bias ? bias[o] : T(0), T(slope),
                                      act);
                });
            });
        }
    }
}
} // namespace

at::Tensor depthwise3x3(const at::Tensor& xIn, const at::Tensor& w, const at::Tensor& b) {
    at::Tensor x = xIn.contiguous();
    TORCH_CHECK(x.dim() == 4 && w.dim() == 4 && w.size(0) == x.size(1) && w.size(1) == 1 &&
                    w.size(2) == 3 && w.size(3) == 3,
                "depthwise3x3: unexpected shapes");
    at::Tensor wx = w.to(x.scalar_type()).contiguous();
    at::Tensor bx = b.defined() ? b.to(x.scalar_type()).contiguous() : at::Tensor();
    at::Tensor y = at::empty_like(x);
    if (x.scalar_type() == at::kDouble)
        depthwiseImpl<double>(x, y, wx, bx);
    else
        depthwiseImpl<float>(x, y, wx, bx);
    return y;
}

namespace {
template <typename T>
VF_CLONES void temporalSum3Plane(const T* __restrict mid, const T* __restrict before,
                                 const T* __restrict after, T* __restrict out, T bias, T slope,
                                 bool act, int64_t n) {
    // before / after may be null (first / last frame): zero padding in time
    if (before && after)
        for (int64_t i = 0; i < n; ++i)
            out[i] = mid[i] + before[i] + after[i] + bias;
    else if (before)
        for (int64_t i = 0; i < n; ++i)
            out[i] = mid[i] + before[i] + bias;
    else if (after)
        for (int64_t i = 0; i < n; ++i)
            out[i] = mid[i] + after[i] + bias;
    else
        for (int64_t i = 0; i < n; ++i)
            out[i] = mid[i] + bias;
    if (act)
        for (int64_t i = 0; i < n; ++i)
            out[i] = out[i] < T(0) ? out[i] * slope : out[i];
}

template <typename T>
void temporalSum3Impl(const at::Tensor& y, at::Tensor& out, const T* bias, double slope) {
    const int64_t B = y.size(0), T_ = y.size(1), O = y.size(3), plane = y.size(4) * y.size(5);
    const T* yp = y.data_ptr<T>();
    T* op = out.data_ptr<T>();
    auto slice = [&](int64_t b, int64_t t, int64_t k, int64_t o) {
        return yp + (((b * T_ + t) * 3 + k) * O + o) * plane;
    };
    at::parallel_for(0, B * T_ * O, 1, [&](int64_t begin, int64_t end) {
        for (int64_t i = begin; i < end; ++i) {
            const int64_t o = i % O, t = (i / O) % T_, b = i / (O * T_);
            temporalSum3Plane<T>(slice(b, t, 1, o), t > 0 ? slice(b, t - 1, 0, o) : nullptr,
                                 t + 1 < T_ ? slice(b, t + 1, 2, o) : nullptr, op + i * plane,
                                 bias ? bias[o] : T(0), T(slope), slope >= 0, plane);
        }
    });
}
} // namespace

at::Tensor temporalSum3(const at::Tensor& yIn, const at::Tensor& b, double slope) {
    at::Tensor y = yIn.contiguous();
    TORCH_CHECK(y.dim() == 6 && y.size(2) == 3, "temporalSum3: expected (B, T, 3, O, H, W)");
    at::Tensor out =
        at::empty({y.size(0), y.size(1), y.size(3), y.size(4), y.size(5)}, y.options());
    at::Tensor bx = b.defined() ? b.to(y.scalar_type()).contiguous() : at::Tensor();
    if (y.scalar_type() == at::kDouble)
        temporalSum3Impl<double>(y, out, bx.defined() ? bx.data_ptr<double>() : nullptr, slope);
    else
        temporalSum3Impl<float>(y, out, bx.defined() ? bx.data_ptr<float>() : nullptr, slope);
    return out;
}

at::Tensor geluGate(const at::Tensor& yIn) {
    at::Tensor y = yIn.contiguous();
    TORCH_CHECK(y.dim() == 4 && y.size(1) % 2 == 0, "geluGate: expected (N, 2h, H, W)");
    const int64_t N = y.size(0), h = y.size(1) / 2, plane = y.size(2) * y.size(3);
    at::Tensor o = at::empty({N, h, y.size(2), y.size(3)}, y.options());
    const bool dbl = y.scalar_type() == at::kDouble;
    at::parallel_for(0, N * h, 1, [&](int64_t begin, int64_t end) {
        for (int64_t i = begin; i < end; ++i) {
            const int64_t n = i / h, c = i % h;
            const int64_t src = (n * 2 * h + c) * plane, gate = src + h * plane;
            if (dbl) {
                const double* p = y.data_ptr<double>();
                geluGateD(p + src, p + gate, o.data_ptr<double>() + i * plane, plane);
            } else {
                const float* p = y.data_ptr<float>();
                geluGateF(p + src, p + gate, o.data_ptr<float>() + i * plane, plane);
            }
        }
    });
    return o;
}

at::Tensor conv1x1(const at::Tensor& xIn, const at::Tensor& w, const at::Tensor& b) {
    at::Tensor x = xIn.contiguous();
    TORCH_CHECK(x.dim() == 4 && w.dim() == 4 && w.size(1) == x.size(1) && w.size(2) == 1 &&
                    w.size(3) == 1,
                "conv1x1: unexpected shapes");
    const int64_t N = x.size(0), C = x.size(1), H = x.size(2), W = x.size(3), O = w.size(0);
    at::Tensor wm = w.to(x.scalar_type()).reshape({O, C});
    at::Tensor y = at::empty({N, O, H, W}, x.options());
    at::Tensor xv = x.view({N, C, H * W}), yv = y.view({N, O, H * W});
    if (b.defined()) {
        at::Tensor bias = b.to(x.scalar_type()).view({O, 1}).expand({O, H * W});
        for (int64_t n = 0; n < N; ++n) {
            at::Tensor yn = yv[n];
            at::addmm_out(yn, bias, wm, xv[n]);
        }
    } else {
        for (int64_t n = 0; n < N; ++n) {
            at::Tensor yn = yv[n];
            at::mm_out(yn, wm, xv[n]);
        }
    }
    return y;
}

namespace {
std::atomic<bool> gGemm1x1{true};
std::atomic<int> gTile{4};
std::atomic<bool> gWinoTime{true};
} // namespace

void setKernelOptions(const KernelOptions& o) {
    gGemm1x1 = o.gemm1x1;
    gTile = (o.winogradTile == 2 || o.winogradTile == 4) ? o.winogradTile : 0;
    gWinoTime = o.winogradTime;
}

KernelOptions kernelOptions() {
    KernelOptions o;
    o.gemm1x1 = gGemm1x1;
    o.winogradTile = gTile;
    o.winogradTime = gWinoTime;
    return o;
}

bool winogradPays(const at::Tensor& x, const at::Tensor& w) {
    // One thread only: with 2 threads the block GEMMs (OpenBLAS) and transforms ran 4-6x
    // slower than oneDNN's direct convolution here (thread hand-offs per small GEMM; not
    // resolved), so multi-threaded runs keep at::conv2d.
    return gTile != 0 && at::get_num_threads() == 1 && supported(x) && x.dim() == 4 &&
           w.dim() == 4 && w.size(2) == 3 && w.size(3) == 3 && w.size(1) == x.size(1) &&
           w.size(1) >= 16 && w.size(0) >= 16;
}

at::Tensor conv3x3(const at::Tensor& xIn, const at::Tensor& w, const at::Tensor& b, double slope,
                   int tile) {
    at::Tensor x = xIn.contiguous();
    TORCH_CHECK(x.dim() == 4 && w.dim() == 4 && w.size(1) == x.size(1) && w.size(2) == 3 &&
                    w.size(3) == 3,
                "conv3x3: unexpected shapes");
    TORCH_CHECK(tile == 2 || tile == 4, "conv3x3: tile must be 2 or 4");
    const int64_t O = w.size(0);
    at::Tensor wx = w.to(x.scalar_type()).contiguous();
    at::Tensor bx = b.defined() ? b.to(x.scalar_type()).contiguous() : at::Tensor();
    at::Tensor y = at::empty({x.size(0), O, x.size(2), x.size(3)}, x.options());
    const bool f4 = tile == 4;
    if (x.scalar_type() == at::kDouble) {
        const double* bp = bx.defined() ? bx.data_ptr<double>() : nullptr;
        if (f4)
            winogradImpl<double, 4>(x, y, wx.data_ptr<double>(), bp, slope);
        else
            winogradImpl<double, 2>(x, y, wx.data_ptr<double>(), bp, slope);
    } else {
        const float* bp = bx.defined() ? bx.data_ptr<float>() : nullptr;
        if (f4)
            winogradImpl<float, 4>(x, y, wx.data_ptr<float>(), bp, slope);
        else
            winogradImpl<float, 2>(x, y, wx.data_ptr<float>(), bp, slope);
    }
    return y;
}

at::Tensor conv3x3x3Frames(const at::Tensor& xIn, const at::Tensor& w, const at::Tensor& b,
                           int64_t T, double slope) {
    at::Tensor x = xIn.contiguous();
    TORCH_CHECK(x.dim() == 4 && w.dim() == 5 && w.size(1) == x.size(1) && w.size(2) == 3 &&
                    w.size(3) == 3 && w.size(4) == 3 && T >= 1 && x.size(0) % T == 0,
                "conv3x3x3Frames: unexpected shapes");
    at::Tensor wx = w.to(x.scalar_type()).contiguous();
    at::Tensor bx = b.defined() ? b.to(x.scalar_type()).contiguous() : at::Tensor();
    at::Tensor y = at::empty({x.size(0), w.size(0), x.size(2), x.size(3)}, x.options());
    auto run = [&](auto zero) {
        using T_ = decltype(zero);
        winogradTemporalImpl<T_, 4>(x, y, wx.data_ptr<T_>(),
                                    bx.defined() ? bx.data_ptr<T_>() : nullptr, T, slope);
    };
    if (x.scalar_type() == at::kDouble)
        run(0.0);
    else
        run(0.0f);
    return y;
}

bool supported(const at::Tensor& x) {
    return x.device().is_cpu() &&
           (x.scalar_type() == at::kFloat || x.scalar_type() == at::kDouble) &&
           !(at::GradMode::is_enabled() && x.requires_grad());
}

at::Tensor layerNormChannels(const at::Tensor& xIn, const at::Tensor& w, const at::Tensor& b) {
    at::Tensor x = xIn.contiguous();
    at::Tensor y = at::empty_like(x);
    at::Tensor wx = w.to(x.scalar_type());
    at::Tensor bx = b.defined() ? b.to(x.scalar_type()) : at::Tensor();
    if (x.scalar_type() == at::kDouble)
        layerNormImpl<double>(x, y, wx, bx);
    else
        layerNormImpl<float>(x, y, wx, bx);
    return y;
}

} // namespace vf::model::fast
