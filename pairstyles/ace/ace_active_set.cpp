#include "ace/ace_active_set.h"

#include "ace/ace_bbasis.h"
#include "common/potential_text.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <sstream>

namespace sei::ace {

namespace {

std::string join(const std::vector<std::string> &v)
{
  std::string out = "[";
  for (size_t k = 0; k < v.size(); ++k) out += (k ? ", " : "") + v[k];
  return out + "]";
}

uint32_t le32(const std::string &s, size_t at)
{
  uint32_t v = 0;
  for (int k = 3; k >= 0; --k) v = (v << 8) | static_cast<unsigned char>(s[at + k]);
  return v;
}
uint16_t le16(const std::string &s, size_t at)
{
  return static_cast<uint16_t>(static_cast<unsigned char>(s[at]) | (static_cast<unsigned char>(s[at + 1]) << 8));
}

NpyArray parse_npy(const std::string &bytes, const std::string &where)
{
  auto fail = [&](const std::string &msg) -> void { throw PotentialFileError(where + ": " + msg); };
  if (bytes.size() < 10 || bytes.compare(0, 6, "\x93NUMPY") != 0) fail("not a NumPy .npy array");
  const int major = static_cast<unsigned char>(bytes[6]);
  size_t header_len, start;
  if (major == 1) {
    header_len = le16(bytes, 8);
    start = 10;
  } else {
    if (bytes.size() < 12) fail("truncated .npy header");
    header_len = le32(bytes, 8);
    start = 12;
  }
  if (bytes.size() < start + header_len) fail("truncated .npy header");
  const std::string header = bytes.substr(start, header_len);
  if (header.find("'descr': '<f8'") == std::string::npos)
    fail("array is not little-endian float64 ('<f8'): " + header);
  if (header.find("'fortran_order': False") == std::string::npos) fail("Fortran-ordered arrays are not supported");
  NpyArray out;
  size_t a = header.find("'shape': (");
  if (a == std::string::npos) fail("no shape in .npy header");
  a += 10;
  size_t b = header.find(')', a);
  std::istringstream shape(header.substr(a, b - a));
  std::string item;
  size_t count = 1;
  while (std::getline(shape, item, ',')) {
    if (item.find_first_not_of(" ") == std::string::npos) continue;
    out.shape.push_back(std::stol(item));
    count *= static_cast<size_t>(out.shape.back());
  }
  const size_t data = start + header_len;
  if (bytes.size() < data + count * sizeof(double)) fail("array data are truncated");
  out.data.resize(count);
  std::memcpy(out.data.data(), bytes.data() + data, count * sizeof(double));
  return out;
}

}    // namespace

std::vector<std::pair<std::string, NpyArray>> read_npz(const std::string &bytes, const std::string &source)
{
  std::vector<std::pair<std::string, NpyArray>> out;
  size_t pos = 0;
  while (pos + 30 <= bytes.size() && le32(bytes, pos) == 0x04034b50) {
    const uint16_t flags = le16(bytes, pos + 6), method = le16(bytes, pos + 8);
    uint64_t csize = le32(bytes, pos + 18);
    const uint16_t nlen = le16(bytes, pos + 26), xlen = le16(bytes, pos + 28);
    std::string name = bytes.substr(pos + 30, nlen);
    const size_t extra = pos + 30 + nlen;
    if (csize == 0xffffffffu) {    // ZIP64: the sizes are in the extra field (id 1: usize, csize)
      for (size_t e = extra; e + 4 <= extra + xlen;) {
        const uint16_t id = le16(bytes, e), len = le16(bytes, e + 2);
        if (id == 1 && len >= 16) csize = le32(bytes, e + 12) | (static_cast<uint64_t>(le32(bytes, e + 16)) << 32);
        e += 4 + len;
      }
    }
    if (method != 0)
      throw PotentialFileError(source + ": member '" + name +
                               "' is compressed; save the active set uncompressed (numpy.savez, as pacemaker's "
                               "pace_activeset does)");
    if (flags & 0x8) throw PotentialFileError(source + ": streamed zip members are not supported");
    const size_t data = extra + xlen;
    if (data + csize > bytes.size()) throw PotentialFileError(source + ": member '" + name + "' is truncated");
    if (name.size() > 4 && name.compare(name.size() - 4, 4, ".npy") == 0) name.resize(name.size() - 4);
    out.emplace_back(name, parse_npy(bytes.substr(data, csize), source + "[" + name + "]"));
    pos = data + csize;
  }
  if (out.empty())
    throw PotentialFileError(source + ": not an active-set file (expected a NumPy .npz archive written by pace_activeset)");
  return out;
}

ActiveSet::ActiveSet(const Model &model, const std::string &yaml, const std::string &yaml_path, const std::string &asi,
                     const std::string &asi_path)
{
  const int S = model.n_species();
  Evaluator layout(model, true);    // only for the A / A1 index layout
  const BBasis bbasis = parse_bbasis(yaml, yaml_path);
  if (bbasis.model.elements != model.elements)
    throw PotentialFileError(yaml_path + ": the B-basis has elements " + join(bbasis.model.elements) +
                             " but the potential " + model.source + " has " + join(model.elements) +
                             "; 'activeset' needs the .yaml the potential was converted from");
  if (bbasis.model.nradbase > model.nradbase || bbasis.model.nradmax > model.nradmax || bbasis.model.lmax > model.lmax)
    throw PotentialFileError(yaml_path + ": its radial basis is larger than that of " + model.source +
                             "; 'activeset' needs the .yaml the potential was converted from");
  // rows of the .asi follow ML-PACE's order of each element's functions (BBasis keeps it)
  functions_.resize(S);
  for (int a = 0; a < S; ++a)
    for (const BFunctionSpec &s : bbasis.functions[a]) {
      BFunction bf;
      bf.rank = s.rank;
      if (s.rank == 1) {
        bf.idx.push_back(layout.a1_index(s.mus[0], s.ns[0] - 1));
        bf.gen_cg.push_back(1.0);
      } else {
        std::vector<std::vector<int>> ms;
        coupling_terms(s.ls, s.LS, ms, bf.gen_cg);
        for (const auto &tuple : ms)
          for (int t = 0; t < s.rank; ++t) bf.idx.push_back(layout.a_index(s.mus[t], s.ns[t] - 1, s.ls[t], tuple[t]));
      }
      functions_[a].push_back(std::move(bf));
    }

  // the active-set inverse, one square matrix per element
  inverse_.resize(S);
  size_.assign(S, 0);
  int linear_count = 0, nonlinear_count = 0;
  for (auto &kv : read_npz(asi, asi_path)) {
    int a = -1;
    for (int k = 0; k < S; ++k)
      if (model.elements[k] == kv.first) a = k;
    if (a < 0) throw PotentialFileError(asi_path + ": array '" + kv.first + "' names no element of the potential");
    const NpyArray &arr = kv.second;
    if (arr.shape.size() != 2 || arr.shape[0] != arr.shape[1])
      throw PotentialFileError(asi_path + ": array '" + kv.first + "' must be square");
    const int n = static_cast<int>(arr.shape[0]);
    const int nf = static_cast<int>(functions_[a].size());
    if (n == nf) ++linear_count;
    else if (n == nf * model.embeddings[a].ndensity) ++nonlinear_count;
    else
      throw PotentialFileError(asi_path + ": the active set of " + kv.first + " is " + std::to_string(n) + " x " +
                               std::to_string(n) + ", but " + yaml_path + " has " + std::to_string(nf) +
                               " functions for it (linear) or " + std::to_string(nf * model.embeddings[a].ndensity) +
                               " (non-linear); were they made together?");
    size_[a] = n;
    inverse_[a] = arr.data;
    for (double v : inverse_[a])
      if (!std::isfinite(v)) throw PotentialFileError(asi_path + ": active set of " + kv.first + " has non-finite values");
  }
  for (int a = 0; a < S; ++a)
    if (size_[a] == 0) throw PotentialFileError(asi_path + ": no active set for element " + model.elements[a]);
  if (linear_count && nonlinear_count)
    throw PotentialFileError(asi_path + ": mixes linear and non-linear active sets across elements");
  linear_ = nonlinear_count == 0;
  int nmax = 0;
  for (int n : size_) nmax = std::max(nmax, n);
  b_.resize(nmax);
  acc_.resize(nmax);
}

double ActiveSet::grade(int si, const Evaluator &ev) const
{
  const auto &fs = functions_[si];
  const int nf = static_cast<int>(fs.size());
  const std::vector<double> &a1 = ev.a1();
  const std::vector<cdouble> &a = ev.a();
  for (int f = 0; f < nf; ++f) {
    const BFunction &bf = fs[f];
    double value = 0.0;
    if (bf.rank == 1) {
      value = a1[bf.idx[0]];
    } else {
      const int terms = static_cast<int>(bf.gen_cg.size());
      for (int s = 0; s < terms; ++s) {
        const int *idx = &bf.idx[s * bf.rank];
        cdouble prod = a[idx[0]];
        for (int t = 1; t < bf.rank - 1; ++t) prod = cmul(prod, a[idx[t]]);
        value += bf.gen_cg[s] * re_mul(prod, a[idx[bf.rank - 1]]);
      }
    }
    b_[f] = value;
  }
  const int n = size_[si];
  if (!linear_) {
    // b = dE_i/dc_{f,p} = D_p B_f, p-major
    const std::vector<double> &d = ev.density_derivative();
    for (int p = n / nf - 1; p >= 0; --p)
      for (int f = 0; f < nf; ++f) b_[p * nf + f] = d[p] * b_[f];
  }
  // gamma = max_k |sum_j b_j (A^-1)_{jk}|
  std::fill(acc_.begin(), acc_.begin() + n, 0.0);
  const double *inv = inverse_[si].data();
  for (int j = 0; j < n; ++j) {
    const double bj = b_[j];
    const double *row = inv + static_cast<size_t>(j) * n;
    for (int k = 0; k < n; ++k) acc_[k] += bj * row[k];
  }
  double gamma = 0.0;
  for (int k = 0; k < n; ++k) gamma = std::max(gamma, std::fabs(acc_[k]));
  return gamma;
}

std::string ActiveSet::describe() const
{
  std::ostringstream out;
  out << (linear_ ? "linear" : "non-linear") << " active set, B-functions per element:";
  for (const auto &f : functions_) out << " " << f.size();
  return out.str();
}

}    // namespace sei::ace
