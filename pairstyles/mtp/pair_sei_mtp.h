// pair_style sei/mtp: Moment Tensor Potentials from MLIP-2/MLIP-3 `.mtp` and `.almtp` files,
// with optional per-atom extrapolation grades (`fix pair N sei/mtp gamma 1`).
#ifndef SEI_LMP_PAIR_SEI_MTP_H
#define SEI_LMP_PAIR_SEI_MTP_H

#include "common/pair_sei_base.h"

#include <memory>
#include <vector>

namespace sei::mtp {
struct Model;
struct ActiveSet;
class Evaluator;
}    // namespace sei::mtp

namespace LAMMPS_NS {

class PairSEIMTP : public PairSEIBase {
 public:
  explicit PairSEIMTP(class LAMMPS *lmp);
  ~PairSEIMTP() override;

  void compute(int eflag, int vflag) override;
  void *extract(const char *name, int &dim) override;
  double memory_usage() override;

 protected:
  void load_potential(const std::string &path, const std::string &bytes) override;
  int n_species() const override;
  double cutoff() const override;
  std::string describe() const override;

 private:
  std::unique_ptr<sei::mtp::Model> model_;
  std::unique_ptr<sei::mtp::ActiveSet> active_set_;
  std::unique_ptr<sei::mtp::Evaluator> evaluator_;


  // per-atom neighbour scratch
  std::vector<double> r_, grad_, theta_grad_;
  std::vector<int> jidx_, jspecies_;
};

}    // namespace LAMMPS_NS

#endif
