// Multi-scale transform baselines after Rockinger's MATLAB Image Fusion Toolbox (fuse_lap,
// fuse_rat, fuse_dwb) with the rules used by VIFB-era comparisons: 4 levels, base averaged,
// detail by "choose max with consistency check" (selc mode 3).
//
// Deviations from the toolbox: pyrDown/pyrUp (same [1 4 6 4 1]/16 filter) with reflect-101
// borders instead of symmetric extension, and they accept odd sizes directly instead of
// duplicating the last row/column; the ratio pyramid selects by Toet's contrast |R - 1|
// (Toet 1989) instead of |R|, and works on intensities offset by 1/255 so that black pixels
// do not divide by zero; the DWT is Haar (the task's choice) on an image reflected up to a
// multiple of 2^levels and cropped back.
#include <opencv2/imgproc.hpp>

#include "core/fusion/classical/Classical.h"
#include "core/fusion/classical/Detail.h"

namespace vf::fusion::classical {

using namespace detail;

namespace {

void checkLevels(int levels, const char* method) {
    if (levels < 1 || levels > 12)
        throw Error(ErrorCode::InvalidArgument, std::string(method) +
                                                    ": levels must be in [1, 12], got " +
                                                    std::to_string(levels));
}

// Gaussian pyramid: g[0] = img, g[i+1] = pyrDown(g[i]); stops early at 1x1.
std::vector<cv::Mat> gaussianPyramid(const cv::Mat& img, int levels) {
    std::vector<cv::Mat> g{img};
    for (int i = 0; i < levels; ++i) {
        const cv::Mat& prev = g.back();
        if (prev.cols < 2 && prev.rows < 2) break;
        cv::Mat next;
        cv::pyrDown(prev, next, cv::Size((prev.cols + 1) / 2, (prev.rows + 1) / 2));
        g.push_back(next);
    }
    return g;
}

cv::Mat expandTo(const cv::Mat& small, const cv::Size& size) {
    cv::Mat up;
    cv::pyrUp(small, up, size);
    return up;
}

cv::Mat average(const cv::Mat& a, const cv::Mat& b) {
    cv::Mat o;
    cv::addWeighted(a, 0.5, b, 0.5, 0.0, o, CV_32F);
    return o;
}

} // namespace

cv::Mat chooseMaxConsistent(const cv::Mat& a, const cv::Mat& b, float activityOffset) {
    CV_Assert(a.type() == CV_32FC1 && b.type() == CV_32FC1 && a.size() == b.size());
    cv::Mat aa, ab;
    cv::absdiff(a, cv::Scalar(activityOffset), aa);
    cv::absdiff(b, cv::Scalar(activityOffset), ab);
    const cv::Mat k = cv::getStructuringElement(cv::MORPH_RECT, cv::Size(3, 3));
    cv::dilate(aa, aa, k, cv::Point(-1, -1), 1, cv::BORDER_REFLECT);
    cv::dilate(ab, ab, k, cv::Point(-1, -1), 1, cv::BORDER_REFLECT);
    cv::Mat decision(a.size(), CV_32FC1);
    for (int y = 0; y < a.rows; ++y) {
        const float* p = aa.ptr<float>(y);
        const float* q = ab.ptr<float>(y);
        float* d = decision.ptr<float>(y);
        for (int x = 0; x < a.cols; ++x)
            d[x] = p[x] > q[x] ? 1.f : 0.f;
    }
    cv::Mat votes; // number of "a" decisions in the 3x3 neighbourhood
    cv::boxFilter(decision, votes, CV_32F, cv::Size(3, 3), cv::Point(-1, -1), false,
                  cv::BORDER_REFLECT);
    cv::Mat out(a.size(), CV_32FC1);
    for (int y = 0; y < a.rows; ++y) {
        const float* v = votes.ptr<float>(y);
        const float* pa = a.ptr<float>(y);
        const float* pb = b.ptr<float>(y);
        float* o = out.ptr<float>(y);
        for (int x = 0; x < a.cols; ++x)
            o[x] = v[x] > 4.5f ? pa[x] : pb[x];
    }
    return out;
}

std::vector<cv::Mat> laplacianPyramid(const cv::Mat& img, int levels) {
    CV_Assert(img.type() == CV_32FC1);
    std::vector<cv::Mat> g = gaussianPyramid(img, levels);
    std::vector<cv::Mat> l(g.size());
    for (size_t i = 0; i + 1 < g.size(); ++i)
        l[i] = g[i] - expandTo(g[i + 1], g[i].size());
    l.back() = g.back().clone();
    return l;
}

cv::Mat reconstructLaplacianPyramid(const std::vector<cv::Mat>& pyr) {
    CV_Assert(!pyr.empty());
    cv::Mat cur = pyr.back().clone();
    for (size_t i = pyr.size() - 1; i-- > 0;)
        cur = pyr[i] + expandTo(cur, pyr[i].size());
    return cur;
}

cv::Mat fuseLaplacian(const cv::Mat& ir, const cv::Mat& vi, const PyramidParams& p) {
    checkInputs(ir, vi, "lp");
    checkLevels(p.levels, "lp");
    std::vector<cv::Mat> la, lb;
    runPair([&] { la = laplacianPyramid(ir, p.levels); },
            [&] { lb = laplacianPyramid(vi, p.levels); });
    std::vector<cv::Mat> f(la.size());
    for (size_t i = 0; i + 1 < la.size(); ++i)
        f[i] = chooseMaxConsistent(la[i], lb[i]);
    f.back() = average(la.back(), lb.back());
    return reconstructLaplacianPyramid(f);
}

cv::Mat fuseRatio(const cv::Mat& ir, const cv::Mat& vi, const PyramidParams& p) {
    checkInputs(ir, vi, "rp");
    checkLevels(p.levels, "rp");
    const float offset = 1.f / 255.f;
    // Ratio pyramid: r[i] = g[i] / expand(g[i+1]), residual g[last].
    auto ratioPyramid = [&](const cv::Mat& img) {
        cv::Mat shifted = img + offset;
        std::vector<cv::Mat> g = gaussianPyramid(shifted, p.levels);
        std::vector<cv::Mat> r(g.size());
        for (size_t i = 0; i + 1 < g.size(); ++i) {
            cv::Mat e = expandTo(g[i + 1], g[i].size());
            cv::max(e, 1e-6f, e);
            cv::divide(g[i], e, r[i]);
        }
        r.back() = g.back().clone();
        return r;
    };
    std::vector<cv::Mat> ra, rb;
    runPair([&] { ra = ratioPyramid(ir); }, [&] { rb = ratioPyramid(vi); });
    cv::Mat cur = average(ra.back(), rb.back());
    for (size_t i = ra.size() - 1; i-- > 0;) {
        cv::Mat sel = chooseMaxConsistent(ra[i], rb[i], 1.f);
        cv::Mat e = expandTo(cur, ra[i].size());
        cv::max(e, 1e-6f, e);
        cur = sel.mul(e);
    }
    return cur - offset;
}

HaarBands haarDwt2(const cv::Mat& img) {
    CV_Assert(img.type() == CV_32FC1);
    if (img.rows % 2 != 0 || img.cols % 2 != 0)
        throw Error(ErrorCode::InvalidArgument, "Haar DWT: width and height must be even, got " +
                                                    std::to_string(img.cols) + "x" +
                                                    std::to_string(img.rows));
    const int h = img.rows / 2, w = img.cols / 2;
    HaarBands b{cv::Mat(h, w, CV_32FC1), cv::Mat(h, w, CV_32FC1), cv::Mat(h, w, CV_32FC1),
                cv::Mat(h, w, CV_32FC1)};
    for (int y = 0; y < h; ++y) {
        const float* r0 = img.ptr<float>(2 * y);
        const float* r1 = img.ptr<float>(2 * y + 1);
        float* ll = b.ll.ptr<float>(y);
        float* hl = b.hl.ptr<float>(y);
        float* lh = b.lh.ptr<float>(y);
        float* hh = b.hh.ptr<float>(y);
        for (int x = 0; x < w; ++x) {
            const float a = r0[2 * x], bb = r0[2 * x + 1], c = r1[2 * x], d = r1[2 * x + 1];
            ll[x] = 0.5f * (a + bb + c + d);
            hl[x] = 0.5f * (a - bb + c - d);
            lh[x] = 0.5f * (a + bb - c - d);
            hh[x] = 0.5f * (a - bb - c + d);
        }
    }
    return b;
}

cv::Mat haarIdwt2(const HaarBands& b) {
    CV_Assert(b.ll.type() == CV_32FC1 && b.hl.size() == b.ll.size() && b.lh.size() == b.ll.size() &&
              b.hh.size() == b.ll.size());
    const int h = b.ll.rows, w = b.ll.cols;
    cv::Mat img(2 * h, 2 * w, CV_32FC1);
    for (int y = 0; y < h; ++y) {
        float* r0 = img.ptr<float>(2 * y);
        float* r1 = img.ptr<float>(2 * y + 1);
        const float* ll = b.ll.ptr<float>(y);
        const float* hl = b.hl.ptr<float>(y);
        const float* lh = b.lh.ptr<float>(y);
        const float* hh = b.hh.ptr<float>(y);
        for (int x = 0; x < w; ++x) {
            r0[2 * x] = 0.5f * (ll[x] + hl[x] + lh[x] + hh[x]);
            r0[2 * x + 1] = 0.5f * (ll[x] - hl[x] + lh[x] - hh[x]);
            r1[2 * x] = 0.5f * (ll[x] + hl[x] - lh[x] - hh[x]);
            r1[2 * x + 1] = 0.5f * (ll[x] - hl[x] - lh[x] + hh[x]);
        }
    }
    return img;
}

cv::Mat fuseDwt(const cv::Mat& ir, const cv::Mat& vi, const PyramidParams& p) {
    checkInputs(ir, vi, "dwt");
    checkLevels(p.levels, "dwt");
    const int m = 1 << p.levels;
    const int padR = (m - ir.rows % m) % m, padC = (m - ir.cols % m) % m;
    cv::Mat a, b;
    cv::copyMakeBorder(ir, a, 0, padR, 0, padC, cv::BORDER_REFLECT);
    cv::copyMakeBorder(vi, b, 0, padR, 0, padC, cv::BORDER_REFLECT);
    std::vector<HaarBands> fused(static_cast<size_t>(p.levels));
    for (int l = 0; l < p.levels; ++l) {
        HaarBands ba, bb;
        runPair([&] { ba = haarDwt2(a); }, [&] { bb = haarDwt2(b); });
        HaarBands& f = fused[static_cast<size_t>(l)];
        f.hl = chooseMaxConsistent(ba.hl, bb.hl);
        f.lh = chooseMaxConsistent(ba.lh, bb.lh);
        f.hh = chooseMaxConsistent(ba.hh, bb.hh);
        a = ba.ll;
        b = bb.ll;
    }
    cv::Mat cur = average(a, b);
    for (int l = p.levels - 1; l >= 0; --l) {
        HaarBands& f = fused[static_cast<size_t>(l)];
        f.ll = cur;
        cur = haarIdwt2(f);
    }
    return cur(cv::Rect(0, 0, ir.cols, ir.rows)).clone();
}

} // namespace vf::fusion::classical
