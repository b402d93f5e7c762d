#pragma once
// Internal: branch-free double-precision exp and atan that GCC can vectorise inside loops
// (the glibc calls block vectorisation). Same algorithms as fdlibm (Cody-Waite reduction +
// polynomial for exp, fdlibm s_atan.c's argument reduction and polynomial for atan), written
// with selects instead of branches; accurate to ~1 ulp (tests/metrics checks them against
// std::exp / std::atan).
#include <cstdint>
#include <cstring>

namespace vf::metrics::detail {

// exp(x) for x in [-700, 700] (callers clamp; exp(-700) ~ 1e-304).
inline double expVec(double x) {
    constexpr double invLn2 = 1.44269504088896338700e+00;
    constexpr double ln2Hi = 6.93147180369123816490e-01, ln2Lo = 1.90821492927058770002e-10;
    constexpr double shifter = 6755399441055744.0; // 1.5 * 2^52: round to nearest integer
    const double kd = (x * invLn2 + shifter) - shifter;
    const double r = (x - kd * ln2Hi) - kd * ln2Lo; // |r| <= ln2 / 2
    // exp(r) by Taylor to r^13 / 13! (error < 2e-17 relative on |r| <= 0.3466)
    double p = 1.0 / 6227020800.0;
    p = p * r + 1.0 / 479001600.0;
    p = p * r + 1.0 / 39916800.0;
    p = p * r + 1.0 / 3628800.0;
    p = p * r + 1.0 / 362880.0;
    p = p * r + 1.0 / 40320.0;
    p = p * r + 1.0 / 5040.0;
    p = p * r + 1.0 / 720.0;
    p = p * r + 1.0 / 120.0;
    p = p * r + 1.0 / 24.0;
    p = p * r + 1.0 / 6.0;
    p = p * r + 0.5;
    p = p * (r * r) + r; // r + r^2/2 + ... : keeps the leading terms exact
    const double er = 1.0 + p;
    // 2^k from the bits of kd + shifter: the low bits hold k
    const double kb = kd + shifter;
    std::int64_t ki;
    std::memcpy(&ki, &kb, 8);
    const std::uint64_t bits = std::uint64_t(ki - 0x4338000000000000LL + 1023) << 52;
    double scale;
    std::memcpy(&scale, &bits, 8);
    return er * scale;
}

// atan(y / x) for y, x >= 0, not both 0 (x = 0 gives pi/2): fdlibm atan's reduction and
// polynomial, with the reduced argument taken straight from y and x: (2t-1)/(2+t) is
// (2y-x)/(2x+y) and so on, so there is one division instead of two, and the reduction
// interval is chosen by exact comparisons (16y >= 7x for t >= 0.4375). For y, x integers
// below 2^48 (as for products of Sobel responses) the comparisons and the reduced
// numerator and denominator are exact: one rounding less than atanVec(y / x).
inline double atanRatio(double y, double x) {
    constexpr double atanhi[4] = {4.63647609000806093515e-01, 7.85398163397448278999e-01,
                                  9.82793723247329054082e-01, 1.57079632679489655800e+00};
    constexpr double atanlo[4] = {2.26987774529616870924e-17, 3.06161699786838301793e-17,
                                  1.39033110312309984516e-17, 6.12323399573676603587e-17};
    constexpr double aT0 = 3.33333333333329318027e-01, aT1 = -1.99999999998764832476e-01,
                     aT2 = 1.42857142725034663711e-01, aT3 = -1.11111104054623557880e-01,
                     aT4 = 9.09088713343650656196e-02, aT5 = -7.69187620504482999495e-02,
                     aT6 = 6.66107313738753120669e-02, aT7 = -5.83357013379057348645e-02,
                     aT8 = 4.97687799461593236017e-02, aT9 = -3.65315727442169155270e-02,
                     aT10 = 1.62858201153657823623e-02;
    const double y16 = 16.0 * y;
    const bool r0 = y16 >= 7.0 * x, r1 = y16 >= 11.0 * x, r2 = y16 >= 19.0 * x,
               r3 = y16 >= 39.0 * x;
    double num = y, den = x, hi = 0.0, lo = 0.0;
    num = r0 ? 2.0 * y - x : num; // (2t - 1) / (2 + t)
    den = r0 ? 2.0 * x + y : den;
    hi = r0 ? atanhi[0] : hi;
    lo = r0 ? atanlo[0] : lo;
    num = r1 ? y - x : num; // (t - 1) / (t + 1)
    den = r1 ? y + x : den;
    hi = r1 ? atanhi[1] : hi;
    lo = r1 ? atanlo[1] : lo;
    num = r2 ? 2.0 * y - 3.0 * x : num; // (t - 1.5) / (1 + 1.5 t)
    den = r2 ? 2.0 * x + 3.0 * y : den;
    hi = r2 ? atanhi[2] : hi;
    lo = r2 ? atanlo[2] : lo;
    num = r3 ? -x : num; // -1 / t
    den = r3 ? y : den;
    hi = r3 ? atanhi[3] : hi;
    lo = r3 ? atanlo[3] : lo;
    const double t = num / den;
    const double z = t * t, w = z * z;
    const double s1 = z * (aT0 + w * (aT2 + w * (aT4 + w * (aT6 + w * (aT8 + w * aT10)))));
    const double s2 = w * (aT1 + w * (aT3 + w * (aT5 + w * (aT7 + w * aT9))));
    return hi - ((t * (s1 + s2) - lo) - t);
}

// atan(x) for any x (including +-inf); NaN in, NaN out. atanRatio(|x|, 1) is fdlibm's atan of
// |x| operation for operation: its comparisons 16|x| >= 7 etc. are exact, and its reduced
// numerators and denominators are those of fdlibm scaled by powers of two.
inline double atanVec(double x) {
    const double r = atanRatio(x < 0 ? -x : x, 1.0);
    return x < 0 ? -r : r;
}

} // namespace vf::metrics::detail
