// A MACE TorchScript model written by mace-torch's `mace_create_lammps_model` (<model>-lammps.pt),
// evaluated on a graph given as plain arrays. Only mace_model.cpp sees libtorch (pImpl), so the pair
// style and LAMMPS headers stay free of torch.
#ifndef SEI_LMP_MACE_MODEL_H
#define SEI_LMP_MACE_MODEL_H

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace sei::mace {

// The graph the model sees. Edge e carries a message from sender[e] to receiver[e]; its vector is
// positions[receiver] - positions[sender] + shift[e] with shift[e] = unit_shift[e] . cell (cell rows
// are the lattice vectors), the convention of mace-torch's neighbour lists.
struct Graph {
  int n_nodes = 0;
  std::vector<double> positions;       // 3 per node, Angstrom
  std::vector<int> species;            // index into Model::atomic_numbers() per node
  std::vector<double> local;           // 1 for nodes whose energy counts, 0 for ghost nodes
  std::vector<int64_t> sender, receiver;
  std::vector<double> shifts;          // 3 per edge, Angstrom
  std::vector<double> unit_shifts;     // 3 per edge, lattice units (integers)
  double cell[9] = {0, 0, 0, 0, 0, 0, 0, 0, 0};
  void clear_edges()
  {
    sender.clear();
    receiver.clear();
    shifts.clear();
    unit_shifts.clear();
  }
};

struct Result {
  double energy = 0.0;                 // sum of the node energies of local nodes, eV
  std::vector<double> node_energy;     // per node, eV
  std::vector<double> forces;          // 3 per node, eV/A: -dE/dx of the local energy
  double virial[9] = {0, 0, 0, 0, 0, 0, 0, 0, 0};    // -dE/d(strain), eV; only if asked for
};

class Model {
 public:
  // bytes: the whole .pt file; throws sei::PotentialFileError with a message naming path
  Model(const std::string &bytes, const std::string &path, const std::string &device);
  ~Model();
  Model(const Model &) = delete;
  Model &operator=(const Model &) = delete;

  const std::vector<int> &atomic_numbers() const { return atomic_numbers_; }
  double r_max() const { return r_max_; }
  int num_interactions() const { return num_interactions_; }
  const std::string &dtype_name() const { return dtype_name_; }
  const std::string &device_name() const { return device_name_; }

  // throws std::runtime_error with torch's message if the model fails
  void evaluate(const Graph &graph, bool want_virial, Result &result);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::vector<int> atomic_numbers_;
  double r_max_ = 0.0;
  int num_interactions_ = 0;
  std::string dtype_name_, device_name_;
};

// whether the libtorch this plugin is linked against can use a CUDA device
bool cuda_available();

// torch's intra-op thread count for this process (CPU models); returns the count now in effect
int set_torch_threads(int n);

}    // namespace sei::mace

#endif
