#include "mace/mace_model.h"

#include "common/potential_text.h"

#include <ATen/Parallel.h>
#include <torch/cuda.h>
#include <torch/script.h>

#include <sstream>
#include <stdexcept>

namespace sei::mace {

struct Model::Impl {
  torch::jit::script::Module module;
  torch::Dtype dtype = torch::kFloat64;
  torch::Device device = torch::kCPU;
};

bool cuda_available()
{
  return torch::cuda::is_available();
}

int set_torch_threads(int n)
{
  if (n > 0 && at::get_num_threads() != n) at::set_num_threads(n);
  return at::get_num_threads();
}

Model::Model(const std::string &bytes, const std::string &path, const std::string &device)
    : impl_(std::make_unique<Impl>())
{
  if (device == "cuda") {
    if (!torch::cuda::is_available())
      throw PotentialFileError("device cuda was asked for, but the libtorch this plugin is linked against has no "
                               "usable CUDA device; use 'device cpu' (the default)");
    impl_->device = torch::Device(torch::kCUDA);
  }
  // The profiling executor re-optimises the graph over the first calls and again when shapes change
  // (every MD step changes the edge count); plain execution costs the same per step without that.
  torch::jit::setGraphExecutorOptimize(false);
  try {
    std::istringstream in(bytes);
    impl_->module = torch::jit::load(in, impl_->device);
  } catch (const c10::Error &e) {
    throw PotentialFileError(path + " is not a TorchScript model (" + e.what_without_backtrace() +
                             "); write one from a trained MACE model with 'mace_create_lammps_model model.model' "
                             "and use the resulting model.model-lammps.pt");
  }
  auto &m = impl_->module;
  for (const char *name : {"atomic_numbers", "r_max", "num_interactions"})
    if (!m.hasattr(name))
      throw PotentialFileError(path + " has no '" + name +
                               "': not a MACE model from mace_create_lammps_model (the '-mliap_lammps.pt' "
                               "format is for pair_style mliap, not sei/mace)");
  try {
    auto z = m.attr("atomic_numbers").toTensor().to(torch::kCPU, torch::kLong).contiguous();
    atomic_numbers_.assign(z.data_ptr<int64_t>(), z.data_ptr<int64_t>() + z.numel());
    r_max_ = m.attr("r_max").toTensor().to(torch::kCPU, torch::kDouble).item<double>();
    num_interactions_ = static_cast<int>(m.attr("num_interactions").toTensor().to(torch::kCPU).item<int64_t>());
  } catch (const c10::Error &e) {
    throw PotentialFileError(path + ": cannot read atomic_numbers/r_max/num_interactions: " +
                             e.what_without_backtrace());
  }
  // the model works in the dtype of its weights (mace_create_lammps_model writes float64 by default)
  impl_->dtype = torch::kFloat64;
  for (const auto &p : m.parameters()) {
    if (p.is_floating_point()) {
      impl_->dtype = p.scalar_type();
      break;
    }
  }
  dtype_name_ = impl_->dtype == torch::kFloat64 ? "float64" : (impl_->dtype == torch::kFloat32 ? "float32" : "other");
  device_name_ = impl_->device.str();
  m.eval();
}

Model::~Model() = default;

void Model::evaluate(const Graph &g, bool want_virial, Result &r)
{
  const auto dev = impl_->device;
  const auto dtype = impl_->dtype;
  const int64_t n = g.n_nodes;
  const int64_t ne = static_cast<int64_t>(g.sender.size());
  const int64_t nz = static_cast<int64_t>(atomic_numbers_.size());
  auto f64 = torch::TensorOptions().dtype(torch::kFloat64);
  auto i64 = torch::TensorOptions().dtype(torch::kLong);

  // from_blob does not copy; .to() makes the tensors the model owns
  auto positions = torch::from_blob(const_cast<double *>(g.positions.data()), {n, 3}, f64).to(dev, dtype);
  auto species = torch::from_blob(const_cast<int *>(g.species.data()), {n}, torch::TensorOptions().dtype(torch::kInt))
                     .to(torch::kLong);
  auto node_attrs = torch::one_hot(species, nz).to(dev, dtype);
  auto edge_index = torch::empty({2, ne}, i64);
  if (ne > 0) {
    edge_index[0].copy_(torch::from_blob(const_cast<int64_t *>(g.sender.data()), {ne}, i64));
    edge_index[1].copy_(torch::from_blob(const_cast<int64_t *>(g.receiver.data()), {ne}, i64));
  }
  auto shifts = ne > 0 ? torch::from_blob(const_cast<double *>(g.shifts.data()), {ne, 3}, f64).to(dev, dtype)
                       : torch::zeros({0, 3}, torch::TensorOptions().dtype(dtype).device(dev));
  auto unit_shifts = ne > 0
                         ? torch::from_blob(const_cast<double *>(g.unit_shifts.data()), {ne, 3}, f64).to(dev, dtype)
                         : torch::zeros({0, 3}, torch::TensorOptions().dtype(dtype).device(dev));
  auto cell = torch::from_blob(const_cast<double *>(g.cell), {3, 3}, f64).to(dev, dtype);
  auto local = torch::from_blob(const_cast<double *>(g.local.data()), {n}, f64).to(dev, dtype);

  c10::Dict<std::string, torch::Tensor> data;
  data.insert("positions", positions);
  data.insert("node_attrs", node_attrs);
  data.insert("edge_index", edge_index.to(dev));
  data.insert("shifts", shifts);
  data.insert("unit_shifts", unit_shifts);
  data.insert("cell", cell);
  data.insert("batch", torch::zeros({n}, i64.device(dev)));
  data.insert("ptr", torch::tensor({int64_t(0), n}, i64).to(dev));

  auto out = impl_->module.forward({data, local, want_virial}).toGenericDict();
  auto get = [&](const char *key) {
    auto v = out.at(key);
    if (v.isNone()) throw std::runtime_error(std::string("the model returned no '") + key + "'");
    return v.toTensor().detach().to(torch::kCPU, torch::kFloat64).contiguous();
  };
  auto forces = get("forces");
  auto node_energy = get("node_energy");
  auto energy = get("total_energy_local");
  r.energy = energy.sum().item<double>();
  r.forces.assign(forces.data_ptr<double>(), forces.data_ptr<double>() + forces.numel());
  r.node_energy.assign(node_energy.data_ptr<double>(), node_energy.data_ptr<double>() + node_energy.numel());
  if (want_virial) {
    auto virial = get("virials");
    for (int k = 0; k < 9; ++k) r.virial[k] = virial.data_ptr<double>()[k];
  }
}

}    // namespace sei::mace
