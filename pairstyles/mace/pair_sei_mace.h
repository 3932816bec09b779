// pair_style sei/mace: MACE TorchScript models (mace_create_lammps_model) on libtorch, with an optional
// committee whose per-atom force deviation is exposed as `gamma` (`fix pair N sei/mace gamma 1`).
#ifndef SEI_LMP_PAIR_SEI_MACE_H
#define SEI_LMP_PAIR_SEI_MACE_H

#include "common/pair_sei_base.h"

#include <memory>
#include <string>
#include <vector>

namespace sei::mace {
class Model;
struct Graph;
struct Result;
}    // namespace sei::mace

namespace LAMMPS_NS {

class PairSEIMACE : public PairSEIBase {
 public:
  explicit PairSEIMACE(class LAMMPS *lmp);
  ~PairSEIMACE() override;

  void settings(int narg, char **arg) override;
  void coeff(int narg, char **arg) override;
  void init_style() override;
  double init_one(int i, int j) override;
  void compute(int eflag, int vflag) override;
  void *extract(const char *name, int &dim) override;
  int pack_reverse_comm(int n, int first, double *buf) override;
  void unpack_reverse_comm(int n, int *list, double *buf) override;
  double memory_usage() override;

 protected:
  void load_potential(const std::string &path, const std::string &bytes) override;
  int n_species() const override;
  double cutoff() const override;
  std::vector<std::string> file_species_names() const override;
  std::string describe() const override;

 private:
  bool no_domain_decomposition_ = false;
  std::string device_ = "cpu";
  int threads_ = 0;    // torch intra-op threads per rank; 0: LAMMPS' OpenMP threads (comm->nthreads)
  int torch_threads_logged_ = 0;
  std::vector<std::string> committee_files_;    // members 2..K; member 1 is the pair_coeff model

  // members_[0] drives the dynamics; members_[k] maps LAMMPS types through species_of_member_[k]
  std::vector<std::unique_ptr<sei::mace::Model>> members_;
  std::vector<std::vector<int>> species_of_member_;
  std::unique_ptr<sei::mace::Graph> graph_;
  std::unique_ptr<sei::mace::Result> result_;
  std::vector<int> node_of_atom_, atom_of_node_, local_of_tag_, hop_;
  std::vector<int> edge_sender_, edge_receiver_;    // atom indices, before pruning
  std::vector<double> edge_shift_;

  int fk_nmax_ = 0;
  double **fk_ = nullptr;     // committee forces, 3 per member, on local + ghost atoms

  // graph of committee member `member` (0 drives the dynamics) from the neighbour lists
  void build_graph(int member);
  void compute_gamma();
  std::vector<int> map_member(const sei::mace::Model &model, const std::string &path);
  double ghost_cutoff() const;
};

}    // namespace LAMMPS_NS

#endif
