// Radial part of ACE (spec ace.md §3, §6): the radial basis g_k(r) of each ordered species pair with its
// inner cutoff, the radial functions R_nl(r), the core repulsion cr(r) (exponential or ZBL), and the
// quintic switch P used for inner cutoffs and the rho_core energy cutoff. Exact evaluation (no spline tables).
#ifndef SEI_LMP_ACE_RADIAL_H
#define SEI_LMP_ACE_RADIAL_H

#include "ace/ace_model.h"

#include <vector>

namespace sei::ace {

// P(x; xc, delta): 1 for x <= xc - delta, 0 for x >= xc, C2 quintic in between; dp = dP/dx.
double switch_p(double x, double xc, double delta, double &dp);

// Everything about one ordered pair (a, b) that does not depend on r, precomputed once.
class PairRadial {
 public:
  PairRadial() = default;
  PairRadial(const Bond &bond, int z_a, int z_b);

  // g_k and dg_k/dr for k < nradbase (zero beyond the cutoffs).
  void basis(double r, double *g, double *dg) const;
  // R_nl and dR_nl/dr, laid out [n * (lmax_global + 1) + l] for n < nradmax, l <= lmax of this pair.
  void functions(const double *g, const double *dg, int lstride, double *R, double *dR) const;
  // core repulsion cr(r) and its derivative
  double core(double r, double &dcr) const;

  const Bond *bond = nullptr;

 private:
  double exp_lambda_ = 0.0;    // e^-lambda (ChebExpCos)
  double basis_r_in_ = 0.0, basis_d_in_ = 0.0;
  bool basis_inner_ = false;
  std::vector<double> sb_coef_, sb_e_, sb_d_;    // SBessel prefactors and orthogonalisation
  double zz_ = 0.0, zbl_a_ = 0.0, zbl_A_ = 0.0, zbl_B_ = 0.0, zbl_C_ = 0.0;

  void zbl_e(double r, double &e, double &de, double &d2e) const;
};

// ML-PACE's radial tables (spec §3.4): g_k, R_nl and cr of one pair on nodes r_n = n h (n = 1..N,
// h = rcut/N, N = floor(rcut/delta)), cubic Hermite interpolation from exact values and derivatives at both
// ends of each interval; the derivative is that of the interpolant. Reproduces ML-PACE to ~1e-12.
class RadialTable {
 public:
  RadialTable() = default;
  RadialTable(const PairRadial &radial, double delta, int lstride);
  // false if r is below the first node (the caller then evaluates exactly); zero at and beyond rcut
  bool eval(double r, double *g, double *dg, double *R, double *dR, double &cr, double &dcr) const;
  size_t bytes() const { return coef_.size() * sizeof(double); }

 private:
  const PairRadial *radial_ = nullptr;
  int nb_ = 0, nr_ = 0, nl_ = 0, lstride_ = 0, nf_ = 0, nodes_ = 0;
  double h_ = 0.0, inv_h_ = 0.0, rcut_ = 0.0;
  std::vector<double> coef_;    // [interval][function][4]; functions: g_k, then R_nl (n-major), then cr
};

}    // namespace sei::ace

#endif
