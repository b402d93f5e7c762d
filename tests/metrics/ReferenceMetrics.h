#pragma once
// Literal reference implementations of the image metrics (see ReferenceMetrics.cpp).
#include <vector>

#include <opencv2/core.hpp>

#include "core/metrics/Metrics.h"

namespace vfref {
vf::metrics::Values imageMetrics(const cv::Mat& ir, const cv::Mat& vi, const cv::Mat& fused,
                                 const std::vector<vf::metrics::Metric>& which,
                                 const vf::metrics::Conventions& conv = {},
                                 const cv::Mat& mask = {});
cv::Mat gray8(const cv::Mat& image,
              vf::metrics::GrayConversion how = vf::metrics::GrayConversion::MatlabRgb2Gray);
double ssimSingle(const cv::Mat& x8, const cv::Mat& y8, double dynamicRange,
                  const cv::Mat& mask = {});
double vifpMultiscale(const cv::Mat& ref8, const cv::Mat& dist8, const cv::Mat& mask = {});
double qabf(const cv::Mat& a8, const cv::Mat& b8, const cv::Mat& f8, const cv::Mat& mask = {});
double ssim8(const cv::Mat& restored, const cv::Mat& clean, const cv::Mat& mask = {});
} // namespace vfref
