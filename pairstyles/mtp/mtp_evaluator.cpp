#include "mtp/mtp_evaluator.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <tuple>

namespace sei::mtp {

namespace {
// repulsion added by RBChebyshev_repuls below min_dist (spec §3.2)
constexpr double kRepulsionScale = 10000.0;
constexpr double kRepulsionDecay = 10.0;
}    // namespace

Evaluator::Evaluator(const Model &model) : model_(model)
{
  // Closure of the basic monomials under "one power less", so every monomial is one
  // multiplication of an earlier one (and reverse mode can run back through that chain).
  std::map<std::tuple<int, int, int>, int> seen;
  std::vector<std::tuple<int, int, int>> todo;
  for (const auto &b : model_.basic) todo.emplace_back(b[1], b[2], b[3]);
  todo.emplace_back(0, 0, 0);
  std::vector<std::tuple<int, int, int>> all;
  while (!todo.empty()) {
    auto key = todo.back();
    todo.pop_back();
    if (seen.count(key)) continue;
    seen[key] = 0;
    all.push_back(key);
    auto [p, q, t] = key;
    if (p > 0) todo.emplace_back(p - 1, q, t);
    if (q > 0) todo.emplace_back(p, q - 1, t);
    if (t > 0) todo.emplace_back(p, q, t - 1);
  }
  std::sort(all.begin(), all.end(), [](const auto &x, const auto &y) {
    int dx = std::get<0>(x) + std::get<1>(x) + std::get<2>(x);
    int dy = std::get<0>(y) + std::get<1>(y) + std::get<2>(y);
    return dx != dy ? dx < dy : x < y;
  });
  for (size_t i = 0; i < all.size(); ++i) seen[all[i]] = static_cast<int>(i);
  for (const auto &key : all) {
    auto [p, q, t] = key;
    // built from the monomial with one power less along the first axis that has one
    Monomial mono{-1, -1};
    if (p > 0) mono = {seen[{p - 1, q, t}], 0};
    else if (q > 0) mono = {seen[{p, q - 1, t}], 1};
    else if (t > 0) mono = {seen[{p, q, t - 1}], 2};
    monos_.push_back(mono);
  }
  std::vector<char> used(monos_.size(), 0);
  for (const auto &b : model_.basic) {
    basic_mu_.push_back(b[0]);
    int m = seen[{b[1], b[2], b[3]}];
    basic_mono_.push_back(m);
    used[m] = 1;
  }
  for (size_t m = 0; m < monos_.size(); ++m)
    if (used[m]) used_monos_.push_back(static_cast<int>(m));
  for (const auto &t : model_.times) times_.push_back({t[0], t[1], t[3], static_cast<double>(t[2])});
  moments_.assign(model_.n_moments, 0.0);
  adjoint_.assign(model_.n_moments, 0.0);
  reserve(64);
}

void Evaluator::reserve(int nn)
{
  if (nn <= cap_) return;
  cap_ = std::max(nn, 2 * cap_);
  const size_t c = static_cast<size_t>(cap_);
  d_.resize(c);
  inv_d_.resize(c);
  species_j_.resize(c);
  u_.resize(3 * c);
  q_.resize(model_.n_q * c);
  dq_.resize(model_.n_q * c);
  f_.resize(model_.n_mu * c);
  fp_.resize(model_.n_mu * c);
  pw_.resize(monos_.size() * c);
  w_.resize(monos_.size() * c);
  wp_.resize(monos_.size() * c);
  s_.resize(c);
  v_.resize(3 * c);
}

// Chebyshev radial basis Q_k(r) = s T_k(xi) (R_cut - r)^2 and the radial functions f_mu, f'_mu (spec §3, §4)
void Evaluator::radial(int nn, const double *r, const int *species)
{
  const Model &m = model_;
  const size_t c = cap_;
  const double width = m.r_cut - m.r_min;
  const double dxi = 2.0 / width;
  const bool repulsive = m.basis == RadialBasis::ChebyshevRepulsive;
  for (int j = 0; j < nn; ++j) {
    const double x = r[3 * j], y = r[3 * j + 1], z = r[3 * j + 2];
    const double d = std::sqrt(x * x + y * y + z * z);
    d_[j] = d;
    inv_d_[j] = 1.0 / d;
    u_[j] = x / d;
    u_[c + j] = y / d;
    u_[2 * c + j] = z / d;
    species_j_[j] = species[j];
    // _repuls clamps the argument at min_dist and freezes the basis there
    const bool clamped = repulsive && d < m.r_min;
    const double de = clamped ? m.r_min : d;
    const double xi = (2.0 * de - (m.r_min + m.r_cut)) / width;
    const double gap = m.r_cut - de;
    const double env = m.scaling * gap * gap;
    const double denv = -2.0 * m.scaling * gap;
    double t_prev = 1.0, t_cur = xi, dt_prev = 0.0, dt_cur = 1.0;    // T_k and dT_k/dxi
    for (int k = 0; k < m.n_q; ++k) {
      double t, dt;
      if (k == 0) {
        t = 1.0;
        dt = 0.0;
      } else if (k == 1) {
        t = xi;
        dt = 1.0;
      } else {
        t = 2.0 * xi * t_cur - t_prev;
        dt = 2.0 * t_cur + 2.0 * xi * dt_cur - dt_prev;
        t_prev = t_cur;
        t_cur = t;
        dt_prev = dt_cur;
        dt_cur = dt;
      }
      q_[k * c + j] = t * env;
      dq_[k * c + j] = clamped ? 0.0 : dt * dxi * env + t * denv;
    }
  }
  const int S = m.n_species, NQ = m.n_q, NMU = m.n_mu;
  for (int j = 0; j < nn; ++j) {
    const double *coeff = m.radial_coeffs.data() + static_cast<size_t>(species_i_ * S + species[j]) * NMU * NQ;
    for (int mu = 0; mu < NMU; ++mu) {
      double f = 0.0, fp = 0.0;
      const double *cm = coeff + mu * NQ;
      for (int k = 0; k < NQ; ++k) {
        f += cm[k] * q_[k * c + j];
        fp += cm[k] * dq_[k * c + j];
      }
      f_[mu * c + j] = f;
      fp_[mu * c + j] = fp;
    }
  }
}

double Evaluator::site_energy(int species_i, int nn, const double *r, const int *species, double *grad)
{
  const Model &m = model_;
  reserve(nn);
  nn_ = nn;
  species_i_ = species_i;
  const size_t c = cap_;
  radial(nn, r, species);

  // angular monomials u_x^p u_y^q u_z^t of every neighbour
  for (size_t mi = 0; mi < monos_.size(); ++mi) {
    double *out = &pw_[mi * c];
    const Monomial &mono = monos_[mi];
    if (mono.parent < 0) {
      std::fill(out, out + nn, 1.0);
    } else {
      const double *in = &pw_[mono.parent * c];
      const double *ua = &u_[mono.axis * c];
      for (int j = 0; j < nn; ++j) out[j] = in[j] * ua[j];
    }
  }

  // basic moments, then contractions in file order (spec §5, §6)
  const int NB = m.n_basic;
  for (int b = 0; b < NB; ++b) {
    const double *f = &f_[basic_mu_[b] * c];
    const double *pw = &pw_[basic_mono_[b] * c];
    double sum = 0.0;
    for (int j = 0; j < nn; ++j) sum += f[j] * pw[j];
    moments_[b] = sum;
  }
  std::fill(moments_.begin() + NB, moments_.end(), 0.0);
  for (const Contraction &t : times_) moments_[t.c] += t.m * moments_[t.a] * moments_[t.b];

  double energy = m.species_coeffs[species_i];
  for (int k = 0; k < m.n_scalar(); ++k) energy += m.moment_coeffs[k] * moments_[m.mapping[k]];

  double repulsion = 0.0;
  const bool repulsive = m.basis == RadialBasis::ChebyshevRepulsive;
  if (repulsive)
    for (int j = 0; j < nn; ++j)
      if (d_[j] < m.r_min)
        repulsion += kRepulsionScale *
            (std::exp(-kRepulsionDecay * (d_[j] - 1.0)) - std::exp(-kRepulsionDecay * (m.r_min - 1.0)));

  // reverse mode: adjoints of all moments (spec §8.1)
  std::fill(adjoint_.begin(), adjoint_.end(), 0.0);
  for (int k = 0; k < m.n_scalar(); ++k) adjoint_[m.mapping[k]] += m.moment_coeffs[k];
  for (auto t = times_.rbegin(); t != times_.rend(); ++t) {
    const double ac = t->m * adjoint_[t->c];
    adjoint_[t->b] += ac * moments_[t->a];
    adjoint_[t->a] += ac * moments_[t->b];
  }
  if (!grad) return energy + repulsion;

  // E depends on r_ij through d = |r| (radial functions) and u = r/d (monomials P_m(u)).
  // W_m = dE/dP_m = sum_{beta with monomial m} A_beta f_mu and W'_m the same with f'_mu, so
  // dE/dd = sum_m W'_m P_m; dE/du follows by reverse mode through P_m = P_parent u_axis, and
  // dE/dr = (dE/dd) u + (dE/du - (dE/du . u) u) / d.
  const size_t nm = monos_.size();
  std::fill(w_.begin(), w_.begin() + nm * c, 0.0);
  for (int mi : used_monos_) std::fill(&wp_[mi * c], &wp_[mi * c] + nn, 0.0);
  for (int b = 0; b < NB; ++b) {
    const double a = adjoint_[b];
    if (a == 0.0) continue;
    const double *f = &f_[basic_mu_[b] * c];
    const double *fp = &fp_[basic_mu_[b] * c];
    double *w = &w_[basic_mono_[b] * c];
    double *wp = &wp_[basic_mono_[b] * c];
    for (int j = 0; j < nn; ++j) {
      w[j] += a * f[j];
      wp[j] += a * fp[j];
    }
  }
  double *s = s_.data();
  std::fill(s, s + nn, 0.0);
  for (int mi : used_monos_) {
    const double *wp = &wp_[mi * c], *pw = &pw_[mi * c];
    for (int j = 0; j < nn; ++j) s[j] += wp[j] * pw[j];
  }
  double *adj_u = v_.data();
  std::fill(adj_u, adj_u + 3 * c, 0.0);
  for (size_t mi = nm; mi-- > 0;) {
    const Monomial &mono = monos_[mi];
    if (mono.parent < 0) continue;
    const double *adj = &w_[mi * c];
    double *adj_parent = &w_[mono.parent * c];
    const double *parent = &pw_[mono.parent * c];
    const double *ua = &u_[mono.axis * c];
    double *adj_ua = adj_u + mono.axis * c;
    for (int j = 0; j < nn; ++j) {
      adj_parent[j] += adj[j] * ua[j];
      adj_ua[j] += adj[j] * parent[j];
    }
  }
  const double *ux = &u_[0], *uy = &u_[c], *uz = &u_[2 * c];
  const double *ax = adj_u, *ay = adj_u + c, *az = adj_u + 2 * c;
  for (int j = 0; j < nn; ++j) {
    const double radial_part = s[j] - inv_d_[j] * (ax[j] * ux[j] + ay[j] * uy[j] + az[j] * uz[j]);
    grad[3 * j] = radial_part * ux[j] + inv_d_[j] * ax[j];
    grad[3 * j + 1] = radial_part * uy[j] + inv_d_[j] * ay[j];
    grad[3 * j + 2] = radial_part * uz[j] + inv_d_[j] * az[j];
  }
  if (repulsive)
    for (int j = 0; j < nn; ++j)
      if (d_[j] < m.r_min) {
        // d/dr of 1e4 exp(-10 (d - 1)) along r/d
        const double dedd = -kRepulsionDecay * kRepulsionScale * std::exp(-kRepulsionDecay * (d_[j] - 1.0));
        grad[3 * j] += dedd * ux[j];
        grad[3 * j + 1] += dedd * uy[j];
        grad[3 * j + 2] += dedd * uz[j];
      }
  return energy + repulsion;
}

// dE_i/dtheta (spec §9.1): radial coefficients, species constants, moment coefficients
void Evaluator::parameter_gradient(double *out)
{
  const Model &m = model_;
  const int S = m.n_species, NQ = m.n_q, NMU = m.n_mu, nn = nn_;
  const size_t c = cap_;
  std::fill(out, out + n_params(), 0.0);
  // B_mu(j) = sum over basic moments of radial function mu of A_beta P_beta(u_ij)
  bmu_.resize(NMU * c);
  double *bmu = bmu_.data();
  std::fill(bmu, bmu + NMU * c, 0.0);
  for (int b = 0; b < m.n_basic; ++b) {
    const double a = adjoint_[b];
    const double *pw = &pw_[basic_mono_[b] * c];
    double *row = bmu + basic_mu_[b] * c;
    for (int j = 0; j < nn; ++j) row[j] += a * pw[j];
  }
  for (int j = 0; j < nn; ++j) {
    double *block = out + static_cast<size_t>(species_i_ * S + species_j_[j]) * NMU * NQ;
    for (int mu = 0; mu < NMU; ++mu)
      for (int k = 0; k < NQ; ++k) block[mu * NQ + k] += q_[k * c + j] * bmu[mu * c + j];
  }
  double *species_part = out + static_cast<size_t>(S) * S * NMU * NQ;
  species_part[species_i_] = 1.0;
  double *moment_part = species_part + S;
  for (int k = 0; k < m.n_scalar(); ++k) moment_part[k] = moments_[m.mapping[k]];
}

}    // namespace sei::mtp
