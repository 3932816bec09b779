#include "mace/pair_sei_mace.h"

#include "common/potential_text.h"
#include "common/elements.h"
#include "mace/mace_model.h"

#include "atom.h"
#include "comm.h"
#include "domain.h"
#include "error.h"
#include "force.h"
#include "memory.h"
#include "neigh_list.h"
#include "neighbor.h"
#include "update.h"
#include "utils.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <sstream>

using namespace LAMMPS_NS;

namespace {
// closer than this two atoms are taken as lying on top of each other
constexpr double kOverlapDistance = 1.0e-6;

const char *kUsage =
    "usage: pair_style sei/mace [no_domain_decomposition] [device cpu|cuda] [threads N] [check_masses yes|no] "
    "[committee m2-lammps.pt ...]";
}    // namespace

PairSEIMACE::PairSEIMACE(LAMMPS *lmp) :
    PairSEIBase(lmp, "sei/mace"), graph_(std::make_unique<sei::mace::Graph>()),
    result_(std::make_unique<sei::mace::Result>())
{
}

PairSEIMACE::~PairSEIMACE()
{
  memory->destroy(fk_);
  memory->destroy(cutghost);
}

void PairSEIMACE::settings(int narg, char **arg)
{
  require_metal_units();
  no_domain_decomposition_ = false;
  device_ = "cpu";
  threads_ = 0;
  committee_files_.clear();
  check_masses_ = true;
  int iarg = 0;
  while (iarg < narg) {
    const std::string word = arg[iarg];
    if (base_keyword(narg, arg, iarg)) continue;
    if (word == "no_domain_decomposition") {
      no_domain_decomposition_ = true;
      ++iarg;
    } else if (word == "device") {
      if (iarg + 1 >= narg) fail(std::string("'device' needs a value, cpu or cuda; ") + kUsage);
      device_ = arg[iarg + 1];
      if (device_ != "cpu" && device_ != "cuda")
        fail("expected cpu or cuda after 'device', got '" + device_ + "'; " + kUsage);
      if (device_ == "cuda" && !sei::mace::cuda_available())
        fail("device cuda was asked for, but the libtorch this plugin is linked against has no usable CUDA "
             "device (a CPU-only torch wheel, or no GPU); use 'device cpu'");
      iarg += 2;
    } else if (word == "threads") {
      if (iarg + 1 >= narg) fail(std::string("'threads' needs a positive integer; ") + kUsage);
      threads_ = utils::inumeric(FLERR, arg[iarg + 1], false, lmp);
      if (threads_ < 1) fail("'threads' needs a positive integer, got " + std::string(arg[iarg + 1]));
      iarg += 2;
    } else if (word == "committee") {
      // the rest of the line: the other members; the pair_coeff model is member 1 and drives the dynamics
      for (++iarg; iarg < narg; ++iarg) committee_files_.emplace_back(arg[iarg]);
      if (committee_files_.empty())
        fail(std::string("'committee' needs at least one more model file; ") + kUsage);
    } else {
      fail("unknown keyword '" + word + "'; " + kUsage);
    }
  }
  // message passing needs neighbour lists of ghost atoms, unless one rank holds every atom
  ghostneigh = no_domain_decomposition_ ? 0 : 1;
  // with one rank only local atoms are graph nodes and ghosts carry no force: f.r does not give the virial
  no_virial_fdotr_compute = no_domain_decomposition_ ? 1 : 0;
  members_.clear();
  species_of_member_.clear();
}

void PairSEIMACE::load_potential(const std::string &path, const std::string &bytes)
{
  members_.clear();
  members_.push_back(std::make_unique<sei::mace::Model>(bytes, path, device_));
}

int PairSEIMACE::n_species() const
{
  return static_cast<int>(members_.at(0)->atomic_numbers().size());
}

double PairSEIMACE::cutoff() const
{
  double cut = 0.0;
  for (const auto &m : members_) cut = std::max(cut, m->r_max());
  return cut;
}

double PairSEIMACE::ghost_cutoff() const
{
  // an atom's energy depends on atoms up to num_interactions hops of r_max away
  double cut = 0.0;
  for (const auto &m : members_) cut = std::max(cut, m->num_interactions() * m->r_max());
  return cut;
}

std::vector<std::string> PairSEIMACE::file_species_names() const
{
  std::vector<std::string> names;
  for (int z : members_.at(0)->atomic_numbers()) names.push_back(sei::element_symbol(z));
  return names;
}

std::string PairSEIMACE::describe() const
{
  const auto &m = *members_.at(0);
  std::ostringstream out;
  out << "MACE, elements [";
  for (size_t k = 0; k < m.atomic_numbers().size(); ++k)
    out << (k ? " " : "") << sei::element_symbol(m.atomic_numbers()[k]);
  out << "], r_max " << m.r_max() << " A, " << m.num_interactions() << " interactions, " << m.dtype_name()
      << " on " << m.device_name() << (no_domain_decomposition_ ? ", one rank (no_domain_decomposition)" : "");
  return out.str();
}

std::vector<int> PairSEIMACE::map_member(const sei::mace::Model &model, const std::string &path)
{
  const auto &driver_z = members_.at(0)->atomic_numbers();
  const auto &z = model.atomic_numbers();
  std::vector<int> species(species_of_type_.size(), -1);
  for (size_t t = 1; t < species_of_type_.size(); ++t) {
    const int s = species_of_type_[t];
    if (s < 0) continue;
    auto it = std::find(z.begin(), z.end(), driver_z[s]);
    if (it == z.end()) {
      std::string have;
      for (int zk : z) have += (have.empty() ? "" : " ") + sei::element_symbol(zk);
      fail("committee model " + path + " has no " + sei::element_symbol(driver_z[s]) + " (atom type " +
           std::to_string(t) + "); its elements are [" + have +
           "]; every committee member must cover the elements in use");
    }
    species[t] = static_cast<int>(it - z.begin());
  }
  return species;
}

void PairSEIMACE::coeff(int narg, char **arg)
{
  PairSEIBase::coeff(narg, arg);
  species_of_member_.assign(1, species_of_type_);
  for (const auto &file : committee_files_) {
    const std::string path = utils::get_potential_file_path(file);
    if (path.empty())
      fail("cannot find committee model '" + file + "' (looked in the working directory and $LAMMPS_POTENTIALS)");
    std::string bytes;
    broadcast_file(path, bytes, false);
    try {
      members_.push_back(std::make_unique<sei::mace::Model>(bytes, path, device_));
    } catch (sei::PotentialFileError &e) {
      fail(e.what());
    }
    species_of_member_.push_back(map_member(*members_.back(), path));
  }
  if (comm->me == 0 && members_.size() > 1) {
    std::string msg = "pair_style sei/mace: committee of " + std::to_string(members_.size()) +
                      " models (member 1 drives the dynamics):";
    for (const auto &file : committee_files_) msg += " " + file;
    utils::logmesg(lmp, msg + "\n");
  }
  if (!cutghost) memory->create(cutghost, atom->ntypes + 1, atom->ntypes + 1, "pair:cutghost");
}

void PairSEIMACE::init_style()
{
  require_metal_units();
  if (force->newton_pair == 0)
    fail("requires newton pair on (the LAMMPS default); remove 'newton off' or use 'newton on'");
  if (atom->tag_enable == 0) fail("requires atom IDs (atom_modify id yes)");
  if (members_.empty()) fail("no model loaded: call pair_coeff * * <model-lammps.pt> <element per atom type>");
  check_type_masses();
  // LAMMPS' convention: MPI ranks x OpenMP threads (OMP_NUM_THREADS, -pk omp N) is the core budget. The
  // LAMMPS library sets OpenMP to one thread when OMP_NUM_THREADS is unset, which torch then inherits,
  // so set torch's count explicitly and say what it is.
  const int wanted = threads_ > 0 ? threads_ : std::max(1, comm->nthreads);
  const int in_effect = sei::mace::set_torch_threads(wanted);
  if (comm->me == 0 && in_effect != torch_threads_logged_) {
    utils::logmesg(lmp, "pair_style sei/mace: torch uses {} thread(s) per MPI rank{}\n", in_effect,
                   threads_ > 0 ? " (threads keyword)" : " (LAMMPS OpenMP threads: OMP_NUM_THREADS or -pk omp N)");
    torch_threads_logged_ = in_effect;
  }
  if (no_domain_decomposition_) {
    if (comm->nprocs > 1)
      fail("no_domain_decomposition runs on one MPI rank only, but there are " + std::to_string(comm->nprocs) +
           "; drop the keyword to run on several ranks (ghost atoms then reach num_interactions x r_max)");
    neighbor->add_request(this, NeighConst::REQ_FULL);
    return;
  }
  neighbor->add_request(this, NeighConst::REQ_FULL | NeighConst::REQ_GHOST);
  // ghost atoms must reach every atom a local energy depends on, for as long as the lists are valid
  const double needed = ghost_cutoff() + neighbor->skin;
  if (comm->cutghostuser < needed) {
    comm->cutghostuser = needed;
    if (comm->me == 0)
      utils::logmesg(lmp, "pair_style sei/mace: ghost cutoff set to {:.4g} A (num_interactions x r_max + skin)\n",
                     needed);
  }
}

double PairSEIMACE::init_one(int i, int j)
{
  const double cut = PairSEIBase::init_one(i, j);
  if (cutghost) cutghost[i][j] = cutghost[j][i] = cut;
  return cut;
}

void PairSEIMACE::build_graph(int member)
{
  const int nlocal = atom->nlocal;
  const int nall = nlocal + atom->nghost;
  const int ncand = no_domain_decomposition_ ? nlocal : nall;
  const int *type = atom->type;
  const tagint *tag = atom->tag;
  double **x = atom->x;
  const std::vector<int> &species = species_of_member_[member];
  const double cut = members_[member]->r_max();
  const double cutsq_model = cut * cut;
  const double overlapsq = kOverlapDistance * kOverlapDistance;
  const double *h = domain->h;

  // candidate nodes: every atom of a mapped type (local only without domain decomposition)
  std::vector<int> cand(nall, -1);
  for (int i = 0; i < ncand; ++i)
    if (species[type[i]] >= 0) cand[i] = i;
  if (no_domain_decomposition_) {
    // every ghost is an image of a local atom: find it by atom ID
    tagint maxtag = 0;
    for (int i = 0; i < nlocal; ++i) maxtag = std::max(maxtag, tag[i]);
    local_of_tag_.assign(static_cast<size_t>(maxtag) + 1, -1);
    for (int i = 0; i < nlocal; ++i) local_of_tag_[tag[i]] = i;
  }

  // edges j -> i (message from j to i) for every listed neighbour within r_max, as atom indices
  edge_sender_.clear();
  edge_receiver_.clear();
  edge_shift_.clear();
  const int nlists = no_domain_decomposition_ ? list->inum : list->inum + list->gnum;
  for (int ii = 0; ii < nlists; ++ii) {
    const int i = list->ilist[ii];
    if (cand[i] < 0) continue;
    const int *jlist = list->firstneigh[i];
    const int jnum = list->numneigh[i];
    for (int jj = 0; jj < jnum; ++jj) {
      const int j = jlist[jj] & NEIGHMASK;
      const int owner = (!no_domain_decomposition_ || j < nlocal) ? j : local_of_tag_[tag[j]];
      if (owner < 0)
        error->one(FLERR, "pair_style sei/mace: ghost atom {} is not an image of an atom of this rank; "
                   "no_domain_decomposition needs one MPI rank", tag[j]);
      if (cand[owner] < 0) continue;
      const double dx = x[i][0] - x[j][0], dy = x[i][1] - x[j][1], dz = x[i][2] - x[j][2];
      const double rsq = dx * dx + dy * dy + dz * dz;
      if (rsq >= cutsq_model) continue;
      if (rsq < overlapsq)
        error->one(FLERR,
                   "pair_style sei/mace: atoms {} and {} overlap (distance {:.3g} A); check the structure for "
                   "duplicated atoms", tag[i], tag[j], std::sqrt(rsq));
      edge_sender_.push_back(owner);
      edge_receiver_.push_back(i);
      // x_i - x_j = x_i - x_owner + shift
      edge_shift_.insert(edge_shift_.end(), {x[owner][0] - x[j][0], x[owner][1] - x[j][1], x[owner][2] - x[j][2]});
    }
  }
  const size_t nedges = edge_sender_.size();

  // Ghost atoms more than num_interactions hops from every local atom cannot change a local energy,
  // and messages into atoms num_interactions hops away are never passed on: drop both. Exact, and
  // it keeps the graph small when the ghost shell is thick.
  std::vector<char> keep_edge(nedges, 1);
  if (!no_domain_decomposition_) {
    const int T = members_[member]->num_interactions();
    const int unreached = T + 1;
    hop_.assign(nall, unreached);
    for (int i = 0; i < nlocal; ++i) hop_[i] = 0;
    for (int t = 1; t <= T; ++t)
      for (size_t e = 0; e < nedges; ++e)
        if (hop_[edge_receiver_[e]] == t - 1 && hop_[edge_sender_[e]] > t) hop_[edge_sender_[e]] = t;
    for (int i = 0; i < nall; ++i)
      if (hop_[i] > T) cand[i] = -1;
    for (size_t e = 0; e < nedges; ++e) keep_edge[e] = hop_[edge_receiver_[e]] < T;
  }

  auto &g = *graph_;
  node_of_atom_.assign(nall, -1);
  atom_of_node_.clear();
  g.positions.clear();
  g.local.clear();
  g.species.clear();
  for (int i = 0; i < nall; ++i) {
    if (cand[i] < 0) continue;
    node_of_atom_[i] = static_cast<int>(atom_of_node_.size());
    atom_of_node_.push_back(i);
    g.positions.insert(g.positions.end(), {x[i][0], x[i][1], x[i][2]});
    g.local.push_back(i < nlocal ? 1.0 : 0.0);
    g.species.push_back(species[type[i]]);
  }
  g.n_nodes = static_cast<int>(atom_of_node_.size());
  // cell rows are the lattice vectors a, b, c of the (restricted triclinic) box
  const double cell[9] = {h[0], 0.0, 0.0, h[5], h[1], 0.0, h[4], h[3], h[2]};
  std::copy(cell, cell + 9, g.cell);

  g.clear_edges();
  for (size_t e = 0; e < nedges; ++e) {
    if (!keep_edge[e]) continue;
    g.sender.push_back(node_of_atom_[edge_sender_[e]]);
    g.receiver.push_back(node_of_atom_[edge_receiver_[e]]);
    const double *s = &edge_shift_[3 * e];
    g.shifts.insert(g.shifts.end(), {s[0], s[1], s[2]});
    if (s[0] == 0.0 && s[1] == 0.0 && s[2] == 0.0) {
      g.unit_shifts.insert(g.unit_shifts.end(), {0.0, 0.0, 0.0});
    } else {
      // s = na a + nb b + nc c with a = (xprd,0,0), b = (xy,yprd,0), c = (xz,yz,zprd)
      const double nc = std::round(s[2] / h[2]);
      const double nb = std::round((s[1] - nc * h[3]) / h[1]);
      const double na = std::round((s[0] - nb * h[5] - nc * h[4]) / h[0]);
      g.unit_shifts.insert(g.unit_shifts.end(), {na, nb, nc});
    }
  }
}

void PairSEIMACE::compute(int eflag, int vflag)
{
  ev_init(eflag, vflag);
  if (vflag_atom)
    fail("per-atom virial (compute stress/atom) is not available; use the global pressure, or compute "
         "stress/atom with a different pair style");
  if (members_.empty()) fail("no model loaded: call pair_coeff before run");

  build_graph(0);
  auto &g = *graph_;
  const bool want_virial = vflag_global && !vflag_fdotr;
  if (g.n_nodes > 0) {
    try {
      members_[0]->evaluate(g, want_virial, *result_);
    } catch (std::exception &e) {
      error->one(FLERR, "pair_style sei/mace: the model failed: {}", e.what());
    }
    double **f = atom->f;
    const int nlocal = atom->nlocal;
    const auto &r = *result_;
    for (int n = 0; n < g.n_nodes; ++n) {
      const int a = atom_of_node_[n];
      f[a][0] += r.forces[3 * n];
      f[a][1] += r.forces[3 * n + 1];
      f[a][2] += r.forces[3 * n + 2];
      if (eflag_atom && a < nlocal) eatom[a] += r.node_energy[n];
    }
    if (eflag_global) eng_vdwl += r.energy;
    if (want_virial) {
      const double *v = r.virial;
      virial[0] += v[0];
      virial[1] += v[4];
      virial[2] += v[8];
      virial[3] += 0.5 * (v[1] + v[3]);
      virial[4] += 0.5 * (v[2] + v[6]);
      virial[5] += 0.5 * (v[5] + v[7]);
    }
  }
  if (vflag_fdotr) virial_fdotr_compute();
  if (gamma_flag_ && members_.size() > 1) compute_gamma();
}

void PairSEIMACE::compute_gamma()
{
  const int K = static_cast<int>(members_.size());
  const int nlocal = atom->nlocal;
  const int nall = nlocal + atom->nghost;
  grow_gamma();
  if (atom->nmax > fk_nmax_) {
    memory->destroy(fk_);
    fk_nmax_ = atom->nmax;
    memory->create(fk_, fk_nmax_, 3 * K, "pair:committee_forces");
  }
  for (int i = 0; i < nall; ++i)
    for (int m = 0; m < 3 * K; ++m) fk_[i][m] = 0.0;

  auto &g = *graph_;
  const int *type = atom->type;
  for (int k = 0; k < K; ++k) {
    if (k > 0) build_graph(k);
    if (k > 0 && g.n_nodes > 0) {
      try {
        members_[k]->evaluate(g, false, *result_);
      } catch (std::exception &e) {
        error->one(FLERR, "pair_style sei/mace: committee member {} failed: {}", k + 1, e.what());
      }
    }
    // member 1's forces are still in result_ from compute()
    if (g.n_nodes > 0)
      for (int n = 0; n < g.n_nodes; ++n)
        for (int d = 0; d < 3; ++d) fk_[atom_of_node_[n]][3 * k + d] = result_->forces[3 * n + d];
  }
  // forces on ghost nodes belong to their owners (on this or another rank)
  if (!no_domain_decomposition_) {
    comm_reverse = 3 * K;
    comm->reverse_comm(this);
  }
  // deviation: sqrt(1/K sum_k |F_k - <F>|^2) per atom
  for (int i = 0; i < nlocal; ++i) {
    double mean[3] = {0.0, 0.0, 0.0};
    for (int k = 0; k < K; ++k)
      for (int d = 0; d < 3; ++d) mean[d] += fk_[i][3 * k + d] / K;
    double sum = 0.0;
    for (int k = 0; k < K; ++k)
      for (int d = 0; d < 3; ++d) {
        const double dev = fk_[i][3 * k + d] - mean[d];
        sum += dev * dev;
      }
    gamma_[i] = species_of_type_[type[i]] < 0 ? 0.0 : std::sqrt(sum / K);
  }
}

int PairSEIMACE::pack_reverse_comm(int n, int first, double *buf)
{
  int m = 0;
  for (int i = first; i < first + n; ++i)
    for (int c = 0; c < comm_reverse; ++c) buf[m++] = fk_[i][c];
  return m;
}

void PairSEIMACE::unpack_reverse_comm(int n, int *list, double *buf)
{
  int m = 0;
  for (int i = 0; i < n; ++i)
    for (int c = 0; c < comm_reverse; ++c) fk_[list[i]][c] += buf[m++];
}

void *PairSEIMACE::extract(const char *name, int &dim)
{
  dim = 0;
  if (std::strcmp(name, "gamma_flag") == 0) {
    if (members_.empty()) fail("gamma requested before pair_coeff: define pair_coeff before 'fix pair ... gamma 1'");
    if (members_.size() < 2)
      fail("per-atom gamma is the force deviation of a committee, but only one model is loaded; use "
           "pair_style sei/mace committee m2-lammps.pt [m3-lammps.pt ...] (the pair_coeff model is member 1)");
    return &gamma_flag_;
  }
  return nullptr;
}

double PairSEIMACE::memory_usage()
{
  double bytes = Pair::memory_usage();
  bytes += static_cast<double>(gamma_nmax_) * sizeof(double);
  bytes += static_cast<double>(fk_nmax_) * 3 * members_.size() * sizeof(double);
  return bytes;
}
