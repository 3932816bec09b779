#include "mtp/pair_sei_mtp.h"

#include "common/potential_text.h"
#include "mtp/mtp_active_set.h"
#include "mtp/mtp_evaluator.h"
#include "mtp/mtp_model.h"

#include "atom.h"
#include "error.h"
#include "memory.h"
#include "neigh_list.h"

#include <cmath>
#include <cstring>
#include <sstream>

using namespace LAMMPS_NS;

namespace {
// closer than this two atoms are taken as lying on top of each other
constexpr double kOverlapDistance = 1.0e-6;
}    // namespace

PairSEIMTP::PairSEIMTP(LAMMPS *lmp) : PairSEIBase(lmp, "sei/mtp") {}

PairSEIMTP::~PairSEIMTP()
{
}

void PairSEIMTP::load_potential(const std::string &path, const std::string &bytes)
{
  auto model = std::make_unique<sei::mtp::Model>(sei::mtp::parse_model(bytes, path));
  auto active = std::make_unique<sei::mtp::ActiveSet>();
  bool has_state = sei::mtp::parse_active_set(bytes, path, model->n_params(), *active);
  evaluator_.reset();
  model_ = std::move(model);
  active_set_ = has_state ? std::move(active) : nullptr;
  evaluator_ = std::make_unique<sei::mtp::Evaluator>(*model_);
}

int PairSEIMTP::n_species() const
{
  return model_->n_species;
}

double PairSEIMTP::cutoff() const
{
  return model_->r_cut;
}

std::string PairSEIMTP::describe() const
{
  const auto &m = *model_;
  std::ostringstream out;
  out << m.n_species << " species, "
      << (m.basis == sei::mtp::RadialBasis::Chebyshev ? "RBChebyshev" : "RBChebyshev_repuls") << " r = " << m.r_min
      << ".." << m.r_cut << " A, " << m.n_moments << " moments, " << m.n_scalar() << " basis functions";
  if (active_set_)
    out << ", active-learning state (" << active_set_->n << " parameters, "
        << (active_set_->neighbourhood_mode() ? "neighbourhood" : "configuration") << " mode)";
  out << "; radial block labels:";
  for (const auto &label : m.pair_labels) out << " " << label;
  return out.str();
}

void PairSEIMTP::compute(int eflag, int vflag)
{
  ev_init(eflag, vflag);

  double **x = atom->x;
  const int *type = atom->type;
  const int inum = list->inum;
  const int *ilist = list->ilist;
  const int *numneigh = list->numneigh;
  int **firstneigh = list->firstneigh;
  const double cutsq_model = model_->r_cut * model_->r_cut;
  const double overlapsq = kOverlapDistance * kOverlapDistance;

  const bool want_gamma = gamma_flag_ && active_set_;
  if (want_gamma) {
    grow_gamma();
    theta_grad_.resize(evaluator_->n_params());
  }

  for (int ii = 0; ii < inum; ++ii) {
    const int i = ilist[ii];
    const int si = species_of_type_[type[i]];
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
      const int sj = species_of_type_[type[j]];
      if (sj < 0) continue;
      const double dx = x[j][0] - xi, dy = x[j][1] - yi, dz = x[j][2] - zi;
      const double rsq = dx * dx + dy * dy + dz * dz;
      if (rsq >= cutsq_model) continue;
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

    if (want_gamma) {
      evaluator_->parameter_gradient(theta_grad_.data());
      gamma_[i] = active_set_->grade(theta_grad_.data());
    }
  }

  if (vflag_fdotr) virial_fdotr_compute();
}

void *PairSEIMTP::extract(const char *name, int &dim)
{
  dim = 0;
  if (std::strcmp(name, "gamma_flag") == 0) {
    if (!model_) fail("gamma requested before pair_coeff: define pair_coeff before 'fix pair ... gamma 1'");
    if (!active_set_)
      fail("per-atom gamma needs an .almtp file with an MLIP-3 active-learning state (#MVS_v1.1), but " +
           potential_path_ + " has none; make one with 'mlp train pot.mtp train.cfg --al_mode=nbh'");
    if (!active_set_->neighbourhood_mode())
      fail("the active-learning state in " + potential_path_ +
           " was selected in configuration mode (energy_weight != 0); per-atom gamma needs neighbourhood mode "
           "(site_en_weight = 1): retrain the selection with 'mlp train ... --al_mode=nbh'");
    return &gamma_flag_;
  }
  if (std::strcmp(name, "cutoff") == 0 && model_) return &model_->r_cut;
  return nullptr;
}

double PairSEIMTP::memory_usage()
{
  double bytes = Pair::memory_usage();
  bytes += static_cast<double>(gamma_nmax_) * sizeof(double);
  if (active_set_) bytes += static_cast<double>(active_set_->inv_a_t.size()) * sizeof(double);
  return bytes;
}
