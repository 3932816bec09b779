// Site energy of one atom and its derivatives for a Moment Tensor Potential (spec §1, §3-§8, §9.1).
// The caller supplies the neighbour vectors r_ij = x_j - x_i; no LAMMPS types here.
#ifndef SEI_LMP_MTP_EVALUATOR_H
#define SEI_LMP_MTP_EVALUATOR_H

#include "mtp/mtp_model.h"

#include <vector>

namespace sei::mtp {

class Evaluator {
 public:
  explicit Evaluator(const Model &model);

  // Site energy E_i of a central atom of species `species_i` with `nn` neighbours inside the cutoff.
  // r: 3*nn displacements x_j - x_i (row per neighbour); species: nn species indices.
  // grad (3*nn, may be null) receives dE_i/dr_ij per neighbour. Keeps what parameter_gradient needs.
  double site_energy(int species_i, int nn, const double *r, const int *species, double *grad);

  // dE_i/dtheta for the last site_energy call (theta ordered as in spec §9.1), length n_params().
  void parameter_gradient(double *out);

  int n_params() const { return model_.n_params(); }
  const Model &model() const { return model_; }

 private:
  struct Monomial {
    int parent, axis;       // value = value(parent) * u[axis]; parent < 0 for the constant 1
  };
  struct Contraction {
    int a, b, c;
    double m;
  };

  const Model &model_;
  std::vector<Monomial> monos_;        // closure of the basic monomials under lowering one power
  std::vector<int> basic_mu_, basic_mono_;
  std::vector<int> used_monos_;        // monomials that some basic moment uses
  std::vector<Contraction> times_;

  // scratch, laid out [row][neighbour] so the inner loops run over neighbours
  int cap_ = 0, nn_ = 0, species_i_ = 0;
  std::vector<double> d_, inv_d_, u_, q_, dq_, f_, fp_, pw_, w_, wp_, s_, v_, bmu_;
  std::vector<int> species_j_;
  std::vector<double> moments_, adjoint_;

  void reserve(int nn);
  void radial(int nn, const double *r, const int *species);
};

}    // namespace sei::mtp

#endif
