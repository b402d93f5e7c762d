// Fused CPU kernels for the fast path. Loops are written so that GCC vectorises them over
// pixels; target_clones builds AVX2 and AVX-512 variants picked at load time (the
// project is compiled for baseline x86-64).
#include "core/model/FastOps.h"

#include <algorithm>
#include <cmath>

#include <ATen/ATen.h>
#include <ATen/Parallel.h>

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

template <typename T>
VF_CLONES void dwPlane(const T* __restrict in, T* __restrict out, const T* __restrict k, T bias,
                       int64_t H, int64_t W) {
    for (int64_t y = 0; y < H; ++y) {
        T* o = out + y * W;
        for (int64_t x = 0; x < W; ++x)
            o[x] = bias;
        for (int ky = 0; ky < 3; ++ky) {
            const int64_t yy = y + ky - 1;
            if (yy < 0 || yy >= H) continue; // zero padding
            const T* r = in + yy * W;
            const T k0 = k[ky * 3], k1 = k[ky * 3 + 1], k2 = k[ky * 3 + 2];
            if (W == 1) {
                o[0] += k1 * r[0];
                continue;
            }
            o[0] += k1 * r[0] + k2 * r[1];
            for (int64_t x = 1; x < W - 1; ++x)
                o[x] += k0 * r[x - 1] + k1 * r[x] + k2 * r[x + 1];
            o[W - 1] += k0 * r[W - 2] + k1 * r[W - 1];
        }
    }
}

template <typename T>
void depthwiseImpl(const at::Tensor& x, at::Tensor& y, const at::Tensor& w, const at::Tensor& b) {
    const int64_t N = x.size(0), C = x.size(1), H = x.size(2), W = x.size(3);
    const T* xp = x.data_ptr<T>();
    T* yp = y.data_ptr<T>();
    const T* wp = w.data_ptr<T>();
    const T* bp = b.defined() ? b.data_ptr<T>() : nullptr;
    at::parallel_for(0, N * C, 1, [&](int64_t begin, int64_t end) {
        for (int64_t i = begin; i < end; ++i) {
            const int64_t c = i % C;
            dwPlane<T>(xp + i * H * W, yp + i * H * W, wp + c * 9, bp ? bp[c] : T(0), H, W);
        }
    });
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
