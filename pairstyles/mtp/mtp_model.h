// Moment Tensor Potential: the parameters of one MLIP `.mtp` / `.almtp` file (spec: shared/specs/mtp.md §2).
#ifndef SEI_LMP_MTP_MODEL_H
#define SEI_LMP_MTP_MODEL_H

#include <array>
#include <string>
#include <vector>

namespace sei::mtp {

enum class RadialBasis { Chebyshev, ChebyshevRepulsive };

struct Model {
  std::string source;           // file name, for messages
  std::string potential_name;   // free label written by MLIP (often "MTP1m")
  int n_species = 0;            // S
  RadialBasis basis = RadialBasis::Chebyshev;
  double scaling = 1.0;         // s = top-level scaling x basis-block scaling
  double r_min = 0.0;           // maps r to the Chebyshev variable; not a cutoff
  double r_cut = 0.0;           // the only cutoff
  int n_q = 0;                  // radial_basis_size
  int n_mu = 0;                 // radial_funcs_count
  // c[(a*S + b)*n_mu*n_q + mu*n_q + k], a = central species, b = neighbour species
  std::vector<double> radial_coeffs;
  std::vector<std::string> pair_labels;    // "a-b" label of each radial block, in file order
  int n_moments = 0;                       // N_M slots
  int n_basic = 0;                         // N_B basic moments (slots 0..N_B-1)
  std::vector<std::array<int, 4>> basic;   // (mu, p, q, t)
  std::vector<std::array<int, 4>> times;   // (a, b, multiplicity, c): M_c += m M_a M_b
  std::vector<int> mapping;                // slot of each scalar basis function
  std::vector<double> species_coeffs;      // e_s
  std::vector<double> moment_coeffs;       // w_k

  int n_scalar() const { return static_cast<int>(mapping.size()); }
  // length of the parameter vector theta used by the active-learning state (spec §9.1)
  int n_params() const { return n_species * n_species * n_mu * n_q + n_species + n_scalar(); }
};

// Parse the text of an `.mtp` file, or of an `.almtp` file up to its `#MVS_v1.1` marker.
// Throws sei::PotentialFileError with file:line and the fix when the file cannot be used:
// other versions or radial bases, magnetic MTP, untrained templates, malformed numbers,
// inconsistent counts and out-of-range indices.
Model parse_model(const std::string &text, const std::string &source);

// Offset of the `#MVS_v1.1` line that starts an MLIP-3 active-learning state, or npos.
size_t find_active_set_marker(const std::string &text);

}    // namespace sei::mtp

#endif
