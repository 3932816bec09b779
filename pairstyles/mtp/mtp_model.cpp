#include "mtp/mtp_model.h"

#include "common/potential_text.h"

#include <algorithm>
#include <set>

namespace sei::mtp {

namespace {

const char *const kMarker = "#MVS_v1.1";

// the radial block labels read "a-b"; returns false if it is not of that shape
bool is_pair_label(const std::string &s)
{
  auto dash = s.find('-');
  if (dash == std::string::npos || dash == 0 || dash + 1 >= s.size()) return false;
  for (size_t i = 0; i < s.size(); ++i)
    if (i != dash && (s[i] < '0' || s[i] > '9')) return false;
  return true;
}

int checked_count(TokenStream &in, const std::string &key, long lo, long hi)
{
  long v = in.integer(key);
  if (v < lo || v > hi)
    in.fail(key + " = " + std::to_string(v) + " is out of range [" + std::to_string(lo) + ", " +
                std::to_string(hi) + "]",
            in.line());
  return static_cast<int>(v);
}

void read_quadruples(TokenStream &in, const std::string &key, int count, std::vector<std::array<int, 4>> &out)
{
  out.assign(count, {0, 0, 0, 0});
  for (int i = 0; i < count; ++i)
    for (int k = 0; k < 4; ++k) out[i][k] = static_cast<int>(in.integer(key));
}

void read_numbers(TokenStream &in, const std::string &key, int count, std::vector<double> &out)
{
  out.resize(count);
  for (int i = 0; i < count; ++i) out[i] = in.number(key);
}

}    // namespace

size_t find_active_set_marker(const std::string &text)
{
  size_t pos = 0;
  while ((pos = text.find(kMarker, pos)) != std::string::npos) {
    if (pos == 0 || text[pos - 1] == '\n') return pos;
    pos += 1;
  }
  return std::string::npos;
}

Model parse_model(const std::string &full_text, const std::string &source)
{
  const size_t marker = find_active_set_marker(full_text);
  const std::string text = marker == std::string::npos ? full_text : full_text.substr(0, marker);
  TokenStream in(tokenize(text), source);
  Model m;
  m.source = source;

  if (in.at_end()) in.fail("empty potential file (expected an MLIP .mtp file starting with 'MTP')", 0);
  {
    const Token &t = in.next("header");
    if (t.text != "MTP")
      in.fail("not an MLIP .mtp file: the first line must be 'MTP', found '" + t.text + "'", t.line);
  }
  in.expect("version", "after 'MTP'");
  {
    const Token &t = in.next("version");
    if (t.text != "1.1.0")
      in.fail("unsupported MTP file version '" + t.text +
                  "'; only version 1.1.0 (MLIP-2/MLIP-3) is supported: convert older files with MLIP's mlp",
              t.line);
  }

  double scaling_top = 1.0, scaling_basis = 1.0;
  bool have[32] = {false};
  enum Key {
    kSpecies, kBasisType, kRMin, kRCut, kNQ, kNMu, kRadial, kNMoments, kNBasic, kBasic, kNTimes, kTimes,
    kNScalar, kMapping, kSpeciesCoeffs, kMomentCoeffs
  };
  int n_times = -1, n_scalar = -1;
  auto require = [&](Key k, const char *what, const std::string &before) {
    if (!have[k]) in.fail(std::string(what) + " must come before " + before, in.line());
  };
  auto once = [&](Key k, const Token &t) {
    if (have[k]) in.fail("key '" + t.text + "' appears twice", t.line);
    have[k] = true;
  };

  while (!in.at_end()) {
    const Token key = in.next("key");
    const std::string &k = key.text;
    if (k == "potential_name") {
      if (!in.at_end() && in.peek().line == key.line) m.potential_name = in.next("potential_name").text;
      in.skip_rest_of_line();
    } else if (k == "potential_tag") {
      in.skip_rest_of_line();
    } else if (k == "scaling") {
      // MLIP multiplies a scaling inside the radial-basis block into the top-level one
      double s = in.number("scaling");
      if (have[kBasisType]) scaling_basis *= s; else scaling_top *= s;
    } else if (k == "species_count") {
      once(kSpecies, key);
      m.n_species = checked_count(in, k, 1, 1000);
    } else if (k == "radial_basis_type") {
      once(kBasisType, key);
      const Token &t = in.next("radial_basis_type");
      if (t.text == "RBChebyshev") m.basis = RadialBasis::Chebyshev;
      else if (t.text == "RBChebyshev_repuls") m.basis = RadialBasis::ChebyshevRepulsive;
      else
        in.fail("radial basis '" + t.text +
                    "' is not supported; supported: RBChebyshev, RBChebyshev_repuls (refit the potential with one of them)",
                t.line);
    } else if (k == "magnetic_basis_type") {
      in.fail("magnetic MTP (magnetic_basis_type) is not supported by pair_style sei/mtp", key.line);
    } else if (k == "min_dist" || k == "min_val") {
      once(kRMin, key);
      m.r_min = in.number(k);
    } else if (k == "max_dist" || k == "max_val") {
      once(kRCut, key);
      m.r_cut = in.number(k);
    } else if (k == "radial_basis_size" || k == "basis_size") {
      once(kNQ, key);
      m.n_q = checked_count(in, k, 1, 1000);
    } else if (k == "radial_funcs_count") {
      once(kNMu, key);
      m.n_mu = checked_count(in, k, 1, 1000);
    } else if (k == "radial_coeffs") {
      once(kRadial, key);
      require(kSpecies, "species_count", "radial_coeffs");
      require(kNQ, "radial_basis_size", "radial_coeffs");
      require(kNMu, "radial_funcs_count", "radial_coeffs");
      const int S = m.n_species;
      m.radial_coeffs.resize(static_cast<size_t>(S) * S * m.n_mu * m.n_q);
      m.pair_labels.clear();
      for (int block = 0; block < S * S; ++block) {
        const Token &label = in.next("radial_coeffs pair label");
        if (!is_pair_label(label.text))
          in.fail("expected a species-pair label like '0-1' in radial_coeffs (block " + std::to_string(block) +
                      " of " + std::to_string(S * S) + " for species_count = " + std::to_string(S) +
                      "), found '" + label.text + "'",
                  label.line);
        m.pair_labels.push_back(label.text);
        for (int i = 0; i < m.n_mu * m.n_q; ++i)
          m.radial_coeffs[static_cast<size_t>(block) * m.n_mu * m.n_q + i] =
              in.number("radial_coeffs block " + label.text);
      }
    } else if (k == "alpha_moments_count") {
      once(kNMoments, key);
      m.n_moments = checked_count(in, k, 1, 100000000);
    } else if (k == "alpha_index_basic_count") {
      once(kNBasic, key);
      m.n_basic = checked_count(in, k, 1, 100000000);
    } else if (k == "alpha_index_basic") {
      once(kBasic, key);
      require(kNBasic, "alpha_index_basic_count", "alpha_index_basic");
      read_quadruples(in, k, m.n_basic, m.basic);
    } else if (k == "alpha_index_times_count") {
      once(kNTimes, key);
      n_times = checked_count(in, k, 0, 100000000);
    } else if (k == "alpha_index_times") {
      once(kTimes, key);
      require(kNTimes, "alpha_index_times_count", "alpha_index_times");
      read_quadruples(in, k, n_times, m.times);
    } else if (k == "alpha_scalar_moments") {
      once(kNScalar, key);
      n_scalar = checked_count(in, k, 1, 100000000);
    } else if (k == "alpha_moment_mapping") {
      once(kMapping, key);
      require(kNScalar, "alpha_scalar_moments", "alpha_moment_mapping");
      m.mapping.resize(n_scalar);
      for (int i = 0; i < n_scalar; ++i) m.mapping[i] = static_cast<int>(in.integer(k));
    } else if (k == "species_coeffs") {
      once(kSpeciesCoeffs, key);
      require(kSpecies, "species_count", "species_coeffs");
      read_numbers(in, k, m.n_species, m.species_coeffs);
    } else if (k == "moment_coeffs") {
      once(kMomentCoeffs, key);
      require(kNScalar, "alpha_scalar_moments", "moment_coeffs");
      read_numbers(in, k, n_scalar, m.moment_coeffs);
    } else {
      in.fail("unknown key '" + k + "' (is this an MLIP version 1.1.0 .mtp file?)", key.line);
    }
  }
  m.scaling = scaling_top * scaling_basis;

  // ---- completeness -------------------------------------------------------------------------
  const std::pair<Key, const char *> structural[] = {
      {kBasisType, "radial_basis_type"},        {kRMin, "min_dist"},
      {kRCut, "max_dist"},                      {kNQ, "radial_basis_size"},
      {kNMu, "radial_funcs_count"},             {kNMoments, "alpha_moments_count"},
      {kNBasic, "alpha_index_basic_count"},     {kBasic, "alpha_index_basic"},
      {kNTimes, "alpha_index_times_count"},     {kTimes, "alpha_index_times"},
      {kNScalar, "alpha_scalar_moments"},       {kMapping, "alpha_moment_mapping"}};
  for (const auto &[key, name] : structural)
    if (!have[key]) in.fail(std::string("required key '") + name + "' is missing", in.line());
  if (!have[kSpecies] || !have[kRadial] || !have[kSpeciesCoeffs] || !have[kMomentCoeffs])
    in.fail("untrained potential: it has no species_count/radial_coeffs/species_coeffs/moment_coeffs "
            "(an MLIP template); train it first, e.g. 'mlp train pot.almtp train.cfg'",
            in.line());

  // ---- consistency of the basis definition (spec §2.1 defensive checks) ----------------------
  auto bad = [&](const std::string &what) { in.fail(what, in.line()); };
  if (!(m.r_cut > 0.0)) bad("max_dist must be positive");
  if (!(m.r_min < m.r_cut)) bad("min_dist must be smaller than max_dist");
  if (!(m.scaling == m.scaling) || m.scaling == 0.0) bad("scaling must be a nonzero number");
  if (m.n_basic > m.n_moments) bad("alpha_index_basic_count exceeds alpha_moments_count");
  for (int i = 0; i < m.n_basic; ++i) {
    const auto &b = m.basic[i];
    if (b[0] < 0 || b[0] >= m.n_mu)
      bad("alpha_index_basic entry " + std::to_string(i) + " uses radial function " + std::to_string(b[0]) +
          ", outside 0.." + std::to_string(m.n_mu - 1) + " (radial_funcs_count = " + std::to_string(m.n_mu) + ")");
    if (b[1] < 0 || b[2] < 0 || b[3] < 0)
      bad("alpha_index_basic entry " + std::to_string(i) + " has a negative exponent");
  }
  std::vector<char> ready(m.n_moments, 0);
  std::fill(ready.begin(), ready.begin() + m.n_basic, 1);
  for (size_t i = 0; i < m.times.size(); ++i) {
    const auto &t = m.times[i];
    const std::string where = "alpha_index_times entry " + std::to_string(i) + " {" + std::to_string(t[0]) +
        ", " + std::to_string(t[1]) + ", " + std::to_string(t[2]) + ", " + std::to_string(t[3]) + "}";
    if (t[0] < 0 || t[0] >= m.n_moments || t[1] < 0 || t[1] >= m.n_moments)
      bad(where + ": input index outside 0.." + std::to_string(m.n_moments - 1));
    if (t[3] < m.n_basic || t[3] >= m.n_moments)
      bad(where + ": output index must lie in " + std::to_string(m.n_basic) + ".." +
          std::to_string(m.n_moments - 1));
    if (!ready[t[0]] || !ready[t[1]]) bad(where + ": uses a moment before it is computed");
    ready[t[3]] = 1;
  }
  for (size_t k = 0; k < m.mapping.size(); ++k) {
    int slot = m.mapping[k];
    if (slot < 0 || slot >= m.n_moments)
      bad("alpha_moment_mapping entry " + std::to_string(k) + " = " + std::to_string(slot) + " is outside 0.." +
          std::to_string(m.n_moments - 1));
    if (!ready[slot])
      bad("alpha_moment_mapping entry " + std::to_string(k) + " refers to moment " + std::to_string(slot) +
          ", which no alpha_index_times entry computes");
  }
  return m;
}

}    // namespace sei::mtp
