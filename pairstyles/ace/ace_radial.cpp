#include "ace/ace_radial.h"

#include <algorithm>
#include <cmath>

namespace sei::ace {

namespace {
constexpr double kPi = 3.14159265358979323846;
// Coulomb constant e^2/(4 pi eps0) in eV*A, as ML-PACE uses for its ZBL core (spec §6.3)
constexpr double kCoulomb = 14.399645351950543;
constexpr double kZblC[4] = {0.18175, 0.50986, 0.28022, 0.02817};
constexpr double kZblD[4] = {3.19980, 0.94229, 0.40290, 0.20162};
}    // namespace

double switch_p(double x, double xc, double delta, double &dp)
{
  dp = 0.0;
  if (x <= xc - delta) return 1.0;
  if (x >= xc) return 0.0;
  const double y = 1.0 - 2.0 * (1.0 + (x - xc) / delta);
  const double y2 = y * y;
  dp = 3.75 * (0.25 - 0.5 * y2 + 0.25 * y2 * y2) * (-2.0 / delta);
  return 0.5 + 3.75 * y * (0.25 - y2 / 6.0 + y2 * y2 / 20.0);
}

PairRadial::PairRadial(const Bond &b, int z_a, int z_b) : bond(&b)
{
  exp_lambda_ = std::exp(-b.lambda);
  if (b.inner == InnerCutoff::Distance) {
    basis_inner_ = true;
    basis_r_in_ = b.rcut_in;
    basis_d_in_ = b.dcut_in;
  } else if (b.inner == InnerCutoff::Zbl) {
    // ML-PACE's quirk (spec §6.3): the basis is not inner-cut, unless dcut_in = 0, then r_in = 1 A
    basis_inner_ = true;
    basis_r_in_ = b.dcut_in != 0.0 ? 0.0 : 1.0;
    basis_d_in_ = b.dcut_in;
  }
  if (b.basis == RadialBasis::SBessel) {
    const int N = b.nradbase;
    sb_coef_.resize(N);
    sb_e_.resize(N);
    sb_d_.resize(N);
    for (int n = 0; n < N; ++n) {
      const double a = n + 1.0, c = n + 2.0;
      sb_coef_[n] = ((n % 2) ? -1.0 : 1.0) * std::sqrt(2.0) * kPi * std::pow(b.rcut, -1.5) * a * c / std::sqrt(a * a + c * c);
    }
    sb_d_[0] = 1.0;
    for (int n = 1; n < N; ++n) {
      const double nn = n;
      sb_e_[n] = nn * nn * (nn + 2) * (nn + 2) / (4.0 * std::pow(nn + 1, 4) + 1.0);
      sb_d_[n] = 1.0 - sb_e_[n] / sb_d_[n - 1];
    }
  }
  if (b.inner == InnerCutoff::Zbl) {
    zz_ = static_cast<double>(z_a) * z_b;
    zbl_a_ = 0.46850 / (std::pow(z_a, 0.23) + std::pow(z_b, 0.23));
    double e, de, d2e;
    zbl_e(b.rcut, e, de, d2e);
    const double D = b.dcut;
    if (D > 0.0) {
      zbl_A_ = (-3.0 * de + D * d2e) / (D * D);
      zbl_B_ = (2.0 * de - D * d2e) / (D * D * D);
      zbl_C_ = -e + 0.5 * D * de - D * D * d2e / 12.0;
    } else {
      zbl_C_ = -e;
    }
  }
}

void PairRadial::zbl_e(double r, double &e, double &de, double &d2e) const
{
  // E(r) = phi(r/a)/r
  const double x = r / zbl_a_;
  double phi = 0.0, dphi = 0.0, d2phi = 0.0;
  for (int k = 0; k < 4; ++k) {
    const double t = kZblC[k] * std::exp(-kZblD[k] * x);
    phi += t;
    dphi -= kZblD[k] * t;
    d2phi += kZblD[k] * kZblD[k] * t;
  }
  const double a = zbl_a_;
  e = phi / r;
  de = dphi / (a * r) - phi / (r * r);
  d2e = d2phi / (a * a * r) - 2.0 * dphi / (a * r * r) + 2.0 * phi / (r * r * r);
}

void PairRadial::basis(double r, double *g, double *dg) const
{
  const Bond &b = *bond;
  const int N = b.nradbase;
  if (r >= b.rcut || (basis_inner_ && r <= basis_r_in_ - basis_d_in_)) {
    for (int k = 0; k < N; ++k) g[k] = dg[k] = 0.0;
    return;
  }
  const double rc = b.rcut;
  switch (b.basis) {
    case RadialBasis::ChebExpCos: {
      const double e = std::exp(-b.lambda * r / rc);
      const double x = 1.0 - 2.0 * (e - exp_lambda_) / (1.0 - exp_lambda_);
      const double dx = 2.0 * b.lambda / rc * e / (1.0 - exp_lambda_);
      double env = 0.5 * (1.0 + std::cos(kPi * r / rc));
      double denv = -0.5 * kPi / rc * std::sin(kPi * r / rc);
      if (r > rc - b.dcut) {
        const double arg = kPi * (r - rc + b.dcut) / b.dcut;
        const double s = 0.5 * (1.0 + std::cos(arg)), ds = -0.5 * kPi / b.dcut * std::sin(arg);
        denv = denv * s + env * ds;
        env *= s;
      }
      // T_k and dT_k/dx by the recursions T_k = 2x T_{k-1} - T_{k-2}, T'_k = 2 T_{k-1} + 2x T'_{k-1} - T'_{k-2}
      double tm = 1.0, t = x, dtm = 0.0, dt = 1.0;    // T_{k-1}, T_k and derivatives, starting at k = 1
      g[0] = env;
      dg[0] = denv;
      for (int k = 1; k < N; ++k) {
        const double v = 0.5 * (1.0 - t);
        g[k] = v * env;
        dg[k] = -0.5 * dt * dx * env + v * denv;
        const double tn = 2.0 * x * t - tm, dtn = 2.0 * t + 2.0 * x * dt - dtm;
        tm = t, t = tn, dtm = dt, dt = dtn;
      }
      break;
    }
    case RadialBasis::ChebPow:
    case RadialBasis::ChebLinear: {
      double x, dx;
      if (b.basis == RadialBasis::ChebPow) {
        const double y = 1.0 - r / rc;
        const double p = std::pow(y, b.lambda);
        x = 1.0 - 2.0 * p;
        dx = 2.0 * b.lambda * (p / y) / rc;
      } else {
        x = 1.0 - r / rc;
        dx = -1.0 / rc;
      }
      // g_k = (1 - T_{k+1}(x)) / 2
      double tm = 1.0, t = x, dtm = 0.0, dt = 1.0;    // T_k, T_{k+1} and derivatives, starting at k = 0
      for (int k = 0; k < N; ++k) {
        g[k] = 0.5 * (1.0 - t);
        dg[k] = -0.5 * dt * dx;
        const double tn = 2.0 * x * t - tm, dtn = 2.0 * t + 2.0 * x * dt - dtm;
        tm = t, t = tn, dtm = dt, dt = dtn;
      }
      break;
    }
    case RadialBasis::SBessel: {
      double prev_g = 0.0, prev_dg = 0.0;
      for (int n = 0; n < N; ++n) {
        double f = 0.0, df = 0.0;
        for (int q = 1; q <= 2; ++q) {
          const double kq = (n + q) * kPi / rc;
          const double z = kq * r;
          const double s = std::sin(z), c = std::cos(z);
          const double sinc = s / z;
          f += sinc;
          df += kq * (c - sinc) / z;
        }
        f *= sb_coef_[n];
        df *= sb_coef_[n];
        if (n == 0) {
          g[0] = f;
          dg[0] = df;
        } else {
          const double w = std::sqrt(sb_e_[n] / sb_d_[n - 1]);
          const double sd = std::sqrt(sb_d_[n]);
          g[n] = (f + w * prev_g) / sd;
          dg[n] = (df + w * prev_dg) / sd;
        }
        prev_g = g[n];
        prev_dg = dg[n];
      }
      break;
    }
  }
  if (basis_inner_) {
    double dp;
    const double p = switch_p(r, basis_r_in_, basis_d_in_, dp);
    if (p != 0.0) {
      const double s = 1.0 - p;
      for (int k = 0; k < N; ++k) {
        dg[k] = dg[k] * s - g[k] * dp;
        g[k] *= s;
      }
    }
  }
}

void PairRadial::functions(const double *g, const double *dg, int lstride, double *R, double *dR) const
{
  const Bond &b = *bond;
  const int N = b.nradbase;
  for (int n = 0; n < b.nradmax; ++n)
    for (int l = 0; l <= b.lmax; ++l) {
      const double *c = b.crad.data() + (n * (b.lmax + 1) + l) * N;
      double v = 0.0, dv = 0.0;
      for (int k = 0; k < N; ++k) {
        v += c[k] * g[k];
        dv += c[k] * dg[k];
      }
      R[n * lstride + l] = v;
      dR[n * lstride + l] = dv;
    }
}

double PairRadial::core(double r, double &dcr) const
{
  const Bond &b = *bond;
  dcr = 0.0;
  if (r >= b.rcut) return 0.0;
  if (b.inner == InnerCutoff::Zbl) {
    double e, de, d2e;
    zbl_e(r, e, de, d2e);
    const double r1 = b.rcut - b.dcut;
    double s = zbl_C_, ds = 0.0;
    if (r > r1) {
      const double t = r - r1;
      s += zbl_A_ * t * t * t / 3.0 + zbl_B_ * t * t * t * t / 4.0;
      ds = zbl_A_ * t * t + zbl_B_ * t * t * t;
    }
    double dp;
    const double p = switch_p(r, b.rcut, b.dcut, dp);
    const double pre = b.prehc * 0.5 * kCoulomb * zz_;
    dcr = pre * ((de + ds) * p + (e + s) * dp);
    return pre * (e + s) * p;
  }
  const double lam = std::fabs(b.lambdahc);
  if (lam * r * r >= 50.0) return 0.0;
  const double ex = std::fabs(b.prehc) * std::exp(-lam * r * r) / r;
  const double dex = ex * (-2.0 * lam * r - 1.0 / r);
  const double env = 0.5 * (1.0 + std::cos(kPi * r / b.rcut));
  const double denv = -0.5 * kPi / b.rcut * std::sin(kPi * r / b.rcut);
  double cr = ex * env;
  dcr = dex * env + ex * denv;
  if (b.inner == InnerCutoff::Distance) {
    double dp;
    const double p = switch_p(r, b.rcut_in, b.dcut_in, dp);
    dcr = dcr * p + cr * dp;
    cr *= p;
  }
  return cr;
}

RadialTable::RadialTable(const PairRadial &radial, double delta, int lstride) :
    radial_(&radial), lstride_(lstride)
{
  const Bond &b = *radial.bond;
  nb_ = b.nradbase;
  nr_ = b.nradmax;
  nl_ = b.lmax + 1;
  nf_ = nb_ + nr_ * nl_ + 1;
  rcut_ = b.rcut;
  nodes_ = std::max(2, static_cast<int>(std::floor(b.rcut / delta)));
  h_ = b.rcut / nodes_;
  inv_h_ = 1.0 / h_;
  // exact values and derivatives at the nodes 1..N
  std::vector<double> val(static_cast<size_t>(nodes_ + 1) * nf_), der(val.size());
  std::vector<double> g(nb_), dg(nb_), R(static_cast<size_t>(std::max(1, nr_)) * lstride), dR(R.size());
  for (int n = 1; n <= nodes_; ++n) {
    const double r = n * h_;
    double *v = &val[static_cast<size_t>(n) * nf_], *d = &der[static_cast<size_t>(n) * nf_];
    if (n == nodes_) {    // the last node is the cutoff, where everything is zero
      for (int f = 0; f < nf_; ++f) v[f] = d[f] = 0.0;
      continue;
    }
    radial.basis(r, g.data(), dg.data());
    radial.functions(g.data(), dg.data(), lstride, R.data(), dR.data());
    for (int k = 0; k < nb_; ++k) v[k] = g[k], d[k] = dg[k];
    for (int q = 0; q < nr_; ++q)
      for (int l = 0; l < nl_; ++l) {
        v[nb_ + q * nl_ + l] = R[q * lstride + l];
        d[nb_ + q * nl_ + l] = dR[q * lstride + l];
      }
    double dcr;
    v[nf_ - 1] = radial.core(r, dcr);
    d[nf_ - 1] = dcr;
  }
  // intervals [r_n, r_{n+1}], n = 1..N-1, as polynomials in t = (r - r_n)/h
  coef_.assign(static_cast<size_t>(nodes_) * nf_ * 4, 0.0);
  for (int n = 1; n < nodes_; ++n)
    for (int f = 0; f < nf_; ++f) {
      const double f0 = val[static_cast<size_t>(n) * nf_ + f], f1 = val[static_cast<size_t>(n + 1) * nf_ + f];
      const double d0 = h_ * der[static_cast<size_t>(n) * nf_ + f], d1 = h_ * der[static_cast<size_t>(n + 1) * nf_ + f];
      double *c = &coef_[(static_cast<size_t>(n) * nf_ + f) * 4];
      c[0] = f0;
      c[1] = d0;
      c[2] = 3.0 * (f1 - f0) - 2.0 * d0 - d1;
      c[3] = 2.0 * (f0 - f1) + d0 + d1;
    }
}

bool RadialTable::eval(double r, double *g, double *dg, double *R, double *dR, double &cr, double &dcr) const
{
  const double x = r * inv_h_;
  int n = static_cast<int>(x);
  if (n < 1) return false;
  if (n >= nodes_) {
    for (int k = 0; k < nb_; ++k) g[k] = dg[k] = 0.0;
    for (int q = 0; q < nr_; ++q)
      for (int l = 0; l < nl_; ++l) R[q * lstride_ + l] = dR[q * lstride_ + l] = 0.0;
    cr = dcr = 0.0;
    return true;
  }
  const double t = x - n;
  const double *c = &coef_[static_cast<size_t>(n) * nf_ * 4];
  auto value = [&](int f, double &v, double &d) {
    const double *cf = c + 4 * f;
    v = cf[0] + t * (cf[1] + t * (cf[2] + t * cf[3]));
    d = (cf[1] + t * (2.0 * cf[2] + t * 3.0 * cf[3])) * inv_h_;
  };
  for (int k = 0; k < nb_; ++k) value(k, g[k], dg[k]);
  for (int q = 0; q < nr_; ++q)
    for (int l = 0; l < nl_; ++l) value(nb_ + q * nl_ + l, R[q * lstride_ + l], dR[q * lstride_ + l]);
  value(nf_ - 1, cr, dcr);
  return true;
}

}    // namespace sei::ace
