#include "mtp/mtp_active_set.h"

#include "common/potential_text.h"
#include "mtp/mtp_model.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <sstream>

namespace sei::mtp {

double ActiveSet::grade(const double *row) const
{
  // (b A^-1)_j = sum_k b_k (A^-1)_{kj} = sum_k b_k inv_a_t[j][k]
  double gamma = 0.0;
  for (int j = 0; j < n; ++j) {
    const double *col = inv_a_t.data() + static_cast<size_t>(j) * n;
    double sum = 0.0;
    for (int k = 0; k < n; ++k) sum += row[k] * col[k];
    gamma = std::max(gamma, std::fabs(sum));
  }
  return gamma;
}

bool parse_active_set(const std::string &text, const std::string &source, int n_params, ActiveSet &out)
{
  out = ActiveSet();
  size_t pos = find_active_set_marker(text);
  if (pos == std::string::npos) return false;
  pos = text.find('\n', pos);
  if (pos == std::string::npos) throw PotentialFileError(source + ": active-learning state is truncated after #MVS_v1.1");
  ++pos;
  // "key value" lines up to a line that starts with '#', which is followed directly by binary data
  bool seen_weights = false;
  while (pos < text.size() && text[pos] != '#') {
    size_t eol = text.find('\n', pos);
    if (eol == std::string::npos) break;
    std::istringstream line(text.substr(pos, eol - pos));
    std::string key;
    double value = 0.0;
    if (!(line >> key >> value))
      throw PotentialFileError(source + ": malformed active-learning setting line '" + text.substr(pos, eol - pos) + "'");
    if (key == "energy_weight") out.energy_weight = value;
    else if (key == "force_weight") out.force_weight = value;
    else if (key == "stress_weight") out.stress_weight = value;
    else if (key == "site_en_weight") out.site_en_weight = value, seen_weights = true;
    else if (key == "weight_scaling") out.weight_scaling = value;
    else throw PotentialFileError(source + ": unknown active-learning setting '" + key + "'");
    pos = eol + 1;
  }
  if (pos >= text.size() || !seen_weights)
    throw PotentialFileError(source + ": active-learning state after #MVS_v1.1 is incomplete (no weights or matrices)");
  ++pos;    // the '#'
  const size_t n = static_cast<size_t>(n_params);
  const size_t bytes = n * n * sizeof(double);
  if (text.size() < pos + 2 * bytes)
    throw PotentialFileError(source + ": active-learning matrices are truncated (expected 2 x " + std::to_string(n) +
                             " x " + std::to_string(n) + " doubles for " + std::to_string(n) +
                             " potential parameters); was the state written for this potential?");
  out.n = n_params;
  out.inv_a_t.resize(n * n);
  // skip A itself; only its inverse is needed for grades (little-endian doubles, as on x86/ARM hosts)
  std::memcpy(out.inv_a_t.data(), text.data() + pos + bytes, bytes);
  for (double v : out.inv_a_t)
    if (!std::isfinite(v)) throw PotentialFileError(source + ": active-learning matrix holds non-finite values");
  return true;
}

}    // namespace sei::mtp
