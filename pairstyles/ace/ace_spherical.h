// Complex spherical harmonics in ML-PACE's normalisation (spec ace.md §4): standard orthonormal Y_l^m with the
// Condon-Shortley phase, times sqrt(4 pi), so Y_00 = 1. Only m >= 0 is computed; Y_{l,-m} = (-1)^m conj(Y_lm).
#ifndef SEI_LMP_ACE_SPHERICAL_H
#define SEI_LMP_ACE_SPHERICAL_H

#include <complex>
#include <vector>

namespace sei::ace {

using cdouble = std::complex<double>;

// Plain complex product and real part of a product: std::complex's operator* follows C99 Annex G (NaN/inf
// recovery with a library call), which blocks vectorisation in the hot loops; our values are always finite.
inline cdouble cmul(const cdouble &a, const cdouble &b)
{
  return {a.real() * b.real() - a.imag() * b.imag(), a.real() * b.imag() + a.imag() * b.real()};
}
inline double re_mul(const cdouble &a, const cdouble &b)
{
  return a.real() * b.real() - a.imag() * b.imag();
}

// index of (l, m >= 0) in the half tables
inline int half_index(int l, int m) { return l * (l + 1) / 2 + m; }

class SphericalHarmonics {
 public:
  explicit SphericalHarmonics(int lmax);
  int lmax() const { return lmax_; }
  int half_size() const { return (lmax_ + 1) * (lmax_ + 2) / 2; }

  // Y_lm(u) for a unit vector u, and dY/du_x, dY/du_y, dY/du_z (derivatives of the polynomial
  // extension N Q_l^m(z) (x + i y)^m; only their part tangential to the sphere is meaningful).
  // y: half_size() values; dy: 3 * half_size() values laid out [index][axis].
  void compute(const double *u, cdouble *y, cdouble *dy);

 private:
  int lmax_;
  std::vector<double> norm_;    // N_lm = sqrt((2l+1) (l-m)!/(l+m)!)
  std::vector<double> q_;       // Q_l^m(z) for m <= l+1 (Q_l^{l+1} = 0), [l][m] with stride lmax+2
  std::vector<cdouble> pw_;     // (x + i y)^m
};

}    // namespace sei::ace

#endif
