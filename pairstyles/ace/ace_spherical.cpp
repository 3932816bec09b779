#include "ace/ace_spherical.h"

#include <cmath>

namespace sei::ace {

SphericalHarmonics::SphericalHarmonics(int lmax) : lmax_(lmax)
{
  norm_.resize(half_size());
  for (int l = 0; l <= lmax; ++l)
    for (int m = 0; m <= l; ++m) {
      // (l-m)!/(l+m)! as a product, to stay finite for large l
      double ratio = 1.0;
      for (int k = l - m + 1; k <= l + m; ++k) ratio /= k;
      norm_[half_index(l, m)] = std::sqrt((2.0 * l + 1.0) * ratio);
    }
  q_.assign(static_cast<size_t>(lmax + 1) * (lmax + 2), 0.0);
  pw_.resize(lmax + 1);
}

void SphericalHarmonics::compute(const double *u, cdouble *y, cdouble *dy)
{
  // P_l^m(cos t) e^{i m phi} = Q_l^m(z) (x + i y)^m with Q_l^m = (-1)^m d^m P_l/dz^m, a polynomial in z;
  // hence dQ_l^m/dz = -Q_l^{m+1}
  const double z = u[2];
  const int S = lmax_ + 2;
  double qmm = 1.0;    // Q_m^m = (-1)^m (2m-1)!!
  for (int m = 0; m <= lmax_; ++m) {
    if (m > 0) qmm *= -(2.0 * m - 1.0);
    q_[m * S + m] = qmm;
    if (m + 1 <= lmax_) q_[(m + 1) * S + m] = (2.0 * m + 1.0) * z * qmm;
    for (int l = m + 2; l <= lmax_; ++l)
      q_[l * S + m] = ((2.0 * l - 1.0) * z * q_[(l - 1) * S + m] - (l + m - 1.0) * q_[(l - 2) * S + m]) / (l - m);
  }
  for (int l = 0; l <= lmax_; ++l) q_[l * S + l + 1] = 0.0;
  const cdouble w(u[0], u[1]);
  pw_[0] = 1.0;
  for (int m = 1; m <= lmax_; ++m) pw_[m] = cmul(pw_[m - 1], w);
  for (int l = 0; l <= lmax_; ++l)
    for (int m = 0; m <= l; ++m) {
      const int k = half_index(l, m);
      const double nq = norm_[k] * q_[l * S + m];
      y[k] = nq * pw_[m];
      cdouble dx = 0.0;
      if (m > 0) dx = norm_[k] * q_[l * S + m] * static_cast<double>(m) * pw_[m - 1];
      dy[3 * k] = dx;
      dy[3 * k + 1] = cdouble(-dx.imag(), dx.real());    // i * dx
      dy[3 * k + 2] = -norm_[k] * q_[l * S + m + 1] * pw_[m];
    }
}

}    // namespace sei::ace
