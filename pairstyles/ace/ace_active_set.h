// Extrapolation grade of ACE (spec ace.md §8): the B-basis projections of an atom from a pacemaker B-basis
// `.yaml`, and the active-set inverse from the `.asi` file (NumPy .npz, one square float64 array per element).
// gamma_i = max_k |sum_j b_j (A^-1)_{jk}|.
#ifndef SEI_LMP_ACE_ACTIVE_SET_H
#define SEI_LMP_ACE_ACTIVE_SET_H

#include "ace/ace_evaluator.h"
#include "ace/ace_model.h"

#include <string>
#include <vector>

namespace sei::ace {

class ActiveSet {
 public:
  // yaml/asi: file contents; the B-basis must describe the same potential as `model` (same elements).
  ActiveSet(const Model &model, const std::string &yaml, const std::string &yaml_path, const std::string &asi,
            const std::string &asi_path);
  // grade of the atom last evaluated by `ev` (central species si)
  double grade(int si, const Evaluator &ev) const;
  std::string describe() const;

 private:
  struct BFunction {
    int rank;
    std::vector<int> idx;         // num_ms x rank indices into the evaluator's A (or A1 for rank 1)
    std::vector<double> gen_cg;   // num_ms generalised Clebsch-Gordan coefficients
  };
  std::vector<std::vector<BFunction>> functions_;    // per species, in B-basis order
  std::vector<std::vector<double>> inverse_;         // per species, n x n row-major
  std::vector<int> size_;                            // n per species
  bool linear_ = true;
  mutable std::vector<double> b_, acc_;
};

// The arrays of a NumPy .npz archive (stored, uncompressed members) as name -> (shape, float64 data).
struct NpyArray {
  std::vector<long> shape;
  std::vector<double> data;
};
std::vector<std::pair<std::string, NpyArray>> read_npz(const std::string &bytes, const std::string &source);

}    // namespace sei::ace

#endif
