// MLIP-3 active-learning state appended to an `.almtp` file after `#MVS_v1.1` (spec §9.3),
// and the extrapolation grade gamma = max_j |(b A^-1)_j| of a parameter-gradient row b (spec §9.2).
#ifndef SEI_LMP_MTP_ACTIVE_SET_H
#define SEI_LMP_MTP_ACTIVE_SET_H

#include <string>
#include <vector>

namespace sei::mtp {

struct ActiveSet {
  int n = 0;                     // number of parameters = rows of A
  double energy_weight = 0.0, force_weight = 0.0, stress_weight = 0.0, site_en_weight = 0.0;
  double weight_scaling = 0.0;
  std::vector<double> inv_a_t;   // (A^-1)^T, row-major n x n, as stored by MLIP

  bool neighbourhood_mode() const { return site_en_weight != 0.0 && energy_weight == 0.0; }
  // gamma of one gradient row (length n)
  double grade(const double *row) const;
};

// Parse the state that follows the marker; `n_params` comes from the potential. Returns false
// (and leaves `out` empty) if the text has no `#MVS_v1.1` marker. Throws PotentialFileError if the
// state is truncated or does not match the potential.
bool parse_active_set(const std::string &text, const std::string &source, int n_params, ActiveSet &out);

}    // namespace sei::mtp

#endif
