#include "ace/pair_sei_ace.h"

#include "ace/ace_active_set.h"
#include "ace/ace_evaluator.h"
#include "ace/ace_model.h"
#include "common/potential_text.h"

#include "atom.h"
#include "comm.h"
#include "error.h"
#include "memory.h"
#include "neigh_list.h"
#include "utils.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <sstream>

using namespace LAMMPS_NS;

namespace {
// closer than this two atoms are taken as lying on top of each other
constexpr double kOverlapDistance = 1.0e-6;
}    // namespace

PairSEIACE::PairSEIACE(LAMMPS *lmp) : PairSEIBase(lmp, "sei/ace") {}

PairSEIACE::~PairSEIACE()
{
}

void PairSEIACE::settings(int narg, char **arg)
{
  require_metal_units();
  bbasis_path_.clear();
  asi_path_.clear();
  exact_ = false;
  check_masses_ = true;
  const std::string usage = "usage: pair_style sei/ace [exact] [activeset <B-basis .yaml> <.asi>] [check_masses yes|no]";
  int iarg = 0;
  while (iarg < narg) {
    const std::string word = arg[iarg];
    if (base_keyword(narg, arg, iarg)) continue;
    if (word == "activeset") {
      if (iarg + 2 >= narg) fail("'activeset' needs two files, the B-basis .yaml and its .asi; " + usage);
      bbasis_path_ = arg[iarg + 1];
      asi_path_ = arg[iarg + 2];
      iarg += 3;
    } else if (word == "exact") {
      exact_ = true;
      ++iarg;
    } else if (word == "product" || word == "recursive") {
      fail("'" + word + "' is a pair_style pace keyword; sei/ace always evaluates the product form. " + usage);
    } else {
      fail("unknown keyword '" + word + "'; " + usage);
    }
  }
}

void PairSEIACE::load_potential(const std::string &path, const std::string &bytes)
{
  auto model = std::make_unique<sei::ace::Model>(sei::ace::parse_model(bytes, path));
  evaluator_.reset();
  active_set_.reset();
  model_ = std::move(model);
  evaluator_ = std::make_unique<sei::ace::Evaluator>(*model_, exact_);
  if (!bbasis_path_.empty()) load_active_set();
}

void PairSEIACE::load_active_set()
{
  std::string yaml_path = utils::get_potential_file_path(bbasis_path_);
  std::string asi_path = utils::get_potential_file_path(asi_path_);
  if (yaml_path.empty()) fail("cannot find the B-basis file '" + bbasis_path_ + "' given after 'activeset'");
  if (asi_path.empty()) fail("cannot find the active-set file '" + asi_path_ + "' given after 'activeset'");
  std::string yaml, asi;
  broadcast_file(yaml_path, yaml, false);
  broadcast_file(asi_path, asi, false);
  try {
    active_set_ = std::make_unique<sei::ace::ActiveSet>(*model_, yaml, yaml_path, asi, asi_path);
  } catch (sei::PotentialFileError &e) {
    fail(e.what());
  }
}

int PairSEIACE::n_species() const
{
  return model_->n_species();
}

double PairSEIACE::cutoff() const
{
  return model_->max_cutoff();
}

std::vector<std::string> PairSEIACE::file_species_names() const
{
  return model_->elements;
}

double PairSEIACE::init_one(int i, int j)
{
  if (setflag[i][j] == 0) fail("all pair coeffs are not set (call pair_coeff * * <file> <element per type>)");
  // LAMMPS keeps one cutoff per unordered type pair; the evaluator applies each ordered pair's own rcut
  const int a = species_of_type_[i], b = species_of_type_[j];
  return std::max(model_->bond(a, b).rcut, model_->bond(b, a).rcut);
}

std::string PairSEIACE::describe() const
{
  const auto &m = *model_;
  std::ostringstream out;
  out << "ACE (" << m.format << "), elements";
  for (const auto &e : m.elements) out << " " << e;
  out << ", " << m.n_functions() << " C-tilde functions, nradbase " << m.nradbase << ", nradmax " << m.nradmax
      << ", lmax " << m.lmax << ", ndensity";
  for (const auto &e : m.embeddings) out << " " << e.ndensity;
  out << ", rcut max " << m.max_cutoff() << " A, radial functions "
      << (exact_ ? "exact" : "tabulated (" + std::to_string(evaluator_->table_bytes() >> 20) + " MiB)");
  if (active_set_) out << "; " << active_set_->describe();
  return out.str();
}

void PairSEIACE::compute(int eflag, int vflag)
{
  ev_init(eflag, vflag);

  double **x = atom->x;
  const int *type = atom->type;
  const int inum = list->inum;
  const int *ilist = list->ilist;
  const int *numneigh = list->numneigh;
  int **firstneigh = list->firstneigh;
  const double overlapsq = kOverlapDistance * kOverlapDistance;

  const bool want_gamma = gamma_flag_ && active_set_;
  if (want_gamma) {
    grow_gamma();
  }

  for (int ii = 0; ii < inum; ++ii) {
    const int i = ilist[ii];
    const int itype = type[i];
    const int si = species_of_type_[itype];
    if (si < 0) continue;
    const double xi = x[i][0], yi = x[i][1], zi = x[i][2];
    const int *jlist = firstneigh[i];
    const int jnum = numneigh[i];
    if (static_cast<int>(jidx_.size()) < jnum) {
      jidx_.resize(jnum);
      jspecies_.resize(jnum);
      r_.resize(3 * jnum);
      grad_.resize(3 * jnum);
    }
    int nn = 0;
    for (int jj = 0; jj < jnum; ++jj) {
      const int j = jlist[jj] & NEIGHMASK;
      const int jtype = type[j];
      const int sj = species_of_type_[jtype];
      if (sj < 0) continue;
      const double dx = x[j][0] - xi, dy = x[j][1] - yi, dz = x[j][2] - zi;
      const double rsq = dx * dx + dy * dy + dz * dz;
      if (rsq >= cutsq[itype][jtype]) continue;
      if (rsq < overlapsq) overlap_error(i, j, std::sqrt(rsq));
      jidx_[nn] = j;
      jspecies_[nn] = sj;
      r_[3 * nn] = dx;
      r_[3 * nn + 1] = dy;
      r_[3 * nn + 2] = dz;
      ++nn;
    }

    const double ei = evaluator_->site_energy(si, nn, r_.data(), jspecies_.data(), grad_.data());
    if (eflag_global) eng_vdwl += ei;
    if (eflag_atom) eatom[i] += ei;

    tally_site_gradient(i, nn, jidx_.data(), r_.data(), grad_.data());

    if (want_gamma) gamma_[i] = active_set_->grade(si, *evaluator_);
  }

  if (vflag_fdotr) virial_fdotr_compute();
}

void *PairSEIACE::extract(const char *name, int &dim)
{
  dim = 0;
  if (std::strcmp(name, "gamma_flag") == 0) {
    if (!model_) fail("gamma requested before pair_coeff: define pair_coeff before 'fix pair ... gamma 1'");
    if (!active_set_)
      fail("per-atom gamma needs the B-basis .yaml and its active set .asi: use 'pair_style sei/ace activeset "
           "pot.yaml pot.asi' (make the .asi with pacemaker's 'pace_activeset -d fitting_data.pckl.gzip pot.yaml')");
    return &gamma_flag_;
  }
  return nullptr;
}

double PairSEIACE::memory_usage()
{
  double bytes = Pair::memory_usage();
  bytes += static_cast<double>(gamma_nmax_) * sizeof(double);
  if (evaluator_) bytes += static_cast<double>(evaluator_->table_bytes());
  return bytes;
}
