// FMI (Haghighat et al. 2011, fmi.m with feature 'gradient' and w = 3), computed exactly but
// without the 81-cell loops of the literal per-window code.
//
// fmi.m per 3x3 window (features of X = A or B and of F, column-major order):
//   v = (x - min) / (max - min) (all ones when constant), pdf = v / sum(v), cdf = cumsum(pdf),
//   c = corr(pdf_X, pdf_F), e = E[k], sd = sqrt(|E[k^2] - E[k]^2|) (k = 1..9),
//   theta = c sd_X sd_F / sum_{i,k} (B(cdf_X(i), cdf_F(k)) - cdf_X(i) cdf_F(k))
//     with B = min(u, v) (upper Frechet bound) when c >= 0, max(u + v - 1, 0) otherwise,
//   joint(i, j) = theta dB(i, j) + (1 - theta) pdf_F(i) pdf_X(j), dB the cell mass of B,
//   H_XF = sum ent(joint) with ent(x) = -x log2|x|, FMI = 2 (H_X + H_F - H_XF) / (H_X + H_F).
// What is done here instead (same quantities, different evaluation order):
//   * the feature is 2 * gradient, an integer (the images are 8-bit), so v = d / D with
//     integer d, and pdf = d / S, log2 pdf = log2 d - log2 S from a table of log2 of integers;
//     cdfs from integer prefix sums (the last one is exactly 1);
//   * the Frechet-bound copula puts mass only on a monotone staircase of at most 17 cells
//     (the overlaps of the intervals (cdf(i-1), cdf(i)]), found by merging the two cdfs;
//     every other cell is (1 - theta) pdf_F(i) pdf_X(j), whose ent() sums in closed form:
//     sum_ij ent(c p_i q_j) = -c [P Q log2|c| - Q H_F - P H_X] (P, Q = sums of the pdfs);
//   * the denominator of theta is sum_{i,k} B(u_i, v_k) - (sum u)(sum v);
//   * the remaining logarithms (at most 18 per window and source) are batched per row of
//     windows and evaluated by a vectorised log2 (fdlibm's log kernel, < 1 ulp);
//   * the merge runs a fixed 17 steps (no data-dependent exit to mispredict), the A-F and B-F
//     merges of a window interleaved in one loop (two independent dependency chains).
// That is the portable path, one window at a time. Where the CPU has AVX2 and FMA, the
// `lanes` kernel below runs eight windows per vector with the staircase found by integer ranks
// (no merge); fmiGradient picks it. Both agree with a literal translation of fmi.m to ~1e-13
// (tests/metrics compares both with it on real and synthetic images).
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <vector>
#if defined(__GNUC__) && defined(__x86_64__)
#include <immintrin.h>
#endif

#include "core/metrics/Internal.h"

namespace vf::metrics::detail {

namespace {

// log2 of a positive normal double, branch-free (vectorisable): fdlibm e_log.c's kernel.
inline double log2Positive(double x) {
    std::uint64_t bits;
    std::memcpy(&bits, &x, 8);
    const std::uint64_t expo = bits >> 52; // biased exponent (x > 0: no sign bit)
    std::uint64_t mbits = (bits & 0x000fffffffffffffULL) | 0x3ff0000000000000ULL;
    double m;
    std::memcpy(&m, &mbits, 8); // [1, 2)
    // exponent as double without an int64 -> double conversion: 2^52 + expo, minus 2^52
    std::uint64_t ebits = 0x4330000000000000ULL | expo;
    double e;
    std::memcpy(&e, &ebits, 8);
    e = e - 4503599627370496.0 - 1023.0;
    const bool big = m > 1.4142135623730951;
    m = big ? m * 0.5 : m;
    e = big ? e + 1.0 : e;
    constexpr double Lg1 = 6.666666666666735130e-01, Lg2 = 3.999999999940941908e-01,
                     Lg3 = 2.857142874366239149e-01, Lg4 = 2.222219843214978396e-01,
                     Lg5 = 1.818357216161805012e-01, Lg6 = 1.531383769920937332e-01,
                     Lg7 = 1.479819860511658591e-01;
    const double f = m - 1.0;
    const double s = f / (2.0 + f);
    const double z = s * s, w = z * z;
    const double t1 = w * (Lg2 + w * (Lg4 + w * Lg6));
    const double t2 = z * (Lg1 + w * (Lg3 + w * (Lg5 + w * Lg7)));
    const double R = t2 + t1;
    const double hfsq = 0.5 * f * f;
    const double lnm = f - (hfsq - s * (hfsq + R));
    return e + lnm * 1.4426950408889634074;
}

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__)
#define VF_FMI_CLONES __attribute__((target_clones("arch=x86-64-v3", "default")))
#else
#define VF_FMI_CLONES
#endif

VF_FMI_CLONES void entKernel(double* x, std::size_t n) {
    for (std::size_t i = 0; i < n; ++i) {
        const double v = x[i];
        const double a = std::abs(v);
        // zero and denormal/tiny magnitudes contribute nothing measurable (|x log x| < 1e-290)
        const bool ok = a > 1e-300;
        const double l = log2Positive(ok ? a : 1.0);
        x[i] = ok ? -v * l : 0.0;
    }
}

constexpr int kMaxD = 1020;      // |2 * gradient| <= 510, so d = f - min <= 1020
constexpr int kMaxS = 9 * kMaxD; // sum of the nine d

struct Tables {
    std::vector<double> log2i; // log2(k), k = 0..kMaxS (entry 0 unused)
    Tables() : log2i(kMaxS + 1, 0.0) {
        for (int k = 1; k <= kMaxS; ++k)
            log2i[k] = std::log2(double(k));
    }
};
const Tables& tables() {
    static const Tables t;
    return t;
}

// 2 * MATLAB gradient(img) along x, as integers.
// Padded with 16 zeros at the end (the eight-window statistics read a little past a row).
std::vector<int> gradX2(const cv::Mat& g8) {
    std::vector<int> out(size_t(g8.rows) * g8.cols + 16, 0);
    const int n = g8.cols;
    for (int y = 0; y < g8.rows; ++y) {
        const uchar* p = g8.ptr<uchar>(y);
        int* o = out.data() + size_t(y) * n;
        if (n == 1) {
            o[0] = 0;
            continue;
        }
        o[0] = 2 * (int(p[1]) - int(p[0]));
        o[n - 1] = 2 * (int(p[n - 1]) - int(p[n - 2]));
        for (int x = 1; x < n - 1; ++x)
            o[x] = int(p[x + 1]) - int(p[x - 1]);
    }
    return out;
}

// Window statistics of one row of windows, structure of arrays (index k * st + w for the nine
// per-cell values of window w), so that the per-window work vectorises across windows.
struct WinRow {
    int n = 0;
    size_t st = 0;                               // n rounded up
    std::vector<double> pdf, lpdf, cdf;          // [9][st]
    std::vector<double> psum, entropy, sd, csum; // [st]; csum = sum of the nine cdf values
    void resize(int count) {
        n = count;
        st = size_t(count + 8) & ~size_t(7);
        for (auto* v : {&pdf, &lpdf, &cdf})
            v->assign(9 * st, 0.0);
        for (auto* v : {&psum, &entropy, &sd, &csum})
            v->assign(st, 0.0);
    }
};

// A window's statistics inside a WinRow (element i of a 9-vector at [i * st]).
struct Win {
    const double *pdf_, *lpdf_, *cdf_;
    size_t st;
    double psum, entropy, sd, csum;
    double pdf(int i) const { return pdf_[i * st]; }
    double lpdf(int i) const { return lpdf_[i * st]; }
    double cdf(int i) const { return cdf_[i * st]; }
};
inline Win winAt(const WinRow& r, int w) {
    return Win{r.pdf.data() + w, r.lpdf.data() + w, r.cdf.data() + w, r.st,
               r.psum[w],        r.entropy[w],      r.sd[w],          r.csum[w]};
}

// Statistics of window w (centred at (r, w + 1)) of the integer feature map; g0, g1, g2 are
// the rows r - 1, r, r + 1.
inline void winStatsOne(const int* g0, const int* g1, const int* g2, int w, const double* L,
                        WinRow& o) {
    const size_t st = o.st;
    // column-major, as MATLAB's (:): (dx, dy) = (-1,-1) (-1,0) (-1,1) (0,-1) ...
    const int v[9] = {g0[w],     g1[w],     g2[w],     g0[w + 1], g1[w + 1],
                      g2[w + 1], g0[w + 2], g1[w + 2], g2[w + 2]};
    int mn = v[0], mx = v[0];
    for (int i = 1; i < 9; ++i) {
        mn = std::min(mn, v[i]);
        mx = std::max(mx, v[i]);
    }
    int d[9];
    if (mx == mn)
        for (int i = 0; i < 9; ++i)
            d[i] = 1; // fmi.m: a constant window normalises to all ones
    else
        for (int i = 0; i < 9; ++i)
            d[i] = v[i] - mn;
    int S = 0, E1 = 0, E2 = 0;
    int cum[9];
    for (int i = 0; i < 9; ++i) {
        S += d[i];
        cum[i] = S;
        E1 += (i + 1) * d[i];
        E2 += (i + 1) * (i + 1) * d[i];
    }
    const double invS = 1.0 / S, lS = L[S];
    double ps = 0, en = 0, cs = 0;
    for (int i = 0; i < 9; ++i) {
        const double p = d[i] * invS;
        const double lp = d[i] > 0 ? L[d[i]] - lS : 0.0;
        const double cd = i == 8 ? 1.0 : std::min(cum[i] * invS, 1.0);
        o.pdf[i * st + w] = p;
        o.lpdf[i * st + w] = lp;
        o.cdf[i * st + w] = cd;
        ps += p;
        en -= p * lp;
        cs += cd;
    }
    o.psum[w] = ps;
    o.entropy[w] = en;
    o.csum[w] = cs;
    const double e1 = double(E1) / S, e2 = double(E2) / S;
    o.sd[w] = std::sqrt(std::abs(e2 - e1 * e1));
}

#if defined(__GNUC__) && defined(__x86_64__)
#define VF_FMI_AVX2 1
bool fmiLanesSupported() {
    static const bool yes = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    return yes;
}
#endif

// Statistics of all windows of row r (centres (r, 1 .. n)).
void winStatsRow(const int* g, int cols, int r, const double* L, WinRow& o) {
    const int* g0 = g + size_t(r - 1) * cols;
    const int* g1 = g0 + cols;
    const int* g2 = g1 + cols;
    for (int w = 0; w < o.n; ++w)
        winStatsOne(g0, g1, g2, w, L, o);
}

// One (X, F) pair of a window: everything but the batched logarithms. Appends the values
// whose ent() is needed to `vals` and returns the part of H_XF known in closed form.
struct PairPending {
    double known;   // H_XF without the ent() of vals[begin, end)
    double lcCoeff; // coefficient of log2|1 - theta| in H_XF (that log is vals[begin])
    size_t begin, end;
    double hx, hf;
};

// The merge of one pair's two cdfs, run as a fixed 17 steps over arrays padded with 1.0 (a
// data-dependent exit would be mispredicted; steps past the end have zero mass and zero
// count, so they change nothing). The two pairs of a window (A-F, B-F) are merged in the same
// loop: two independent dependency chains that the CPU overlaps.
struct Merge {
    double b[18]; // X's cdf (upper bound) or its mirror 1 - cdf_X(7 - k) (lower bound)
    double masses[18];
    int ci[18], cj[18];
    int nc = 0;
    double sb = 0;
    int js, j0, cs, c0; // column index j0 + js k, count c0 + cs k
    double num;
    bool positive;
};

// Correlation of the pdfs of window w of X and F (their means are psum / 9).
inline double corrOne(const WinRow& X, const WinRow& F, int w) {
    const size_t st = X.st;
    const double mx = X.psum[w] / 9, mf = F.psum[w] / 9;
    double sif = 0, sii = 0, sff = 0;
    for (int i = 0; i < 9; ++i) {
        const double a = X.pdf[i * st + w] - mx, b = F.pdf[i * st + w] - mf;
        sif += a * b;
        sii += a * a;
        sff += b * b;
    }
    double dd = sii * sff;
    if (dd == 0) dd = 1;
    return sif / std::sqrt(dd);
}

// The correlations of all windows of a row.
void corrRow(const WinRow& X, const WinRow& F, double* cc) {
    for (int w = 0; w < X.n; ++w)
        cc[w] = corrOne(X, F, w);
}

// Theta's numerator and the merge set-up of one pair (cc: the correlation of the pdfs).
inline void pairPrep(const Win& X, const Win& F, double cc, Merge& m, PairPending& p) {
    p = PairPending{};
    p.hx = X.entropy;
    p.hf = F.entropy;
    m.positive = cc >= 0;
    m.num = cc * X.sd * F.sd;
    p.known = X.psum * F.entropy + F.psum * X.entropy; // times c, below
    p.lcCoeff = -X.psum * F.psum;                      // times c, below
    // Staircase cells of the copula: interval ends a = cdf_F (rows i), b = cdf_X (columns
    // j) for the upper bound; for the lower bound the X intervals are mirrored,
    // [1 - cdf_X(j), 1 - cdf_X(j-1)], and run j = 8 .. 0. On the merged segment (lo, hi] in
    // cell (i, k), #{F ends > t} = 9 - i and #{X ends > t} = 9 - k (upper bound) resp.
    // #{1 - cdf_X < t} = k + 1 (lower bound), which gives the theta denominator's
    // sum_{i,k} B(cdf_X(i), cdf_F(k)) as sum over cells of mass * those counts.
    if (m.positive)
        for (int k = 0; k < 9; ++k)
            m.b[k] = X.cdf(k);
    else {
        for (int k = 0; k < 8; ++k)
            m.b[k] = 1.0 - X.cdf(7 - k);
        m.b[8] = 1.0;
    }
    for (int q = 9; q < 18; ++q)
        m.b[q] = 1.0;
    m.js = m.positive ? 1 : -1;
    m.j0 = m.positive ? 0 : 8;
    m.cs = m.positive ? -1 : 1;
    m.c0 = m.positive ? 9 : 1;
}

// Two merges against the same padded F cdf `a`.
inline void merge2(const double* a, Merge& m0, Merge& m1) {
    int i0 = 0, k0 = 0, i1 = 0, k1 = 0;
    double lo0 = 0, lo1 = 0;
    for (int step = 0; step < 17; ++step) {
        {
            const double av = a[i0], bv = m0.b[k0];
            const double hi = std::min(av, bv);
            const double mass = hi - lo0;
            m0.sb += mass * double((9 - i0) * (m0.c0 + m0.cs * k0));
            m0.masses[m0.nc] = mass;
            m0.ci[m0.nc] = i0;
            m0.cj[m0.nc] = m0.j0 + m0.js * k0;
            m0.nc += mass > 0;
            lo0 = hi;
            i0 += av <= bv;
            k0 += bv <= av;
        }
        {
            const double av = a[i1], bv = m1.b[k1];
            const double hi = std::min(av, bv);
            const double mass = hi - lo1;
            m1.sb += mass * double((9 - i1) * (m1.c0 + m1.cs * k1));
            m1.masses[m1.nc] = mass;
            m1.ci[m1.nc] = i1;
            m1.cj[m1.nc] = m1.j0 + m1.js * k1;
            m1.nc += mass > 0;
            lo1 = hi;
            i1 += av <= bv;
            k1 += bv <= av;
        }
    }
}

// theta and the values whose ent() is needed (appended to vals), the closed-form part of H_XF.
inline void pairFinish(const Win& X, const Win& F, const Merge& m, PairPending& p, double* vals,
                       size_t& used) {
    double* out = vals + used;
    p.begin = used;
    size_t nOut = 1; // out[0] = c, filled below
    if (m.num != 0) {
        double den = m.sb - X.csum * F.csum;
        if (den == 0) den = 1;
        const double theta = m.num / den;
        const double c = 1.0 - theta;
        for (int q = 0; q < m.nc; ++q) {
            const double pp = F.pdf(m.ci[q]) * X.pdf(m.cj[q]);
            // replace this cell's closed-form term ent(c pF pX) by the real one
            p.known += pp * (F.lpdf(m.ci[q]) + X.lpdf(m.cj[q]));
            p.lcCoeff += pp;
            out[nOut++] = theta * m.masses[q] + c * pp;
        }
        out[0] = c;
    } else {
        out[0] = 1.0;
    }
    const double c = out[0];
    p.known *= c;
    p.lcCoeff *= c;
    p.end = p.begin + nOut;
    used += nOut;
}

// Both pairs (A-F, B-F) of a window.
inline void windowPairs(const Win& A, const Win& B, const Win& F, double ccA, double ccB,
                        double* vals, size_t& used, PairPending& pa, PairPending& pb) {
    Merge ma, mb;
    pairPrep(A, F, ccA, ma, pa);
    pairPrep(B, F, ccB, mb, pb);
    double a[18];
    for (int q = 0; q < 9; ++q)
        a[q] = F.cdf(q);
    for (int q = 9; q < 18; ++q)
        a[q] = 1.0;
    merge2(a, ma, mb);
    pairFinish(A, F, ma, pa, vals, used);
    pairFinish(B, F, mb, pb, vals, used);
}

#ifdef VF_FMI_AVX2
// ------------------------------------------------------------------------------------------
// The same quantities for eight windows at a time, one window per SIMD lane (AVX2 + FMA).
// Everything that fmi.m derives from the window pdfs is an integer once multiplied by the
// window sums S_X, S_F, so the staircase of the Frechet-bound copula comes from an integer
// rank computation instead of a sequential merge:
//   * the interval ends are the keys KA_i = cum_F(i) S_X (F, rows) and KB_k = cum_X'(k) S_F (X,
//     columns), with X' = X for the upper bound and X reversed for the lower bound (the mirrored
//     cdf 1 - cdf_X(7 - k) is the cdf of the reversed pdf); both end at T = S_F S_X;
//   * every staircase cell is the segment that ends at one of the interval ends: the end KA_i
//     closes cell (i, #{KB < KA_i}), the end KB_k closes cell (#{KA <= KB_k}, k); its mass is the
//     end minus the largest end below it (zero for repeated ends, so each cell counts once);
//     KB_8 = KA_8 = T never closes a cell of positive mass, which leaves 17 candidates;
//   * the theta denominator T (sum B - csum_X csum_F) is an exact integer in double;
//   * corr(pdf_X, pdf_F) = sum u_X u_F / sqrt(sum u_X^2 sum u_F^2) with u = 9 d - S (integers);
//   * H_XF = c (H_X + H_F) - c log2|c| (1 - sum' pp) + c sum' pp log2 pp + sum' ent(v) with c =
//     1 - theta, over the staircase cells (sum'), v = theta m + c pp their joint probability: the
//     closed form of the non-staircase cells as in the scalar code, with P = Q = 1;
//   * sum' pp log2 pp needs no per-cell logarithm: it is sum_i d log2 d of F's row i times the
//     d_X sum of the row's cells, plus the same over X's columns; those row and column sums are
//     differences of the ends next to the row's (column's) ends, found by the same ranks;
//   * the per-cell products d_F d_X likewise come from the ends next to the cell's end.
// The logarithms of the 17 candidates' v are taken in every lane (a candidate that closes no
// cell has v = 0 and coefficient 0) with fdlibm's log polynomial, batched per group of windows.
// fmi.m's floating-point quirks that decide cases are reproduced: two flat windows correlate
// with 1 (a rounding residue, see flatCorr), a pdf with one nonzero has H = 0 and sd = 0
// exactly. Agrees with the scalar code and the literal fmi.m to ~1e-13.
namespace lanes {

struct alignas(32) Stats8 {
    std::int32_t cum[9][8];  // prefix sums of d (feature - window minimum, all ones for a flat
                             // window); cum[8] = S
    std::int32_t rcum[9][8]; // prefix sums of the reversed d
    std::int32_t u[9][8];    // 9 d - S
    double dd[9][8];         // d
    double g[9][8];          // d log2 d (0 where d = 0)
    double H[8], sd[8], lS[8], invS[8], csumd[8], uud[8]; // csumd = sum of cum, uud = sum u^2
};

#define VF_LANES __attribute__((target("avx2,fma")))

VF_LANES inline __m256i ld8(const std::int32_t* p) {
    return _mm256_load_si256(reinterpret_cast<const __m256i*>(p));
}
VF_LANES inline void st8(std::int32_t* p, __m256i v) {
    _mm256_store_si256(reinterpret_cast<__m256i*>(p), v);
}
VF_LANES inline __m256d gatherL(const double* L, __m128i idx) {
    const __m256d zero = _mm256_setzero_pd();
    return _mm256_mask_i32gather_pd(zero, L, idx, _mm256_castsi256_pd(_mm256_set1_epi64x(-1)), 8);
}
VF_LANES inline __m128i half(__m256i v, int h) {
    return h ? _mm256_extracti128_si256(v, 1) : _mm256_castsi256_si128(v);
}

// log2 of four positive normal doubles, within 2 ulp: x = 2^k m with m in [sqrt(1/2), sqrt(2)),
// s = (m - 1) / (m + 1), ln m = 2 atanh(s) = s (2 + R(s^2)) with fdlibm's minimax R (e_log.c,
// error < 2^-58), so log2 x = k + s Q(s^2), Q = (2 + R) / ln 2 (one rounding more than fdlibm's
// arrangement, which keeps its last ulp; a quarter fewer operations).
VF_LANES inline __m256d log2Pos(__m256d x) {
    const __m256i bits = _mm256_castpd_si256(x);
    // adding 1 - sqrt(2)'s mantissa carries into the exponent exactly when m >= sqrt(2)
    const __m256i kb = _mm256_srli_epi64(
        _mm256_add_epi64(bits,
                         _mm256_set1_epi64x(0x00095f619980c433LL) /* 2^52 - mantissa of sqrt(2) */),
        52);
    const __m256i k = _mm256_sub_epi64(kb, _mm256_set1_epi64x(1023));
    const __m256d m = _mm256_castsi256_pd(_mm256_sub_epi64(bits, _mm256_slli_epi64(k, 52)));
    const __m256d kd = _mm256_sub_pd(
        _mm256_castsi256_pd(_mm256_or_si256(kb, _mm256_set1_epi64x(0x4330000000000000LL))),
        _mm256_set1_pd(4503599627370496.0 + 1023.0));
    const __m256d f = _mm256_sub_pd(m, _mm256_set1_pd(1.0));
    const __m256d s = _mm256_div_pd(f, _mm256_add_pd(_mm256_set1_pd(2.0), f));
    const __m256d z = _mm256_mul_pd(s, s), w = _mm256_mul_pd(z, z);
    constexpr double il2 = 1.4426950408889634074; // 1 / ln 2
#define c(v) _mm256_set1_pd((v)*il2)
    // Lg1 z + Lg2 z^2 + ... + Lg7 z^7 = z (Lg1 + Lg3 w + Lg5 w^2 + Lg7 w^3) + w (Lg2 + ...)
    const __m256d odd = _mm256_fmadd_pd(
        w,
        _mm256_fmadd_pd(
            w, _mm256_fmadd_pd(w, c(1.479819860511658591e-01), c(1.818357216161805012e-01)),
            c(2.857142874366239149e-01)),
        c(6.666666666666735130e-01));
    const __m256d even = _mm256_fmadd_pd(
        w, _mm256_fmadd_pd(w, c(1.531383769920937332e-01), c(2.222219843214978396e-01)),
        c(3.999999999940941908e-01));
    const __m256d Q = _mm256_fmadd_pd(z, odd, _mm256_fmadd_pd(w, even, c(2.0)));
#undef c
    return _mm256_fmadd_pd(s, Q, kd);
}

// Statistics of the windows w .. w + 7 (centres (r, w + 1 ..)); g0, g1, g2 the rows r - 1 ..
// r + 1, readable 8 ints past w + 2.
VF_LANES void stats8(const int* g0, const int* g1, const int* g2, int w, const double* L,
                     Stats8& o) {
#define ldu(p) _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p))
    // column-major, as MATLAB's (:)
    const __m256i v[9] = {ldu(g0 + w),     ldu(g1 + w),     ldu(g2 + w),
                          ldu(g0 + w + 1), ldu(g1 + w + 1), ldu(g2 + w + 1),
                          ldu(g0 + w + 2), ldu(g1 + w + 2), ldu(g2 + w + 2)};
#undef ldu
    __m256i mn = v[0], mx = v[0];
    for (int i = 1; i < 9; ++i) {
        mn = _mm256_min_epi32(mn, v[i]);
        mx = _mm256_max_epi32(mx, v[i]);
    }
    const __m256i flat = _mm256_cmpeq_epi32(mn, mx);
    const __m256i one = _mm256_set1_epi32(1);
    __m256i d[9], S = _mm256_setzero_si256(), cs = S, c2 = S, cs2 = S;
    for (int i = 0; i < 9; ++i) {
        d[i] = _mm256_blendv_epi8(_mm256_sub_epi32(v[i], mn), one, flat);
        S = _mm256_add_epi32(S, d[i]);
        st8(o.cum[i], S);
        cs = _mm256_add_epi32(cs, S); // sum of cum = sum (9 - i) d_i
        c2 = _mm256_add_epi32(c2, S);
        cs2 = _mm256_add_epi32(cs2, c2); // sum of the sums of cum = sum (9 - i)(10 - i) / 2 d_i
    }
    // E1 = sum (i + 1) d_i = 10 S - cs, E2 = sum (i + 1)^2 d_i = 2 cs2 + 100 S - 21 cs
    const __m256i S10 = _mm256_mullo_epi32(S, _mm256_set1_epi32(10));
    const __m256i E1 = _mm256_sub_epi32(S10, cs);
    const __m256i E2 =
        _mm256_sub_epi32(_mm256_add_epi32(_mm256_add_epi32(cs2, cs2),
                                          _mm256_mullo_epi32(S10, _mm256_set1_epi32(10))),
                         _mm256_mullo_epi32(cs, _mm256_set1_epi32(21)));
    __m256i r = _mm256_setzero_si256(), uu = r;
    const __m256i nine = _mm256_set1_epi32(9);
    for (int k = 0; k < 9; ++k) {
        r = _mm256_add_epi32(r, d[8 - k]);
        st8(o.rcum[k], r);
        const __m256i u = _mm256_sub_epi32(_mm256_mullo_epi32(d[k], nine), S);
        st8(o.u[k], u);
        uu = _mm256_add_epi32(uu, _mm256_mullo_epi32(u, u));
    }
    // a single nonzero d: S = max d = max - min (not for a flat window: S = 9, max - min = 0)
    const __m256i single = _mm256_cmpeq_epi32(S, _mm256_sub_epi32(mx, mn));
    for (int h = 0; h < 2; ++h) {
        const __m256d Sd = _mm256_cvtepi32_pd(half(S, h));
        const __m256d invS = _mm256_div_pd(_mm256_set1_pd(1.0), Sd);
        const __m256d lS = gatherL(L, half(S, h));
        __m256d dl = _mm256_setzero_pd();
        for (int k = 0; k < 9; ++k) {
            const __m128i dk = half(d[k], h);
            const __m256d dkd = _mm256_cvtepi32_pd(dk);
            const __m256d g = _mm256_mul_pd(dkd, gatherL(L, dk)); // L[0] = 0
            _mm256_store_pd(&o.dd[k][4 * h], dkd);
            _mm256_store_pd(&o.g[k][4 * h], g);
            dl = _mm256_add_pd(dl, g);
        }
        // H = -sum p log2 p = log2 S - sum d log2 d / S; exactly 0 for a pdf with a single
        // nonzero (as fmi.m's sum, which decides its H_X + H_F = 0 case)
        const __m256d oneHot = _mm256_castsi256_pd(_mm256_cvtepi32_epi64(half(single, h)));
        _mm256_store_pd(&o.H[4 * h], _mm256_andnot_pd(oneHot, _mm256_fnmadd_pd(dl, invS, lS)));
        _mm256_store_pd(&o.lS[4 * h], lS);
        _mm256_store_pd(&o.invS[4 * h], invS);
        _mm256_store_pd(&o.csumd[4 * h], _mm256_cvtepi32_pd(half(cs, h)));
        _mm256_store_pd(&o.uud[4 * h], _mm256_cvtepi32_pd(half(uu, h)));
        // (divided, not multiplied by 1 / S: exact for a single nonzero, whose sd is 0)
        const __m256d e1 = _mm256_div_pd(_mm256_cvtepi32_pd(half(E1, h)), Sd);
        const __m256d e2 = _mm256_div_pd(_mm256_cvtepi32_pd(half(E2, h)), Sd);
        const __m256d diff = _mm256_fnmadd_pd(e1, e1, e2);
        _mm256_store_pd(&o.sd[4 * h], _mm256_sqrt_pd(_mm256_andnot_pd(_mm256_set1_pd(-0.0), diff)));
    }
}

// Where `key` falls among the sorted ends e[0..8] (e[8] = T), over e[0..7]: the ends below it
// (Strict: e < key; else e <= key) form a prefix; `below` is the last of them (0 if none),
// `above` the end after it, `cnt` their count (Strict) or the count of the others (else).
struct Rank {
    __m256i cnt, below, above;
};
template <bool Strict> VF_LANES inline Rank rankBelow(__m256i key, const __m256i* e) {
    Rank r{_mm256_setzero_si256(), _mm256_setzero_si256(), e[0]};
    for (int j = 0; j < 8; ++j) {
        // Strict: m = (e[j] < key), the prefix; else m = (e[j] > key), the rest
        const __m256i m = Strict ? _mm256_cmpgt_epi32(key, e[j]) : _mm256_cmpgt_epi32(e[j], key);
        r.cnt = _mm256_sub_epi32(r.cnt, m);
        r.below =
            Strict ? _mm256_blendv_epi8(r.below, e[j], m) : _mm256_blendv_epi8(e[j], r.below, m);
        r.above = Strict ? _mm256_blendv_epi8(r.above, e[j + 1], m)
                         : _mm256_blendv_epi8(e[j + 1], r.above, m);
    }
    return r;
}

constexpr int kCand = 17; // 9 ends of F, the first 8 ends of X'

// FMI(X, F) of the eight windows, as half the pair value per lane, 1 - H_XF / (H_X + H_F)
// (0.5 where H_X + H_F = 0, fmi.m's mi = 0.5, sum = 1), added to acc[0..1] (lanes 0-3, 4-7)
// where the lane mask `on` is set. The logarithms are not taken here: each term
// coef * log2(x) of the result is appended to (xs, cs), four lanes at a time (count: doubles).
VF_LANES void pair8(const Stats8& X, const Stats8& F, const __m256i on, double flatCorr,
                    __m256d acc[2], double* xs, double* cs, int& count) {
    int n = count; // a local copy: the stores through xs, cs could alias a reference
    // per candidate cell: its mass, the d of its other coordinate times that side's S (DS, from
    // the ends next to it; zero with the mass), and its weight in the theta denominator; per row i
    // / column k of the staircase: the sum of d_X over the row's cells times S_F (R) / of d_F over
    // the column's cells times S_X (C)
    alignas(32) std::int32_t M[kCand][8], DS[kCand][8], fac[kCand][8], R[9][8], C[9][8];
    const __m256i SX = ld8(X.cum[8]), SF = ld8(F.cum[8]);
    __m256i N = _mm256_setzero_si256();
    for (int k = 0; k < 9; ++k)
        N = _mm256_add_epi32(N, _mm256_mullo_epi32(ld8(X.u[k]), ld8(F.u[k])));
    const __m256i pos = _mm256_cmpgt_epi32(N, _mm256_set1_epi32(-1)); // corr >= 0: upper bound
    alignas(32) std::int32_t Nv[8];
    st8(Nv, N);
    const __m256d posD[2] = {_mm256_castsi256_pd(_mm256_cvtepi32_epi64(half(pos, 0))),
                             _mm256_castsi256_pd(_mm256_cvtepi32_epi64(half(pos, 1)))};
    __m256i KA[9], KB[9];
    const __m256i nine = _mm256_set1_epi32(9), zeroI = _mm256_setzero_si256();
    for (int k = 0; k < 9; ++k) {
        KB[k] = _mm256_mullo_epi32(_mm256_blendv_epi8(ld8(X.rcum[k]), ld8(X.cum[k]), pos), SF);
        KA[k] = _mm256_mullo_epi32(ld8(F.cum[k]), SX);
    }
    // the X column count of the theta denominator: 9 - k (upper) or 1 + k (lower), k in X' order
    auto colCount = [&](__m256i k) VF_LANES {
        return _mm256_blendv_epi8(_mm256_add_epi32(k, _mm256_set1_epi32(1)),
                                  _mm256_sub_epi32(nine, k), pos);
    };
    // ends of F: cell (i, k* = #{KB < KA_i}). The compare is true for a prefix of k: the last
    // true k gives the end below, KB_{k*-1}, its successor the end above, KB_{k*}; their
    // difference is d_X'(k*) S_F. Row i of the staircase spans the columns whose intervals overlap
    // (KA_{i-1}, KA_i]: its d_X sum times S_F is KB_{k*} - max{KB <= KA_{i-1}}.
    __m256i belowEqPrev = zeroI;
    for (int i = 0; i < 9; ++i) {
        const Rank rk = rankBelow<true>(KA[i], KB);
        const __m256i cnt = rk.cnt, below = rk.below, above = rk.above;
        const __m256i lo = i ? _mm256_max_epi32(KA[i - 1], below) : below;
        st8(M[i], _mm256_sub_epi32(KA[i], lo));     // zero with d_F(i)
        st8(DS[i], _mm256_sub_epi32(above, below)); // d_X'(k*) S_F
        st8(fac[i], _mm256_mullo_epi32(_mm256_set1_epi32(9 - i), colCount(cnt)));
        st8(R[i], _mm256_sub_epi32(above, belowEqPrev));
        belowEqPrev = _mm256_blendv_epi8(below, KA[i], _mm256_cmpeq_epi32(above, KA[i]));
    }
    // ends of X': cell (#{KA <= KB_k}, k). The compare is false for a prefix of i: the last
    // false i gives the end below (max{KA <= KB_k}), its successor the first KA above KB_k;
    // their difference is d_F S_X of the cell's row, zeroed where the mass is zero (a tie with
    // an end of F, whose cell it is). Column k spans the rows whose intervals overlap (KB_{k-1},
    // KB_k]: its d_F sum times S_X is min{KA >= KB_k} - max{KA <= KB_{k-1}}.
    __m256i belowPrev = zeroI;
    for (int k = 0; k < 8; ++k) {
        const Rank rk = rankBelow<false>(KB[k], KA);
        __m256i cnt = rk.cnt, below = rk.below;
        const __m256i above = rk.above;
        // i = 8: KA_8 = T >= KB_k, greater unless KB_k = T (then the mass is zero)
        const __m256i m8 = _mm256_cmpgt_epi32(KA[8], KB[k]);
        cnt = _mm256_sub_epi32(cnt, m8);
        below = _mm256_blendv_epi8(KA[8], below, m8);
        const __m256i lo = k ? _mm256_max_epi32(KB[k - 1], below) : below;
        const __m256i mass = _mm256_sub_epi32(KB[k], lo);
        const __m256i kk = _mm256_set1_epi32(k);
        st8(M[9 + k], mass);
        // d_F of the cell's row times S_X, zero where the mass is
        st8(DS[9 + k],
            _mm256_and_si256(_mm256_sub_epi32(above, below), _mm256_cmpgt_epi32(mass, zeroI)));
        st8(fac[9 + k], _mm256_mullo_epi32(cnt, colCount(kk)));
        const __m256i aboveEq = _mm256_blendv_epi8(above, KB[k], _mm256_cmpeq_epi32(below, KB[k]));
        st8(C[k], _mm256_sub_epi32(aboveEq, belowPrev));
        belowPrev = below;
    }
    st8(C[8], _mm256_sub_epi32(KA[8], belowPrev)); // column 8 ends at T = KA_8
    const __m256d zero = _mm256_setzero_pd(), one = _mm256_set1_pd(1.0);
    const __m256d absMask = _mm256_castsi256_pd(_mm256_set1_epi64x(0x7fffffffffffffffLL));
    const __m256d tiny = _mm256_set1_pd(1e-300);
    // In doubles, lanes 0-3 and 4-7 side by side (h = 0, 1), sums split in partial sums: the
    // two halves' chains of dependent operations overlap.
    auto cvt = [&](const std::int32_t* p, int h) VF_LANES {
        return _mm256_cvtepi32_pd(_mm_load_si128(reinterpret_cast<const __m128i*>(p + 4 * h)));
    };
    auto ldd = [&](const double* p, int h) VF_LANES { return _mm256_load_pd(p + 4 * h); };
    __m256d invSX[2], invSF[2], invT[2], den[2][2];
    for (int h = 0; h < 2; ++h) {
        invSX[h] = ldd(X.invS, h);
        invSF[h] = ldd(F.invS, h);
        invT[h] = _mm256_mul_pd(invSX[h], invSF[h]);
        den[h][0] = _mm256_sub_pd(zero, _mm256_mul_pd(ldd(X.csumd, h), ldd(F.csumd, h)));
        den[h][1] = zero;
    }
    alignas(32) double Md[kCand][8];
    for (int q = 0; q < kCand; ++q)
        for (int h = 0; h < 2; ++h) {
            const __m256d m = cvt(M[q], h);
            _mm256_store_pd(Md[q] + 4 * h, m);
            den[h][q & 1] = _mm256_fmadd_pd(m, cvt(fac[q], h), den[h][q & 1]); // exact integers
        }
    __m256d theta[2], c[2], negW[2], wgt[2], hsOk[2], onD[2], Hs[2], cTF[2], cTX[2], thetaT[2];
    for (int h = 0; h < 2; ++h) {
        __m256d d = _mm256_mul_pd(_mm256_add_pd(den[h][0], den[h][1]), invT[h]);
        d = _mm256_blendv_pd(d, one, _mm256_cmp_pd(d, zero, _CMP_EQ_OQ));
        const __m256d uuX = ldd(X.uud, h), uuF = ldd(F.uud, h);
        __m256d dd = _mm256_mul_pd(uuX, uuF);
        dd = _mm256_blendv_pd(dd, one, _mm256_cmp_pd(dd, zero, _CMP_EQ_OQ));
        // two flat windows: fmi.m's pdf minus its mean is a rounding residue, the same in both,
        // which makes the correlation flatCorr (1) instead of 0 / 0
        const __m256d bothFlat = _mm256_cmp_pd(_mm256_add_pd(uuX, uuF), zero, _CMP_EQ_OQ);
        const __m256d corr = _mm256_blendv_pd(_mm256_div_pd(cvt(Nv, h), _mm256_sqrt_pd(dd)),
                                              _mm256_set1_pd(flatCorr), bothFlat);
        const __m256d num = _mm256_mul_pd(_mm256_mul_pd(corr, ldd(X.sd, h)), ldd(F.sd, h));
        theta[h] = _mm256_div_pd(num, d);
        c[h] = _mm256_sub_pd(one, theta[h]);
        Hs[h] = _mm256_add_pd(ldd(X.H, h), ldd(F.H, h));
        onD[h] = _mm256_castsi256_pd(_mm256_cvtepi32_epi64(half(on, h)));
        // w = -1 / Hs where counted, else 0
        hsOk[h] = _mm256_and_pd(onD[h], _mm256_cmp_pd(Hs[h], zero, _CMP_NEQ_OQ));
        wgt[h] = _mm256_and_pd(hsOk[h], _mm256_div_pd(_mm256_set1_pd(-1.0), Hs[h]));
        negW[h] = _mm256_sub_pd(zero, wgt[h]);
        const __m256d cT = _mm256_mul_pd(c[h], invT[h]);
        cTF[h] = _mm256_mul_pd(cT, invSF[h]); // a cell's d_F d_X is d S_F / S_F or d S_X / S_X
        cTX[h] = _mm256_mul_pd(cT, invSX[h]);
        thetaT[h] = _mm256_mul_pd(theta[h], invT[h]);
    }
    // the staircase cells' joint probabilities v = (theta M + c d_F d_X) / T: ent(v) =
    // -v log2|v| is a term (-v w) log2|v| of the result. A candidate that closes no cell has
    // v = 0 (coefficient 0); |v| below 1e-300 is taken as 1e-300 (contributes < 1e-297).
    for (int q = 0; q < kCand; ++q)
        for (int h = 0; h < 2; ++h) {
            // d_F d_X S of the cell (S = S_F for an end of F, S_X for an end of X')
            const __m256d dd =
                q < 9 ? ldd(F.dd[q], h)
                      : _mm256_blendv_pd(ldd(X.dd[17 - q], h), ldd(X.dd[q - 9], h), posD[h]);
            const __m256d v = _mm256_fmadd_pd(
                thetaT[h], _mm256_load_pd(Md[q] + 4 * h),
                _mm256_mul_pd(q < 9 ? cTF[h] : cTX[h], _mm256_mul_pd(dd, cvt(DS[q], h))));
            _mm256_storeu_pd(xs + n, _mm256_max_pd(_mm256_and_pd(v, absMask), tiny));
            _mm256_storeu_pd(cs + n, _mm256_mul_pd(v, negW[h]));
            n += 4;
        }
    // over the staircase cells: sum pp = sum_i d_F(i) R_i / (S_F T), and
    // sum pp log2(d_F d_X) = (sum_i g_F(i) R_i / S_F + sum_k g_X'(k) C_k / S_X) / T
    __m256d sF[2][2], sG[2][2], sX[2][2];
    for (int h = 0; h < 2; ++h)
        for (int e = 0; e < 2; ++e)
            sF[h][e] = sG[h][e] = sX[h][e] = zero;
    for (int i = 0; i < 9; ++i)
        for (int h = 0; h < 2; ++h) {
            const int e = i & 1;
            const __m256d Ri = cvt(R[i], h);
            sF[h][e] = _mm256_fmadd_pd(ldd(F.dd[i], h), Ri, sF[h][e]);
            sG[h][e] = _mm256_fmadd_pd(ldd(F.g[i], h), Ri, sG[h][e]);
            const __m256d gx = _mm256_blendv_pd(ldd(X.g[8 - i], h), ldd(X.g[i], h), posD[h]);
            sX[h][e] = _mm256_fmadd_pd(gx, cvt(C[i], h), sX[h][e]);
        }
    for (int h = 0; h < 2; ++h) {
        const __m256d sumPP =
            _mm256_mul_pd(_mm256_mul_pd(_mm256_add_pd(sF[h][0], sF[h][1]), invSF[h]), invT[h]);
        const __m256d lT = _mm256_add_pd(ldd(X.lS, h), ldd(F.lS, h));
        const __m256d sumPPL = _mm256_fnmadd_pd(
            lT, sumPP,
            _mm256_mul_pd(
                _mm256_fmadd_pd(_mm256_add_pd(sG[h][0], sG[h][1]), invSF[h],
                                _mm256_mul_pd(_mm256_add_pd(sX[h][0], sX[h][1]), invSX[h])),
                invT[h]));
        // H_XF = c Hs - c log2|c| (1 - sumPP) + c sumPPL + sum ent(v)
        const __m256d ac = _mm256_and_pd(c[h], absMask);
        const __m256d okc = _mm256_cmp_pd(ac, tiny, _CMP_GT_OQ);
        _mm256_storeu_pd(xs + n, _mm256_blendv_pd(one, ac, okc));
        _mm256_storeu_pd(cs + n,
                         _mm256_and_pd(okc, _mm256_mul_pd(_mm256_mul_pd(_mm256_sub_pd(zero, c[h]),
                                                                        _mm256_sub_pd(one, sumPP)),
                                                          wgt[h])));
        n += 4;
        const __m256d Jlin = _mm256_fmadd_pd(c[h], sumPPL, _mm256_mul_pd(c[h], Hs[h]));
        // 1 + w Jlin where counted, 0.5 for a counted window with Hs = 0
        const __m256d val = _mm256_blendv_pd(_mm256_and_pd(onD[h], _mm256_set1_pd(0.5)),
                                             _mm256_fmadd_pd(wgt[h], Jlin, one), hsOk[h]);
        acc[h] = _mm256_add_pd(acc[h], val);
    }
    count = n;
}

// sum of cs[i] log2(xs[i]), i < n (a multiple of 4; xs positive normal)
VF_LANES __m256d logSum(const double* xs, const double* cs, int n) {
    __m256d a0 = _mm256_setzero_pd(), a1 = a0;
    int i = 0;
    for (; i + 8 <= n; i += 8) {
        a0 = _mm256_fmadd_pd(_mm256_loadu_pd(cs + i), log2Pos(_mm256_loadu_pd(xs + i)), a0);
        a1 = _mm256_fmadd_pd(_mm256_loadu_pd(cs + i + 4), log2Pos(_mm256_loadu_pd(xs + i + 4)), a1);
    }
    for (; i < n; i += 4)
        a0 = _mm256_fmadd_pd(_mm256_loadu_pd(cs + i), log2Pos(_mm256_loadu_pd(xs + i)), a0);
    return _mm256_add_pd(a0, a1);
}

VF_LANES double fmiLanes(const int* ga, const int* gb, const int* gf, int rows, int cols,
                         const cv::Mat& mask, const double* L, double& count) {
    const int nw = cols - 2;
    // fmi.m's correlation of two flat windows: their pdfs are nine times 1/9, and the pdf minus
    // its mean (the sum of the nine values, divided by 9) is the same rounding residue in both
    const double ninth = 1.0 / 9.0;
    double psum = 0;
    for (int i = 0; i < 9; ++i)
        psum += ninth;
    const double flatCorr = ninth - psum / 9 != 0 ? 1.0 : 0.0;
    Stats8 sa, sb, sf;
    alignas(32) double xs[2 * 2 * (kCand + 1) * 4], cs[2 * 2 * (kCand + 1) * 4];
    double total = 0;
    count = 0;
    const __m256i laneNo = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    for (int r = 1; r < rows - 1; ++r) {
        const uchar* m = mask.empty() ? nullptr : mask.ptr<uchar>(r);
        const size_t off = size_t(r - 1) * cols;
        __m256d acc[2] = {_mm256_setzero_pd(), _mm256_setzero_pd()};
        for (int w = 0; w < nw; w += 8) {
            __m256i on = _mm256_cmpgt_epi32(_mm256_set1_epi32(nw - w), laneNo);
            if (m) {
                alignas(32) std::int32_t mm[8];
                for (int l = 0; l < 8; ++l)
                    mm[l] = w + l < nw && m[w + l + 1] ? -1 : 0;
                on = ld8(mm);
            }
            const int bits = _mm256_movemask_ps(_mm256_castsi256_ps(on));
            if (!bits) continue;
            count += __builtin_popcount(unsigned(bits));
            stats8(ga + off, ga + off + cols, ga + off + 2 * cols, w, L, sa);
            stats8(gb + off, gb + off + cols, gb + off + 2 * cols, w, L, sb);
            stats8(gf + off, gf + off + cols, gf + off + 2 * cols, w, L, sf);
            int n = 0;
            pair8(sa, sf, on, flatCorr, acc, xs, cs, n);
            pair8(sb, sf, on, flatCorr, acc, xs, cs, n);
            acc[0] = _mm256_add_pd(acc[0], logSum(xs, cs, n));
        }
        alignas(32) double t[8];
        _mm256_store_pd(t, acc[0]);
        _mm256_store_pd(t + 4, acc[1]);
        total += ((t[0] + t[1]) + (t[2] + t[3])) + ((t[4] + t[5]) + (t[6] + t[7]));
    }
    return total;
}

} // namespace lanes
#endif

} // namespace

void entInPlace(double* x, std::size_t n) {
    entKernel(x, n);
}

double fmiGradient(const cv::Mat& a8, const cv::Mat& b8, const cv::Mat& f8, const cv::Mat& mask,
                   FmiPath path) {
    const int rows = f8.rows, cols = f8.cols;
    if (rows < 3 || cols < 3) return 0.0;
    const auto ga = gradX2(a8), gb = gradX2(b8), gf = gradX2(f8);
#ifdef VF_FMI_AVX2
    if (path == FmiPath::Best && fmiLanesSupported()) {
        double n = 0;
        const double total = lanes::fmiLanes(ga.data(), gb.data(), gf.data(), rows, cols, mask,
                                             tables().log2i.data(), n);
        return n > 0 ? total / n : 0.0;
    }
#endif
    const int nw = cols - 2;
    // windows in chunks of kChunk (the chunk's statistics of the three images stay in L1)
    constexpr int kChunk = 32;
    WinRow ra, rb, rf;
    ra.resize(kChunk);
    rb.resize(kChunk);
    rf.resize(kChunk);
    const double* L = tables().log2i.data();
    std::vector<double> ccA(ra.st), ccB(ra.st); // correlations of the pdfs per window
    std::vector<PairPending> pend(2 * size_t(nw));
    std::vector<char> active(nw);
    std::vector<double> vals(size_t(nw) * 2 * 18); // <= 1 + 17 values per pair
    std::vector<double> firsts(2 * size_t(nw));
    double total = 0, n = 0;
    for (int r = 1; r < rows - 1; ++r) {
        const uchar* m = mask.empty() ? nullptr : mask.ptr<uchar>(r);
        size_t used = 0;
        for (int w0 = 0; w0 < nw; w0 += kChunk) {
            const int cnt = std::min(kChunk, nw - w0);
            ra.n = rb.n = rf.n = cnt;
            // statistics of windows w0 .. w0 + cnt - 1 at local indices 0 .. cnt - 1
            winStatsRow(ga.data() + w0, cols, r, L, ra);
            winStatsRow(gb.data() + w0, cols, r, L, rb);
            winStatsRow(gf.data() + w0, cols, r, L, rf);
            corrRow(ra, rf, ccA.data());
            corrRow(rb, rf, ccB.data());
            for (int lw = 0; lw < cnt; ++lw) {
                const int w = w0 + lw, c = w + 1;
                active[w] = !m || m[c];
                if (!active[w]) continue;
                windowPairs(winAt(ra, lw), winAt(rb, lw), winAt(rf, lw), ccA[lw], ccB[lw],
                            vals.data(), used, pend[2 * w], pend[2 * w + 1]);
            }
        }
        // log2|c| of each pair must be read before entInPlace overwrites it: keep a copy
        // of those first values by recomputing ent(c) = -c log2|c| -> log2|c| = -ent / c.
        size_t nf = 0;
        for (int w = 0; w < nw; ++w)
            if (active[w])
                for (int s = 0; s < 2; ++s)
                    firsts[nf++] = vals[pend[2 * w + s].begin];
        entInPlace(vals.data(), used);
        size_t fi = 0;
        for (int w = 0; w < nw; ++w) {
            if (!active[w]) continue;
            double fm = 0;
            for (int s = 0; s < 2; ++s) {
                const PairPending& p = pend[2 * w + s];
                const double c = firsts[fi++];
                const double lc = c != 0 ? -vals[p.begin] / c : 0.0; // log2|c|
                double je = p.known + p.lcCoeff * lc;
                for (size_t q = p.begin + 1; q < p.end; ++q)
                    je += vals[q];
                double sum = p.hx + p.hf;
                double mi = sum - je;
                if (sum == 0) {
                    mi = 0.5;
                    sum = 1;
                }
                fm += 2 * mi / sum;
            }
            total += 0.5 * fm;
            n += 1;
        }
    }
    return n > 0 ? total / n : 0.0;
}

} // namespace vf::metrics::detail
