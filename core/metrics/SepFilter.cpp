// Fused separable symmetric filters for the SSIM / VIF moments (see SepFilter.h).
// The inner loops run over x with the taps outside, so GCC vectorises them; on x86-64 an
// AVX2/FMA clone is picked at run time (same formula, rounding may differ by an ulp).
#include "core/metrics/SepFilter.h"

#include <algorithm>

namespace vf::metrics::detail {

namespace {

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__)
#define VF_SEP_CLONES __attribute__((target_clones("arch=x86-64-v3", "default")))
#else
#define VF_SEP_CLONES
#endif

// out[x] = sum_t k[t] in[x + t], x in [0, w), k symmetric of odd length n. Taps outside, x
// inside: the x loops vectorise and the output row stays in L1.
VF_SEP_CLONES void rowPass(const double* __restrict in, double* __restrict out, int w,
                           const double* k, int n) {
    const int r = n / 2;
    const double kc = k[r];
    for (int x = 0; x < w; ++x)
        out[x] = kc * in[x + r];
    for (int t = 0; t < r; ++t) {
        const double kt = k[t];
        const double* lo = in + t;
        const double* hi = in + (n - 1 - t);
        for (int x = 0; x < w; ++x)
            out[x] += kt * (lo[x] + hi[x]);
    }
}

// out[x] = sum_t k[t] rows[t][x].
VF_SEP_CLONES void colPass(const double* const* rows, double* __restrict out, int w,
                           const double* k, int n) {
    const int r = n / 2;
    const double kc = k[r];
    const double* c = rows[r];
    for (int x = 0; x < w; ++x)
        out[x] = kc * c[x];
    for (int t = 0; t < r; ++t) {
        const double kt = k[t];
        const double* __restrict lo = rows[t];
        const double* __restrict hi = rows[n - 1 - t];
        for (int x = 0; x < w; ++x)
            out[x] += kt * (lo[x] + hi[x]);
    }
}

VF_SEP_CLONES void productRow(const double* __restrict a, const double* __restrict b,
                              double* __restrict out, int w) {
    for (int x = 0; x < w; ++x)
        out[x] = a[x] * b[x];
}

} // namespace

void filterMoments(const std::vector<const cv::Mat*>& images,
                   const std::vector<MomentChannel>& channels, const std::vector<double>& k,
                   FilterBorder border,
                   const std::function<void(int y, const double* const* rows)>& onRow) {
    const int n = static_cast<int>(k.size()), r = n / 2;
    const int rows = images[0]->rows, cols = images[0]->cols;
    const bool same = border == FilterBorder::Replicate;
    const int outW = same ? cols : cols - 2 * r;
    const int outH = same ? rows : rows - 2 * r;
    if (outW <= 0 || outH <= 0) return;
    const int extW = same ? cols + 2 * r : cols;
    const int K = static_cast<int>(channels.size());
    const int nImg = static_cast<int>(images.size());

    // extended image rows (replicate padding in x for Replicate), one per image
    std::vector<double> ext(size_t(nImg) * extW);
    std::vector<double> prod(extW);
    // ring of horizontally filtered rows: slot (inputRow % n), K channels each
    std::vector<double> ring(size_t(n) * K * outW);
    std::vector<int> ringRow(n, -1);
    std::vector<double> out(size_t(K) * outW);
    std::vector<const double*> outPtr(K), colRows(n);

    auto horizontal = [&](int y) { // input row y -> ring slot
        const int slot = y % n;
        if (ringRow[slot] == y) return;
        for (int i = 0; i < nImg; ++i) {
            const double* src = images[i]->ptr<double>(y);
            double* e = ext.data() + size_t(i) * extW;
            if (same) {
                std::copy(src, src + cols, e + r);
                std::fill(e, e + r, src[0]);
                std::fill(e + r + cols, e + extW, src[cols - 1]);
            } else {
                std::copy(src, src + cols, e);
            }
        }
        for (int c = 0; c < K; ++c) {
            const double* a = ext.data() + size_t(channels[c].first) * extW;
            const double* in = a;
            if (channels[c].second >= 0) {
                productRow(a, ext.data() + size_t(channels[c].second) * extW, prod.data(), extW);
                in = prod.data();
            }
            rowPass(in, ring.data() + (size_t(slot) * K + c) * outW, outW, k.data(), n);
        }
        ringRow[slot] = y;
    };

    for (int y = 0; y < outH; ++y) {
        // input rows of output row y
        for (int t = 0; t < n; ++t) {
            const int yi = same ? std::clamp(y - r + t, 0, rows - 1) : y + t;
            horizontal(yi);
        }
        for (int c = 0; c < K; ++c) {
            for (int t = 0; t < n; ++t) {
                const int yi = same ? std::clamp(y - r + t, 0, rows - 1) : y + t;
                colRows[t] = ring.data() + (size_t(yi % n) * K + c) * outW;
            }
            colPass(colRows.data(), out.data() + size_t(c) * outW, outW, k.data(), n);
            outPtr[c] = out.data() + size_t(c) * outW;
        }
        onRow(y, outPtr.data());
    }
}

cv::Mat filterValidSubsample2(const cv::Mat& img, const std::vector<double>& k) {
    const int n = static_cast<int>(k.size());
    const int vh = img.rows - n + 1, vw = img.cols - n + 1; // valid size
    if (vh <= 0 || vw <= 0) return cv::Mat();
    const int oh = (vh + 1) / 2, ow = (vw + 1) / 2;
    cv::Mat out(oh, ow, CV_64F);
    // horizontal pass at even output columns only, for every input row
    cv::Mat h(img.rows, ow, CV_64F);
    for (int y = 0; y < img.rows; ++y) {
        const double* in = img.ptr<double>(y);
        double* o = h.ptr<double>(y);
        const int r = n / 2;
        for (int x = 0; x < ow; ++x) {
            const double* p = in + 2 * x;
            double s = k[r] * p[r];
            for (int t = 0; t < r; ++t)
                s += k[t] * (p[t] + p[n - 1 - t]);
            o[x] = s;
        }
    }
    std::vector<const double*> rows(n);
    for (int y = 0; y < oh; ++y) {
        for (int t = 0; t < n; ++t)
            rows[t] = h.ptr<double>(2 * y + t);
        colPass(rows.data(), out.ptr<double>(y), ow, k.data(), n);
    }
    return out;
}

} // namespace vf::metrics::detail
