// pair_style sei/ace: Atomic Cluster Expansion potentials (pacemaker `.yace`, old `.ace`), C-tilde product
// evaluation, with optional per-atom extrapolation grades (`fix pair N sei/ace gamma 1`).
#ifndef SEI_LMP_PAIR_SEI_ACE_H
#define SEI_LMP_PAIR_SEI_ACE_H

#include "common/pair_sei_base.h"

#include <memory>
#include <vector>

namespace sei::ace {
struct Model;
class Evaluator;
class ActiveSet;
}    // namespace sei::ace

namespace LAMMPS_NS {

class PairSEIACE : public PairSEIBase {
 public:
  explicit PairSEIACE(class LAMMPS *lmp);
  ~PairSEIACE() override;

  void settings(int narg, char **arg) override;
  void compute(int eflag, int vflag) override;
  double init_one(int i, int j) override;
  void *extract(const char *name, int &dim) override;
  double memory_usage() override;

 protected:
  void load_potential(const std::string &path, const std::string &bytes) override;
  int n_species() const override;
  double cutoff() const override;
  std::vector<std::string> file_species_names() const override;
  std::string describe() const override;

 private:
  std::unique_ptr<sei::ace::Model> model_;
  std::unique_ptr<sei::ace::Evaluator> evaluator_;
  std::unique_ptr<sei::ace::ActiveSet> active_set_;
  bool exact_ = false;                    // 'exact': no spline tables
  std::string bbasis_path_, asi_path_;    // from 'pair_style sei/ace activeset <yaml> <asi>'


  std::vector<double> r_, grad_;
  std::vector<int> jidx_, jspecies_;

  void load_active_set();
};

}    // namespace LAMMPS_NS

#endif
