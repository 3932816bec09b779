#include "ace/ace_model.h"

#include "common/elements.h"

#include "ace/ace_bbasis.h"
#include "ace/ace_yaml.h"
#include "common/potential_text.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <set>

namespace sei::ace {

namespace {

RadialBasis basis_from_name(const std::string &name, const std::function<void(const std::string &)> &fail)
{
  if (name == "ChebExpCos") return RadialBasis::ChebExpCos;
  if (name == "ChebPow") return RadialBasis::ChebPow;
  if (name == "ChebLinear") return RadialBasis::ChebLinear;
  if (name == "SBessel") return RadialBasis::SBessel;
  if (name.rfind("ACE.jl", 0) == 0)
    fail("radial basis '" + name + "' (ACE.jl/SHIPs) is not supported; refit or export with a pacemaker basis "
         "(ChebExpCos, ChebPow, ChebLinear, SBessel)");
  fail("unknown radial basis '" + name + "'; supported: ChebExpCos, ChebPow, ChebLinear, SBessel");
  return RadialBasis::ChebExpCos;
}

EmbeddingType embedding_from_name(const std::string &name, const std::function<void(const std::string &)> &fail)
{
  if (name == "FinnisSinclair") return EmbeddingType::FinnisSinclair;
  if (name == "FinnisSinclairShiftedScaled") return EmbeddingType::FinnisSinclairShiftedScaled;
  fail("unknown embedding function (npoti) '" + name +
       "'; supported: FinnisSinclair, FinnisSinclairShiftedScaled");
  return EmbeddingType::FinnisSinclair;
}

// Checks shared by both formats, then the global sizes.
void finish(Model &m, const std::function<void(int, const std::string &)> &fail_at_line)
{
  auto fail = [&](const std::string &msg) { fail_at_line(0, msg); };
  const int S = m.n_species();
  m.atomic_numbers.clear();
  for (const auto &e : m.elements) m.atomic_numbers.push_back(sei::atomic_number(e));
  for (int a = 0; a < S; ++a)
    for (int b = 0; b < S; ++b) {
      const Bond &bd = m.bond(a, b);
      const std::string pair = "bond [" + std::to_string(a) + ", " + std::to_string(b) + "]";
      auto fail = [&](const std::string &msg) { fail_at_line(bd.line, msg); };
      if (!(bd.rcut > 0.0)) fail(pair + ": rcut must be positive");
      if (bd.nradbase < 1) fail(pair + ": nradbasemax must be at least 1");
      if (bd.inner == InnerCutoff::Zbl && (m.atomic_numbers[a] == 0 || m.atomic_numbers[b] == 0))
        fail(pair + ": inner_cutoff_type zbl needs element symbols, got '" + m.elements[a] + "', '" + m.elements[b] + "'");
      m.nradbase = std::max(m.nradbase, bd.nradbase);
      m.nradmax = std::max(m.nradmax, bd.nradmax);
      m.lmax = std::max(m.lmax, bd.lmax);
    }
  int n_zbl = 0;
  for (const auto &bd : m.bonds) n_zbl += bd.inner == InnerCutoff::Zbl;
  if (n_zbl != 0 && n_zbl != S * S)
    fail("inner_cutoff_type zbl must be used for all bonds or none (the ACE/ZBL switch is per atom); found " +
         std::to_string(n_zbl) + " of " + std::to_string(S * S) + " bonds with zbl");
  for (int a = 0; a < S; ++a) {
    const Embedding &emb = m.embeddings[a];
    auto fail = [&](const std::string &msg) { fail_at_line(emb.line, msg); };
    m.ndensity_max = std::max(m.ndensity_max, emb.ndensity);
    if (emb.ndensity < 1) fail("embedding of species " + std::to_string(a) + ": ndensity must be at least 1");
    if (static_cast<int>(emb.fs.size()) != 2 * emb.ndensity)
      fail("embedding of species " + std::to_string(a) + ": FS_parameters has " + std::to_string(emb.fs.size()) +
           " numbers but ndensity = " + std::to_string(emb.ndensity) + " needs " + std::to_string(2 * emb.ndensity));
  }
  for (int a = 0; a < S; ++a)
    for (size_t f = 0; f < m.functions[a].size(); ++f) {
      const Function &fn = m.functions[a][f];
      const std::string where = "function " + std::to_string(f) + " of species " + std::to_string(a);
      auto fail = [&](const std::string &msg) { fail_at_line(fn.line, msg); };
      if (fn.rank < 1) fail(where + ": rank must be at least 1");
      if (fn.ndensity != m.embeddings[a].ndensity)
        fail(where + ": ndensity " + std::to_string(fn.ndensity) + " differs from the embedding's " +
             std::to_string(m.embeddings[a].ndensity));
      if (static_cast<int>(fn.mus.size()) != fn.rank || static_cast<int>(fn.ns.size()) != fn.rank ||
          static_cast<int>(fn.ls.size()) != fn.rank)
        fail(where + ": mus, ns and ls must each have rank = " + std::to_string(fn.rank) + " entries");
      if (static_cast<int>(fn.ms.size()) != fn.num_ms * fn.rank)
        fail(where + ": ms_combs has " + std::to_string(fn.ms.size()) + " entries, expected num_ms_combs x rank = " +
             std::to_string(fn.num_ms * fn.rank));
      if (static_cast<int>(fn.ctildes.size()) != fn.num_ms * fn.ndensity)
        fail(where + ": ctildes has " + std::to_string(fn.ctildes.size()) + " entries, expected num_ms_combs x ndensity = " +
             std::to_string(fn.num_ms * fn.ndensity));
      for (int t = 0; t < fn.rank; ++t) {
        if (fn.mus[t] < 0 || fn.mus[t] >= S)
          fail(where + ": neighbour species " + std::to_string(fn.mus[t]) + " outside 0.." + std::to_string(S - 1));
        const int nmax = fn.rank == 1 ? m.nradbase : m.nradmax;
        if (fn.ns[t] < 1 || fn.ns[t] > nmax)
          fail(where + ": n = " + std::to_string(fn.ns[t]) + " outside 1.." + std::to_string(nmax));
        if (fn.ls[t] < 0 || fn.ls[t] > m.lmax)
          fail(where + ": l = " + std::to_string(fn.ls[t]) + " outside 0.." + std::to_string(m.lmax));
        for (int s = 0; s < fn.num_ms; ++s)
          if (std::abs(fn.ms[s * fn.rank + t]) > fn.ls[t])
            fail(where + ": m = " + std::to_string(fn.ms[s * fn.rank + t]) + " exceeds l = " + std::to_string(fn.ls[t]));
      }
    }
}

}    // namespace

void finish_model(Model &m)
{
  finish(m, [&](int line, const std::string &msg) {
    throw PotentialFileError(m.source + (line > 0 ? ":" + std::to_string(line) : std::string()) + ": " + msg);
  });
}

double Model::max_cutoff() const
{
  double r = 0.0;
  for (const auto &b : bonds) r = std::max(r, b.rcut);
  return r;
}

int Model::n_functions() const
{
  int n = 0;
  for (const auto &f : functions) n += static_cast<int>(f.size());
  return n;
}

Model parse_model(const std::string &text, const std::string &source)
{
  // the .ace format starts (after '#' comments) with "nelements="
  size_t pos = 0;
  while (pos < text.size()) {
    size_t eol = text.find('\n', pos);
    std::string line = text.substr(pos, eol == std::string::npos ? std::string::npos : eol - pos);
    size_t a = line.find_first_not_of(" \t\r");
    if (a != std::string::npos && line[a] != '#') {
      if (line.compare(a, 10, "nelements=") == 0) return parse_ace(text, source);
      return looks_like_bbasis(text) ? parse_bbasis(text, source).model : parse_yace(text, source);
    }
    if (eol == std::string::npos) break;
    pos = eol + 1;
  }
  throw PotentialFileError(source + ": empty potential file (expected a pacemaker .yace or .ace potential)");
}

Model parse_yace(const std::string &text, const std::string &source)
{
  const YamlNode doc = parse_yaml(text, source);
  YamlReader y(source);
  if (doc.kind != YamlNode::Mapping)
    throw PotentialFileError(source + ":1: not a .yace potential (expected YAML keys elements, embeddings, bonds, functions)");
  Model m;
  m.source = source;
  m.format = "yace";
  const YamlNode &elements = y.sequence(y.child(doc, "elements", "the file"), "elements");
  for (const auto &e : elements.items) m.elements.push_back(y.word(e, "elements"));
  const int S = m.n_species();
  if (S < 1) y.fail(elements, "elements is empty");
  {
    std::set<std::string> unique(m.elements.begin(), m.elements.end());
    if (static_cast<int>(unique.size()) != S) y.fail(elements, "elements lists an element twice");
  }
  if (const YamlNode *e0 = doc.find("E0")) {
    m.e0 = y.numbers(*e0, "E0");
    if (static_cast<int>(m.e0.size()) != S)
      y.fail(*e0, "E0 has " + std::to_string(m.e0.size()) + " entries for " + std::to_string(S) + " elements");
  } else {
    m.e0.assign(S, 0.0);
  }

  if (const YamlNode *d = doc.find("deltaSplineBins")) m.delta_spline_bins = y.number(*d, "deltaSplineBins");
  if (!(m.delta_spline_bins > 0.0 && m.delta_spline_bins < 1.0))
    y.fail(doc, "deltaSplineBins must be in (0, 1) A, found " + std::to_string(m.delta_spline_bins));
  const YamlNode &embeddings = y.mapping(y.child(doc, "embeddings", "the file"), "embeddings");
  m.embeddings.resize(S);
  for (int a = 0; a < S; ++a) {
    const std::string key = std::to_string(a);
    const YamlNode &node = y.mapping(y.child(embeddings, key, "embeddings"), "embeddings." + key);
    auto fail = [&](const std::string &msg) { y.fail(node, "embeddings." + key + ": " + msg); };
    Embedding &emb = m.embeddings[a];
    emb.line = node.line;
    emb.ndensity = static_cast<int>(y.integer(y.child(node, "ndensity", "embeddings." + key), "ndensity"));
    emb.fs = y.numbers(y.child(node, "FS_parameters", "embeddings." + key), "FS_parameters");
    emb.type = embedding_from_name(y.word(y.child(node, "npoti", "embeddings." + key), "npoti"), fail);
    if (const YamlNode *r = node.find("rho_core_cutoff")) emb.rho_core_cut = y.number(*r, "rho_core_cutoff");
    if (const YamlNode *r = node.find("drho_core_cutoff")) emb.drho_core_cut = y.number(*r, "drho_core_cutoff");
  }

  const YamlNode &bonds = y.mapping(y.child(doc, "bonds", "the file"), "bonds");
  m.bonds.resize(S * S);
  for (int a = 0; a < S; ++a)
    for (int b = 0; b < S; ++b) {
      const std::string key = std::to_string(a) + "," + std::to_string(b);
      const std::string where = "bonds[" + std::to_string(a) + ", " + std::to_string(b) + "]";
      const YamlNode *found = bonds.find(key);
      if (!found) y.fail(bonds, "missing bond [" + std::to_string(a) + ", " + std::to_string(b) + "] in bonds");
      const YamlNode &node = y.mapping(*found, where);
      auto fail = [&](const std::string &msg) { y.fail(node, where + ": " + msg); };
      Bond &bd = m.bonds[a * S + b];
      bd.line = node.line;
      bd.nradmax = static_cast<int>(y.integer(y.child(node, "nradmax", where), "nradmax"));
      bd.lmax = static_cast<int>(y.integer(y.child(node, "lmax", where), "lmax"));
      bd.nradbase = static_cast<int>(y.integer(y.child(node, "nradbasemax", where), "nradbasemax"));
      if (bd.nradmax < 0 || bd.lmax < 0 || bd.nradbase < 0 || bd.lmax > 20) fail("nradmax/lmax/nradbasemax out of range");
      bd.basis = basis_from_name(y.word(y.child(node, "radbasename", where), "radbasename"), fail);
      std::vector<double> params = y.numbers(y.child(node, "radparameters", where), "radparameters");
      if ((bd.basis == RadialBasis::ChebExpCos || bd.basis == RadialBasis::ChebPow) && params.empty())
        fail("radparameters must hold lambda");
      bd.lambda = params.empty() ? 0.0 : params[0];
      const YamlNode &rc = y.child(node, "radcoefficients", where);
      bd.crad.assign(static_cast<size_t>(bd.nradmax) * (bd.lmax + 1) * bd.nradbase, 0.0);
      y.sequence(rc, "radcoefficients");
      if (!rc.items.empty() && rc.items[0].kind == YamlNode::Scalar) {
        // old flat layout, k fastest as [n][l][k]
        std::vector<double> flat = y.numbers(rc, "radcoefficients");
        if (flat.size() != bd.crad.size())
          fail("radcoefficients has " + std::to_string(flat.size()) + " numbers, expected nradmax*(lmax+1)*nradbasemax = " +
               std::to_string(bd.crad.size()));
        bd.crad = flat;
      } else {
        if (static_cast<int>(rc.items.size()) != bd.nradmax)
          fail("radcoefficients must have nradmax = " + std::to_string(bd.nradmax) + " rows, found " +
               std::to_string(rc.items.size()));
        for (int n = 0; n < bd.nradmax; ++n) {
          const YamlNode &rn = y.sequence(rc.items[n], "radcoefficients");
          if (static_cast<int>(rn.items.size()) != bd.lmax + 1)
            y.fail(rn, where + ": radcoefficients[" + std::to_string(n) + "] must have lmax+1 = " +
                           std::to_string(bd.lmax + 1) + " rows");
          for (int l = 0; l <= bd.lmax; ++l) {
            std::vector<double> ks = y.numbers(rn.items[l], "radcoefficients");
            if (static_cast<int>(ks.size()) != bd.nradbase)
              y.fail(rn.items[l], where + ": radcoefficients[" + std::to_string(n) + "][" + std::to_string(l) +
                                      "] must have nradbasemax = " + std::to_string(bd.nradbase) + " numbers");
            for (int k = 0; k < bd.nradbase; ++k) bd.crad[(n * (bd.lmax + 1) + l) * bd.nradbase + k] = ks[k];
          }
        }
      }
      bd.prehc = y.number(y.child(node, "prehc", where), "prehc");
      bd.lambdahc = y.number(y.child(node, "lambdahc", where), "lambdahc");
      bd.rcut = y.number(y.child(node, "rcut", where), "rcut");
      bd.dcut = y.number(y.child(node, "dcut", where), "dcut");
      if (const YamlNode *v = node.find("rcut_in")) bd.rcut_in = y.number(*v, "rcut_in");
      if (const YamlNode *v = node.find("dcut_in")) bd.dcut_in = y.number(*v, "dcut_in");
      // files written before inner cutoffs existed have no key and mean 'density' (spec §2.1)
      bd.inner = InnerCutoff::Density;
      if (const YamlNode *v = node.find("inner_cutoff_type")) {
        const std::string t = y.word(*v, "inner_cutoff_type");
        if (t == "density") bd.inner = InnerCutoff::Density;
        else if (t == "distance") bd.inner = InnerCutoff::Distance;
        else if (t == "zbl") bd.inner = InnerCutoff::Zbl;
        else y.fail(*v, where + ": unknown inner_cutoff_type '" + t + "'; expected density, distance or zbl");
      }
    }

  const YamlNode &functions = y.mapping(y.child(doc, "functions", "the file"), "functions");
  m.functions.resize(S);
  for (const auto &kv : functions.map) {
    char *end = nullptr;
    long mu0 = std::strtol(kv.first.c_str(), &end, 10);
    if (end == kv.first.c_str() || *end != '\0' || mu0 < 0 || mu0 >= S)
      y.fail(kv.second, "functions: key '" + kv.first + "' is not a species index 0.." + std::to_string(S - 1));
    if (kv.second.kind == YamlNode::Null) continue;
    for (const auto &fnode : y.sequence(kv.second, "functions." + kv.first).items) {
      const std::string where = "functions." + kv.first;
      y.mapping(fnode, where);
      Function fn;
      fn.line = fnode.line;
      auto geti = [&](const char *key) { return static_cast<int>(y.integer(y.child(fnode, key, where), key)); };
      auto getv = [&](const char *key) {
        std::vector<long> v = y.integers(y.child(fnode, key, where), key);
        return std::vector<int>(v.begin(), v.end());
      };
      if (geti("mu0") != mu0) y.fail(fnode, where + ": mu0 does not match the species key " + kv.first);
      fn.rank = geti("rank");
      fn.ndensity = geti("ndensity");
      fn.num_ms = geti("num_ms_combs");
      fn.mus = getv("mus");
      fn.ns = getv("ns");
      fn.ls = getv("ls");
      fn.ms = getv("ms_combs");
      fn.ctildes = y.numbers(y.child(fnode, "ctildes", where), "ctildes");
      m.functions[mu0].push_back(std::move(fn));
    }
  }
  finish_model(m);
  return m;
}

Model parse_ace(const std::string &text, const std::string &source)
{
  TokenStream in(tokenize(text), source);
  Model m;
  m.source = source;
  m.format = "ace";
  auto key = [&](const std::string &word) { in.expect(word, "in the .ace header"); };
  key("nelements");
  const long S = in.integer("nelements");
  if (S < 1 || S > 118) in.fail("nelements = " + std::to_string(S) + " is out of range", in.line());
  if (S != 1)
    in.fail("multi-element .ace files are not supported (the format stores one embedding for all species); "
            "use the pacemaker .yace of this potential",
            in.line());
  key("elements:");
  for (long a = 0; a < S; ++a) m.elements.push_back(in.next("element symbol").text);
  key("lmax");
  const int lmax = static_cast<int>(in.integer("lmax"));
  Embedding emb;
  if (in.peek().text == "embedding-function:") {
    in.next("embedding-function");
    emb.type = embedding_from_name(in.next("embedding function").text,
                                   [&](const std::string &msg) { in.fail(msg, in.line()); });
  }
  const long nfs = in.integer("number of FS parameters");
  key("FS");
  key("parameters:");
  if (nfs < 2 || nfs % 2 != 0) in.fail("the number of FS parameters must be even and >= 2", in.line());
  for (long k = 0; k < nfs; ++k) emb.fs.push_back(in.number("FS parameters"));
  emb.ndensity = static_cast<int>(nfs / 2);
  key("core");
  key("energy-cutoff");
  key("parameters:");
  emb.rho_core_cut = in.number("rho_core_cutoff");
  emb.drho_core_cut = in.number("drho_core_cutoff");
  m.e0.assign(S, 0.0);
  if (in.peek().text == "E0:") {
    in.next("E0");
    for (long a = 0; a < S; ++a) m.e0[a] = in.number("E0");
  }
  m.embeddings.assign(S, emb);
  key("radbasename");
  const std::string radbase = in.next("radbasename").text;
  RadialBasis basis = basis_from_name(radbase, [&](const std::string &msg) { in.fail(msg, in.line()); });
  key("nradbase");
  const int nradbase = static_cast<int>(in.integer("nradbase"));
  key("nradmax");
  const int nradmax = static_cast<int>(in.integer("nradmax"));
  if (nradbase < 1 || nradmax < 0 || lmax < 0 || lmax > 20) in.fail("nradbase/nradmax/lmax out of range", in.line());
  key("cutoffmax");
  in.number("cutoffmax");
  if (in.peek().text == "deltaSplineBins") {
    in.next("deltaSplineBins");
    m.delta_spline_bins = in.number("deltaSplineBins");
    if (!(m.delta_spline_bins > 0.0 && m.delta_spline_bins < 1.0))
      in.fail("deltaSplineBins must be in (0, 1) A", in.line());
  }
  m.bonds.resize(S * S);
  for (auto &bd : m.bonds) {
    bd.line = in.peek().line;
    key("core");
    key("repulsion");
    key("parameters:");
    bd.prehc = in.number("prehc");
    bd.lambdahc = in.number("lambdahc");
    key("radparameter");
    bd.lambda = in.number("radparameter");
    key("cutoff");
    bd.rcut = in.number("cutoff");
    key("dcut");
    bd.dcut = in.number("dcut");
    key("crad");
    bd.basis = basis;
    bd.nradbase = nradbase;
    bd.nradmax = nradmax;
    bd.lmax = lmax;
    bd.inner = InnerCutoff::Density;
    bd.crad.assign(static_cast<size_t>(nradmax) * (lmax + 1) * nradbase, 0.0);
    // stored k-major: k outer, then n, then l
    for (int k = 0; k < nradbase; ++k)
      for (int n = 0; n < nradmax; ++n)
        for (int l = 0; l <= lmax; ++l) bd.crad[(n * (lmax + 1) + l) * nradbase + k] = in.number("crad");
  }
  key("rankmax");
  in.integer("rankmax");
  key("ndensitymax");
  in.integer("ndensitymax");
  key("num_c_tilde_max");
  in.integer("num_c_tilde_max");
  key("num_ms_combinations_max");
  in.integer("num_ms_combinations_max");
  m.functions.resize(S);
  auto read_function = [&](Function &fn, int expect_mu0) {
    key("ctilde_basis_func:");
    fn.line = in.line();
    key("rank");
    fn.rank = static_cast<int>(in.integer("rank"));
    key("ndens");
    fn.ndensity = static_cast<int>(in.integer("ndens"));
    key("mu0");
    if (in.integer("mu0") != expect_mu0) in.fail("mu0 does not match the species block", in.line());
    if (fn.rank < 1 || fn.rank > 20 || fn.ndensity < 1) in.fail("rank or ndens out of range", in.line());
    auto list = [&](const char *name, std::vector<int> &out) {
      key(name);
      key("(");
      for (int t = 0; t < fn.rank; ++t) out.push_back(static_cast<int>(in.integer(name)));
      key(")");
    };
    list("mu", fn.mus);
    list("n", fn.ns);
    list("l", fn.ls);
    key("num_ms");
    fn.num_ms = static_cast<int>(in.integer("num_ms"));
    if (fn.num_ms < 1) in.fail("num_ms must be at least 1", in.line());
    for (int s = 0; s < fn.num_ms; ++s) {
      key("<");
      for (int t = 0; t < fn.rank; ++t) fn.ms.push_back(static_cast<int>(in.integer("m")));
      key(">:");
      for (int p = 0; p < fn.ndensity; ++p) fn.ctildes.push_back(in.number("ctilde"));
    }
  };
  for (long a = 0; a < S; ++a) {
    key("total_basis_size_rank1:");
    const long n1 = in.integer("total_basis_size_rank1");
    for (long f = 0; f < n1; ++f) {
      Function fn;
      read_function(fn, static_cast<int>(a));
      m.functions[a].push_back(std::move(fn));
    }
    key("total_basis_size:");
    const long n2 = in.integer("total_basis_size");
    for (long f = 0; f < n2; ++f) {
      Function fn;
      read_function(fn, static_cast<int>(a));
      m.functions[a].push_back(std::move(fn));
    }
  }
  finish_model(m);
  return m;
}

}    // namespace sei::ace
