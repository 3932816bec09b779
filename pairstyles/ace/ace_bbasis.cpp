#include "ace/ace_bbasis.h"

#include "ace/ace_yaml.h"
#include "common/potential_text.h"

#include <algorithm>
#include <cmath>
#include <iterator>
#include <sstream>
#include <tuple>

namespace sei::ace {

namespace {

// Clebsch-Gordan coefficient <j1 m1 j2 m2 | J M> (Racah's formula; integer angular momenta)
double clebsch_gordan(int j1, int m1, int j2, int m2, int J, int M)
{
  if (m1 + m2 != M || std::abs(m1) > j1 || std::abs(m2) > j2 || std::abs(M) > J || J < std::abs(j1 - j2) ||
      J > j1 + j2)
    return 0.0;
  auto f = [](int n) { return std::tgamma(n + 1.0); };
  const double pre = std::sqrt((2.0 * J + 1.0) * f(J + j1 - j2) * f(J - j1 + j2) * f(j1 + j2 - J) / f(j1 + j2 + J + 1)) *
      std::sqrt(f(J + M) * f(J - M) * f(j1 - m1) * f(j1 + m1) * f(j2 - m2) * f(j2 + m2));
  double sum = 0.0;
  for (int k = 0; k <= j1 + j2 + J; ++k) {
    const int a[6] = {k, j1 + j2 - J - k, j1 - m1 - k, j2 + m2 - k, J - j2 + m1 + k, J - j1 - m2 + k};
    if (*std::min_element(a, a + 6) < 0) continue;
    double den = 1.0;
    for (int v : a) den *= f(v);
    sum += ((k % 2) ? -1.0 : 1.0) / den;
  }
  return pre * sum;
}

// Coupling of ls to total L = 0 through LS: rank 2 (l1 l2)0; rank 3 ((l1 l2)L1 l3)0;
// rank 4 ((l1 l2)L1 (l3 l4)L2)0; rank 5 (((l1 l2)L1 (l3 l4)L2)L3 l5)0;
// rank 6 (((l1 l2)L1 (l3 l4)L2)L3 (l5 l6)L4)0. Checked against python-ace's B-functions.
double generalised_cg(const std::vector<int> &ls, const std::vector<int> &LS, const std::vector<int> &ms)
{
  switch (ls.size()) {
    case 1: return ms[0] == 0 ? 1.0 : 0.0;
    case 2: return clebsch_gordan(ls[0], ms[0], ls[1], ms[1], 0, 0);
    case 3: {
      const int M1 = ms[0] + ms[1];
      return clebsch_gordan(ls[0], ms[0], ls[1], ms[1], LS[0], M1) * clebsch_gordan(LS[0], M1, ls[2], ms[2], 0, 0);
    }
    case 4: {
      const int M1 = ms[0] + ms[1], M2 = ms[2] + ms[3];
      return clebsch_gordan(ls[0], ms[0], ls[1], ms[1], LS[0], M1) *
          clebsch_gordan(ls[2], ms[2], ls[3], ms[3], LS[1], M2) * clebsch_gordan(LS[0], M1, LS[1], M2, 0, 0);
    }
    case 5: {
      const int M1 = ms[0] + ms[1], M2 = ms[2] + ms[3];
      return clebsch_gordan(ls[0], ms[0], ls[1], ms[1], LS[0], M1) *
          clebsch_gordan(ls[2], ms[2], ls[3], ms[3], LS[1], M2) * clebsch_gordan(LS[0], M1, LS[1], M2, LS[2], M1 + M2) *
          clebsch_gordan(LS[2], M1 + M2, ls[4], ms[4], 0, 0);
    }
    case 6: {
      const int M1 = ms[0] + ms[1], M2 = ms[2] + ms[3], M3 = ms[4] + ms[5];
      return clebsch_gordan(ls[0], ms[0], ls[1], ms[1], LS[0], M1) *
          clebsch_gordan(ls[2], ms[2], ls[3], ms[3], LS[1], M2) * clebsch_gordan(LS[0], M1, LS[1], M2, LS[2], M1 + M2) *
          clebsch_gordan(ls[4], ms[4], ls[5], ms[5], LS[3], M3) * clebsch_gordan(LS[2], M1 + M2, LS[3], M3, 0, 0);
    }
  }
  return 0.0;
}

std::vector<std::string> split_words(const std::string &s)
{
  std::istringstream in(s);
  return {std::istream_iterator<std::string>(in), std::istream_iterator<std::string>()};
}

}    // namespace

bool BFunctionSpec::operator<(const BFunctionSpec &o) const
{
  return std::tie(rank, mus, ns, ls, LS) < std::tie(o.rank, o.mus, o.ns, o.ls, o.LS);
}

void coupling_terms(const std::vector<int> &ls, const std::vector<int> &LS, std::vector<std::vector<int>> &ms_out,
                    std::vector<double> &gen_cg)
{
  ms_out.clear();
  gen_cg.clear();
  const int rank = static_cast<int>(ls.size());
  std::vector<int> ms(rank);
  for (int t = 0; t < rank; ++t) ms[t] = -ls[t];
  while (true) {    // every m-tuple with sum 0
    int total = 0;
    for (int m : ms) total += m;
    if (total == 0) {
      const double c = generalised_cg(ls, LS, ms);
      if (std::fabs(c) > 1e-15) {
        ms_out.push_back(ms);
        gen_cg.push_back(c);
      }
    }
    int t = rank - 1;
    while (t >= 0 && ms[t] == ls[t]) ms[t] = -ls[t], --t;
    if (t < 0) break;
    ++ms[t];
  }
}

bool looks_like_bbasis(const std::string &text)
{
  return text.find("speciesblock:") != std::string::npos && text.find("\nfunctions:") == std::string::npos;
}

BBasis parse_bbasis(const std::string &text, const std::string &source)
{
  const YamlNode doc = parse_yaml(text, source);
  YamlReader y(source);
  if (doc.kind != YamlNode::Mapping || !doc.find("species"))
    throw PotentialFileError(source + ":1: not a pacemaker B-basis .yaml (no 'species' list)");
  const YamlNode &species = y.sequence(*doc.find("species"), "species");
  BBasis out;
  Model &m = out.model;
  m.source = source;
  m.format = "yaml";
  if (const YamlNode *g = doc.find("global"))
    if (const YamlNode *d = g->find("DeltaSplineBins")) m.delta_spline_bins = y.number(*d, "DeltaSplineBins");

  // elements: the single-element blocks, in file order
  for (const YamlNode &block : species.items) {
    const auto names = split_words(y.word(y.child(block, "speciesblock", "a species block"), "speciesblock"));
    if (names.size() == 1) m.elements.push_back(names[0]);
  }
  const int S = m.n_species();
  if (S == 0) y.fail(species, "no single-element speciesblock (with the embedding) found");
  auto index_of = [&](const YamlNode &node, const std::string &name) {
    for (int a = 0; a < S; ++a)
      if (m.elements[a] == name) return a;
    y.fail(node, "element '" + name + "' has no single-element speciesblock");
    return -1;
  };
  m.e0.assign(S, 0.0);
  m.embeddings.resize(S);
  m.bonds.resize(S * S);
  m.functions.resize(S);
  out.functions.resize(S);
  std::vector<char> have_bond(S * S, 0);
  for (const YamlNode &block : species.items) {
    const auto names = split_words(block.find("speciesblock")->text);
    const std::string where = "speciesblock '" + block.find("speciesblock")->text + "'";
    std::vector<int> idx;
    for (const auto &n : names) idx.push_back(index_of(block, n));
    if (names.size() == 1) {
      Embedding &emb = m.embeddings[idx[0]];
      emb.line = block.line;
      emb.ndensity = static_cast<int>(y.integer(y.child(block, "ndensityi", where), "ndensityi"));
      emb.fs = y.numbers(y.child(block, "parameters", where), "parameters");
      const std::string npoti = y.word(y.child(block, "npoti", where), "npoti");
      if (npoti == "FinnisSinclair") emb.type = EmbeddingType::FinnisSinclair;
      else if (npoti == "FinnisSinclairShiftedScaled") emb.type = EmbeddingType::FinnisSinclairShiftedScaled;
      else y.fail(block, where + ": unknown npoti '" + npoti + "'; supported: FinnisSinclair, FinnisSinclairShiftedScaled");
      if (const YamlNode *v = block.find("rho_core_cut")) emb.rho_core_cut = y.number(*v, "rho_core_cut");
      if (const YamlNode *v = block.find("drho_core_cut")) emb.drho_core_cut = y.number(*v, "drho_core_cut");
      if (const YamlNode *v = block.find("E0")) m.e0[idx[0]] = y.number(*v, "E0");
    }
    // a single block also describes the bond (a, a); a two-element block the bond (a, b)
    if ((names.size() == 1 || names.size() == 2) && block.find("radbase")) {
      const int a = idx[0], b = names.size() == 1 ? idx[0] : idx[1];
      Bond &bd = m.bonds[a * S + b];
      have_bond[a * S + b] = 1;
      bd.line = block.line;
      bd.nradmax = static_cast<int>(y.integer(y.child(block, "nradmaxi", where), "nradmaxi"));
      bd.lmax = static_cast<int>(y.integer(y.child(block, "lmaxi", where), "lmaxi"));
      bd.nradbase = static_cast<int>(y.integer(y.child(block, "nradbaseij", where), "nradbaseij"));
      bd.rcut = y.number(y.child(block, "rcutij", where), "rcutij");
      bd.dcut = y.number(y.child(block, "dcutij", where), "dcutij");
      if (const YamlNode *v = block.find("r_in")) bd.rcut_in = y.number(*v, "r_in");
      if (const YamlNode *v = block.find("delta_in")) bd.dcut_in = y.number(*v, "delta_in");
      bd.inner = InnerCutoff::Density;
      if (const YamlNode *v = block.find("inner_cutoff_type")) {
        const std::string t = y.word(*v, "inner_cutoff_type");
        if (t == "distance") bd.inner = InnerCutoff::Distance;
        else if (t == "zbl") bd.inner = InnerCutoff::Zbl;
        else if (t != "density") y.fail(*v, where + ": unknown inner_cutoff_type '" + t + "'");
      }
      const std::string basis = y.word(y.child(block, "radbase", where), "radbase");
      if (basis == "ChebExpCos") bd.basis = RadialBasis::ChebExpCos;
      else if (basis == "ChebPow") bd.basis = RadialBasis::ChebPow;
      else if (basis == "ChebLinear") bd.basis = RadialBasis::ChebLinear;
      else if (basis == "SBessel") bd.basis = RadialBasis::SBessel;
      else y.fail(block, where + ": unknown radial basis '" + basis + "'; supported: ChebExpCos, ChebPow, ChebLinear, SBessel");
      const std::vector<double> params = y.numbers(y.child(block, "radparameters", where), "radparameters");
      bd.lambda = params.empty() ? 0.0 : params[0];
      const YamlNode &rc = y.sequence(y.child(block, "radcoefficients", where), "radcoefficients");
      bd.crad.assign(static_cast<size_t>(bd.nradmax) * (bd.lmax + 1) * bd.nradbase, 0.0);
      if (static_cast<int>(rc.items.size()) != bd.nradmax) y.fail(rc, where + ": radcoefficients must have nradmaxi rows");
      for (int n = 0; n < bd.nradmax; ++n) {
        const YamlNode &rn = y.sequence(rc.items[n], "radcoefficients");
        if (static_cast<int>(rn.items.size()) != bd.lmax + 1) y.fail(rn, where + ": radcoefficients rows must have lmaxi+1 entries");
        for (int l = 0; l <= bd.lmax; ++l) {
          const std::vector<double> ks = y.numbers(rn.items[l], "radcoefficients");
          if (static_cast<int>(ks.size()) != bd.nradbase) y.fail(rn.items[l], where + ": radcoefficients need nradbaseij numbers");
          for (int k = 0; k < bd.nradbase; ++k) bd.crad[(n * (bd.lmax + 1) + l) * bd.nradbase + k] = ks[k];
        }
      }
      if (const YamlNode *core = block.find("core-repulsion")) {
        const std::vector<double> c = y.numbers(*core, "core-repulsion");
        if (c.size() != 2) y.fail(*core, where + ": core-repulsion must be [prehc, lambdahc]");
        bd.prehc = c[0];
        bd.lambdahc = c[1];
      }
    }
    if (const YamlNode *nbody = block.find("nbody")) {
      if (nbody->kind == YamlNode::Null) continue;
      for (const YamlNode &f : y.sequence(*nbody, "nbody").items) {
        const auto symbols = split_words(y.word(y.child(f, "type", "nbody entry"), "type"));
        if (symbols.size() < 2) y.fail(f, "nbody type needs a central element and at least one neighbour element");
        BFunctionSpec s;
        s.line = f.line;
        s.mu0 = index_of(f, symbols[0]);
        for (size_t k = 1; k < symbols.size(); ++k) s.mus.push_back(index_of(f, symbols[k]));
        s.rank = static_cast<int>(s.mus.size());
        for (long v : y.integers(y.child(f, "nr", "nbody entry"), "nr")) s.ns.push_back(static_cast<int>(v));
        for (long v : y.integers(y.child(f, "nl", "nbody entry"), "nl")) s.ls.push_back(static_cast<int>(v));
        if (const YamlNode *lint = f.find("lint"))
          for (long v : y.integers(*lint, "lint")) s.LS.push_back(static_cast<int>(v));
        s.coeffs = y.numbers(y.child(f, "c", "nbody entry"), "c");
        if (static_cast<int>(s.ns.size()) != s.rank || static_cast<int>(s.ls.size()) != s.rank)
          y.fail(f, "nr and nl must have one entry per neighbour element");
        if (s.rank > 6)
          y.fail(f, "B-functions of rank > 6 are not supported (coupling scheme unverified); this one has rank " +
                        std::to_string(s.rank) + "; use the .yace");
        if (static_cast<int>(s.LS.size()) != std::max(0, s.rank - 2))
          y.fail(f, "lint must have rank - 2 = " + std::to_string(std::max(0, s.rank - 2)) + " entries");
        out.functions[s.mu0].push_back(s);
      }
    }
  }
  for (int a = 0; a < S; ++a)
    for (int b = 0; b < S; ++b)
      if (!have_bond[a * S + b])
        y.fail(species, "no bond parameters for '" + m.elements[a] + " " + m.elements[b] +
                            "' (expected a speciesblock with radbase etc.)");

  // ML-PACE's order of each element's functions; then the C-tilde form, one function per B-function
  for (int a = 0; a < S; ++a) {
    std::stable_sort(out.functions[a].begin(), out.functions[a].end());
    const int ndens = m.embeddings[a].ndensity;
    for (const BFunctionSpec &s : out.functions[a]) {
      if (static_cast<int>(s.coeffs.size()) != ndens)
        throw PotentialFileError(source + ":" + std::to_string(s.line) + ": c has " + std::to_string(s.coeffs.size()) +
                                 " coefficients but " + m.elements[a] + " has ndensityi = " + std::to_string(ndens));
      Function fn;
      fn.line = s.line;
      fn.rank = s.rank;
      fn.ndensity = ndens;
      fn.mus = s.mus;
      fn.ns = s.ns;
      fn.ls = s.ls;
      std::vector<std::vector<int>> ms;
      std::vector<double> cg;
      coupling_terms(s.ls, s.LS, ms, cg);
      fn.num_ms = static_cast<int>(ms.size());
      for (size_t k = 0; k < ms.size(); ++k) {
        fn.ms.insert(fn.ms.end(), ms[k].begin(), ms[k].end());
        for (int p = 0; p < ndens; ++p) fn.ctildes.push_back(s.coeffs[p] * cg[k]);
      }
      if (fn.num_ms > 0) m.functions[a].push_back(std::move(fn));
    }
  }
  finish_model(m);
  return out;
}

}    // namespace sei::ace
