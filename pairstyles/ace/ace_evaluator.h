// Site energy of one atom and its derivatives for an ACE potential in C-tilde product form
// (spec ace.md §1, §4-§7). The caller supplies the neighbour vectors r_ij = x_j - x_i; no LAMMPS types here.
// Per-species ndensity is honoured (the product-evaluator numbers, not ML-PACE's recursive quirk).
#ifndef SEI_LMP_ACE_EVALUATOR_H
#define SEI_LMP_ACE_EVALUATOR_H

#include "ace/ace_model.h"
#include "ace/ace_radial.h"
#include "ace/ace_spherical.h"

#include <vector>

namespace sei::ace {

class Evaluator {
 public:
  // exact: evaluate radial functions directly instead of ML-PACE's spline tables (smooth to all orders,
  // but differs from ML-PACE by ~1e-11 eV in energy and up to ~1e-6 eV/A in forces)
  explicit Evaluator(const Model &model, bool exact = false);

  // E_i of a central atom of species `si` with `nn` neighbours (any distance; those beyond the pair
  // cutoff are ignored). r: 3*nn displacements; species: nn species indices.
  // grad (3*nn, may be null) receives dE_i/dr_ij per neighbour.
  double site_energy(int si, int nn, const double *r, const int *species, double *grad);

  // After site_energy: the atomic base of the last atom, for B-projections (extrapolation grade).
  // A1 laid out [mu * nradbase + k]; A laid out [((mu * nradmax + n) * (lmax+1)^2 + l*l + l + m].
  const std::vector<double> &a1() const { return a1_; }
  const std::vector<cdouble> &a() const { return a_; }
  int a_index(int mu, int n, int l, int m) const { return (mu * nr_ + n) * lm_ + l * l + l + m; }
  int a1_index(int mu, int k) const { return mu * nb_ + k; }
  // dE_i/drho_p of the last atom (p < ndensity of its species)
  const std::vector<double> &density_derivative() const { return d_rho_; }
  const std::vector<double> &densities() const { return rho_; }

  const Model &model() const { return model_; }
  size_t table_bytes() const;

 private:
  struct Plan {    // C-tilde functions of one central species, flattened for the product loops
    int ndens = 1;
    std::vector<int> r1_idx;          // rank-1: index into A1
    std::vector<double> r1_coef;      // [f * ndens + p]
    std::vector<int> t_start;         // rank>=2 tuples: factors t_idx[t_start[s] .. t_start[s+1])
    std::vector<int> t_idx;           // index into A (all m)
    std::vector<double> t_coef;       // [s * ndens + p]
  };

  const Model &model_;
  int S_, nb_, nr_, lmax_, lm_, lstride_;
  std::vector<PairRadial> radial_;    // [a * S + b]
  std::vector<RadialTable> tables_;   // [a * S + b]; empty when exact
  std::vector<Plan> plans_;
  bool zbl_ = false;
  SphericalHarmonics ylm_;

  // per-neighbour scratch
  int cap_ = 0;
  std::vector<double> d_, u_, g_, dg_, R_, dR_, cr_, dcr_;
  std::vector<cdouble> y_, dy_;
  std::vector<char> inside_;
  // per-atom scratch
  std::vector<double> a1_, w1_, rho_, d_rho_, coef_;
  std::vector<cdouble> a_, w_, prefix_;

  void reserve(int nn);
};

}    // namespace sei::ace

#endif
