#include "ace/ace_evaluator.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace sei::ace {

namespace {

// Embedding term Phi(rho; m) and dPhi/drho (spec §5)
double embed(EmbeddingType type, double rho, double m, double &dphi)
{
  const double a = std::fabs(rho);
  const double sign = rho < 0.0 ? -1.0 : 1.0;
  if (type == EmbeddingType::FinnisSinclairShiftedScaled) {
    if (std::fabs(m - 1.0) < 1e-10) {
      dphi = 1.0;
      return rho;
    }
    const double nu = 1.0 / m;
    const double ea = std::exp(-a);
    const double x_off = std::pow(nu, nu / (1.0 - nu)) * ea;
    const double y_off = std::pow(nu, 1.0 / (1.0 - nu)) * ea;
    const double base = x_off + a;
    const double pm1 = std::pow(base, m - 1.0);
    dphi = y_off + m * (1.0 - x_off) * pm1;
    return sign * (base * pm1 - y_off);
  }
  // FinnisSinclair with a smooth linear core below ~1/w
  const double w = 1.0e6;
  const double lambda = std::pow(1.0 / w, m - 1.0);
  if (a <= 1e-10) {
    dphi = lambda;
    return lambda * rho;
  }
  const double wa3 = (w * a) * (w * a) * (w * a);
  const double g = wa3 > 30.0 ? 0.0 : std::exp(-wa3);
  const double dg = -3.0 * w * w * w * a * a * g;
  const double am = std::pow(a, m);
  dphi = m * am / a * (1.0 - g) - am * dg + lambda * dg * a + lambda * g;
  return sign * ((1.0 - g) * am + lambda * g * a);
}

}    // namespace

Evaluator::Evaluator(const Model &model, bool exact) :
    model_(model), S_(model.n_species()), nb_(model.nradbase), nr_(std::max(1, model.nradmax)), lmax_(model.lmax),
    lm_((model.lmax + 1) * (model.lmax + 1)), lstride_(model.lmax + 1), ylm_(model.lmax)
{
  radial_.resize(S_ * S_);
  for (int a = 0; a < S_; ++a)
    for (int b = 0; b < S_; ++b)
      radial_[a * S_ + b] = PairRadial(model.bond(a, b), model.atomic_numbers[a], model.atomic_numbers[b]);
  for (const auto &b : model.bonds)
    if (b.inner == InnerCutoff::Zbl) zbl_ = true;
  if (!exact) {
    tables_.resize(S_ * S_);
    for (int k = 0; k < S_ * S_; ++k) tables_[k] = RadialTable(radial_[k], model.delta_spline_bins, lstride_);
  }

  plans_.resize(S_);
  for (int a = 0; a < S_; ++a) {
    Plan &p = plans_[a];
    p.ndens = model.embeddings[a].ndensity;
    p.t_start.push_back(0);
    for (const Function &fn : model.functions[a]) {
      if (fn.rank == 1) {
        p.r1_idx.push_back(a1_index(fn.mus[0], fn.ns[0] - 1));
        for (int q = 0; q < p.ndens; ++q) p.r1_coef.push_back(fn.ctildes[q]);
        continue;
      }
      for (int s = 0; s < fn.num_ms; ++s) {
        for (int t = 0; t < fn.rank; ++t) p.t_idx.push_back(a_index(fn.mus[t], fn.ns[t] - 1, fn.ls[t], fn.ms[s * fn.rank + t]));
        p.t_start.push_back(static_cast<int>(p.t_idx.size()));
        for (int q = 0; q < p.ndens; ++q) p.t_coef.push_back(fn.ctildes[s * fn.ndensity + q]);
      }
    }
  }
  a1_.assign(S_ * nb_, 0.0);
  w1_.assign(S_ * nb_, 0.0);
  a_.assign(S_ * nr_ * lm_, 0.0);
  w_.assign(S_ * nr_ * lm_, 0.0);
  rho_.assign(model.ndensity_max, 0.0);
  d_rho_.assign(model.ndensity_max, 0.0);
  coef_.assign(model.ndensity_max, 0.0);
  prefix_.resize(32);
}

size_t Evaluator::table_bytes() const
{
  size_t n = 0;
  for (const auto &t : tables_) n += t.bytes();
  return n;
}

void Evaluator::reserve(int nn)
{
  if (nn <= cap_) return;
  cap_ = std::max(nn, 2 * cap_);
  const int H = ylm_.half_size();
  d_.resize(cap_);
  u_.resize(3 * cap_);
  g_.resize(static_cast<size_t>(cap_) * nb_);
  dg_.resize(static_cast<size_t>(cap_) * nb_);
  R_.resize(static_cast<size_t>(cap_) * nr_ * lstride_);
  dR_.resize(static_cast<size_t>(cap_) * nr_ * lstride_);
  cr_.resize(cap_);
  dcr_.resize(cap_);
  y_.resize(static_cast<size_t>(cap_) * H);
  dy_.resize(static_cast<size_t>(cap_) * 3 * H);
  inside_.resize(cap_);
}

double Evaluator::site_energy(int si, int nn, const double *r, const int *species, double *grad)
{
  reserve(nn);
  const int H = ylm_.half_size();
  const int RL = nr_ * lstride_;
  std::fill(a1_.begin(), a1_.end(), 0.0);
  std::fill(a_.begin(), a_.end(), cdouble(0.0));

  // ---- neighbours: radial basis, radial functions, harmonics, core repulsion; atomic base A
  double rho_core = 0.0;
  double dmin = std::numeric_limits<double>::max();
  int jmin = -1;
  for (int j = 0; j < nn; ++j) {
    const int sj = species[j];
    const PairRadial &rad = radial_[si * S_ + sj];
    const Bond &bd = *rad.bond;
    const double dx = r[3 * j], dy = r[3 * j + 1], dz = r[3 * j + 2];
    const double d = std::sqrt(dx * dx + dy * dy + dz * dz);
    inside_[j] = d < bd.rcut;
    if (!inside_[j]) continue;
    d_[j] = d;
    double *u = &u_[3 * j];
    u[0] = dx / d, u[1] = dy / d, u[2] = dz / d;
    double *g = &g_[static_cast<size_t>(j) * nb_];
    double *dg = &dg_[static_cast<size_t>(j) * nb_];
    double *R = &R_[static_cast<size_t>(j) * RL];
    double *dR = &dR_[static_cast<size_t>(j) * RL];
    if (tables_.empty() || !tables_[si * S_ + sj].eval(d, g, dg, R, dR, cr_[j], dcr_[j])) {
      rad.basis(d, g, dg);
      rad.functions(g, dg, lstride_, R, dR);
      cr_[j] = rad.core(d, dcr_[j]);
    }
    rho_core += cr_[j];
    if (zbl_) {
      const double dj = d - (bd.rcut_in - bd.dcut_in);
      if (dj < dmin) dmin = dj, jmin = j;
    }
    cdouble *y = &y_[static_cast<size_t>(j) * H];
    ylm_.compute(u, y, &dy_[static_cast<size_t>(j) * 3 * H]);

    double *a1 = &a1_[sj * nb_];
    for (int k = 0; k < bd.nradbase; ++k) a1[k] += g[k];
    for (int n = 0; n < bd.nradmax; ++n) {
      cdouble *an = &a_[(sj * nr_ + n) * lm_];
      for (int l = 0; l <= bd.lmax; ++l) {
        const double rnl = R[n * lstride_ + l];
        for (int m = 0; m <= l; ++m) an[l * l + l + m] += rnl * y[half_index(l, m)];
      }
    }
  }
  // A_{l,-m} = (-1)^m conj(A_{l,m})
  for (int mu = 0; mu < S_; ++mu)
    for (int n = 0; n < nr_; ++n) {
      cdouble *an = &a_[(mu * nr_ + n) * lm_];
      for (int l = 1; l <= lmax_; ++l)
        for (int m = 1; m <= l; ++m) {
          const cdouble c = std::conj(an[l * l + l + m]);
          an[l * l + l - m] = (m % 2) ? -c : c;
        }
    }

  // ---- densities
  const Plan &plan = plans_[si];
  const int P = plan.ndens;
  for (int p = 0; p < P; ++p) rho_[p] = 0.0;
  for (size_t f = 0; f < plan.r1_idx.size(); ++f) {
    const double a = a1_[plan.r1_idx[f]];
    const double *c = &plan.r1_coef[f * P];
    for (int p = 0; p < P; ++p) rho_[p] += c[p] * a;
  }
  const int ntuples = static_cast<int>(plan.t_start.size()) - 1;
  for (int s = 0; s < ntuples; ++s) {
    const int *idx = &plan.t_idx[plan.t_start[s]];
    const int rank = plan.t_start[s + 1] - plan.t_start[s];
    cdouble prod = a_[idx[0]];
    for (int t = 1; t < rank - 1; ++t) prod = cmul(prod, a_[idx[t]]);
    const double re = re_mul(prod, a_[idx[rank - 1]]);
    const double *c = &plan.t_coef[s * P];
    for (int p = 0; p < P; ++p) rho_[p] += c[p] * re;
  }

  // ---- embedding, core repulsion and the site energy
  const Embedding &emb = model_.embeddings[si];
  double F = 0.0;
  for (int p = 0; p < P; ++p) {
    double dphi;
    F += emb.fs[2 * p] * embed(emb.type, rho_[p], emb.fs[2 * p + 1], dphi);
    d_rho_[p] = emb.fs[2 * p] * dphi;
  }
  double energy, d_core, f_switch, df_zbl = 0.0;
  if (zbl_) {
    // ACE <-> ZBL by the nearest neighbour (spec §6.3)
    f_switch = 1.0;
    if (jmin >= 0) {
      const Bond &bm = *radial_[si * S_ + species[jmin]].bond;
      double dp;
      f_switch = switch_p(bm.dcut_in - dmin, bm.dcut_in, bm.dcut_in, dp);
      df_zbl = -dp;    // d f / d r_min
    }
    energy = F * f_switch + rho_core * (1.0 - f_switch);
    d_core = 1.0 - f_switch;
  } else {
    double dfc;
    f_switch = switch_p(rho_core, emb.rho_core_cut, emb.drho_core_cut, dfc);
    energy = F * f_switch + rho_core;
    d_core = F * dfc + 1.0;
  }
  energy += model_.e0[si];
  for (int p = 0; p < P; ++p) d_rho_[p] *= f_switch;
  if (!grad) return energy;

  // ---- adjoint: weights dE/dA1 and dE/dA
  std::fill(w1_.begin(), w1_.end(), 0.0);
  std::fill(w_.begin(), w_.end(), cdouble(0.0));
  for (size_t f = 0; f < plan.r1_idx.size(); ++f) {
    const double *c = &plan.r1_coef[f * P];
    double sum = 0.0;
    for (int p = 0; p < P; ++p) sum += d_rho_[p] * c[p];
    w1_[plan.r1_idx[f]] += sum;
  }
  for (int s = 0; s < ntuples; ++s) {
    const int *idx = &plan.t_idx[plan.t_start[s]];
    const int rank = plan.t_start[s + 1] - plan.t_start[s];
    const double *c = &plan.t_coef[s * P];
    double coef = 0.0;
    for (int p = 0; p < P; ++p) coef += d_rho_[p] * c[p];
    if (static_cast<int>(prefix_.size()) <= rank) prefix_.resize(rank + 1);
    // prefix products, then a running suffix: dB/dA_t = prefix_t * suffix_t
    prefix_[0] = coef;
    for (int t = 1; t < rank; ++t) prefix_[t] = cmul(prefix_[t - 1], a_[idx[t - 1]]);
    w_[idx[rank - 1]] += prefix_[rank - 1];
    cdouble suffix = a_[idx[rank - 1]];
    for (int t = rank - 2; t >= 0; --t) {
      w_[idx[t]] += cmul(prefix_[t], suffix);
      if (t > 0) suffix = cmul(suffix, a_[idx[t]]);
    }
  }
  // fold negative m onto positive m: Re(w_{-m} dA_{-m}) = Re((-1)^m conj(w_{-m}) dA_m)
  for (int mu = 0; mu < S_; ++mu)
    for (int n = 0; n < nr_; ++n) {
      cdouble *wn = &w_[(mu * nr_ + n) * lm_];
      for (int l = 1; l <= lmax_; ++l)
        for (int m = 1; m <= l; ++m) {
          const cdouble c = std::conj(wn[l * l + l - m]);
          wn[l * l + l + m] += (m % 2) ? -c : c;
        }
    }

  // ---- per-neighbour gradients
  for (int j = 0; j < nn; ++j) {
    double *gj = grad + 3 * j;
    gj[0] = gj[1] = gj[2] = 0.0;
    if (!inside_[j]) continue;
    const int sj = species[j];
    const Bond &bd = *radial_[si * S_ + sj].bond;
    const double *dg = &dg_[static_cast<size_t>(j) * nb_];
    const double *R = &R_[static_cast<size_t>(j) * RL];
    const double *dR = &dR_[static_cast<size_t>(j) * RL];
    const cdouble *y = &y_[static_cast<size_t>(j) * H];
    const cdouble *dy = &dy_[static_cast<size_t>(j) * 3 * H];
    double radial = 0.0;    // coefficient of u
    const double *w1 = &w1_[sj * nb_];
    for (int k = 0; k < bd.nradbase; ++k) radial += w1[k] * dg[k];
    double tang[3] = {0.0, 0.0, 0.0};    // sum Re(W_R dY/du), projected below
    for (int l = 0; l <= bd.lmax; ++l)
      for (int m = 0; m <= l; ++m) {
        cdouble wr = 0.0, wdr = 0.0;
        for (int n = 0; n < bd.nradmax; ++n) {
          const cdouble w = w_[(sj * nr_ + n) * lm_ + l * l + l + m];
          wr += w * R[n * lstride_ + l];
          wdr += w * dR[n * lstride_ + l];
        }
        const int h = half_index(l, m);
        radial += re_mul(wdr, y[h]);
        tang[0] += re_mul(wr, dy[3 * h]);
        tang[1] += re_mul(wr, dy[3 * h + 1]);
        tang[2] += re_mul(wr, dy[3 * h + 2]);
      }
    radial += d_core * dcr_[j];
    if (zbl_ && j == jmin) radial += (F - rho_core) * df_zbl;
    const double *u = &u_[3 * j];
    const double ut = u[0] * tang[0] + u[1] * tang[1] + u[2] * tang[2];
    const double inv = 1.0 / d_[j];
    for (int k = 0; k < 3; ++k) gj[k] = radial * u[k] + (tang[k] - ut * u[k]) * inv;
  }
  return energy;
}

}    // namespace sei::ace
