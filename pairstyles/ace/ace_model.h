// An ACE potential in C-tilde ("product") form (spec ace.md §1-§2): species, embeddings, per ordered pair
// radial bases and cutoffs, and the C-tilde functions of each central species. Read from a pacemaker `.yace`
// (YAML) or the old `.ace` text format. No LAMMPS headers here.
#ifndef SEI_LMP_ACE_MODEL_H
#define SEI_LMP_ACE_MODEL_H

#include <string>
#include <vector>

namespace sei::ace {

enum class RadialBasis { ChebExpCos, ChebPow, ChebLinear, SBessel };
enum class InnerCutoff { Density, Distance, Zbl };
enum class EmbeddingType { FinnisSinclair, FinnisSinclairShiftedScaled };

struct Embedding {
  int ndensity = 1;
  EmbeddingType type = EmbeddingType::FinnisSinclair;
  std::vector<double> fs;        // [w_0, m_0, w_1, m_1, ...]
  double rho_core_cut = 100000.0, drho_core_cut = 250.0;
  int line = 0;
};

struct Bond {    // ordered pair (central species, neighbour species)
  int nradmax = 0, lmax = 0, nradbase = 0;
  RadialBasis basis = RadialBasis::ChebExpCos;
  double lambda = 0.0;
  std::vector<double> crad;      // [n][l][k], shape nradmax x (lmax+1) x nradbase
  double prehc = 0.0, lambdahc = 0.0;
  double rcut = 0.0, dcut = 0.0;
  double rcut_in = 0.0, dcut_in = 0.0;
  InnerCutoff inner = InnerCutoff::Density;
  int line = 0;                  // where it is defined in the file, for messages
  double crad_at(int n, int l, int k) const
  {
    return (n < nradmax && l <= lmax && k < nradbase) ? crad[(n * (lmax + 1) + l) * nradbase + k] : 0.0;
  }
};

struct Function {    // one C-tilde basis function
  int rank = 0, ndensity = 0, num_ms = 0;
  std::vector<int> mus, ns, ls;  // per factor; ns is 1-based as in the file
  std::vector<int> ms;           // num_ms x rank
  std::vector<double> ctildes;   // num_ms x ndensity (index s*ndensity + p)
  int line = 0;
};

struct Model {
  std::string source;
  std::vector<std::string> elements;
  std::vector<double> e0;
  std::vector<Embedding> embeddings;     // per species
  std::vector<Bond> bonds;               // [a * n_species + b]
  std::vector<std::vector<Function>> functions;    // per central species
  std::vector<int> atomic_numbers;       // per species (for ZBL); 0 if the symbol is unknown
  int nradbase = 0, nradmax = 0, lmax = 0, ndensity_max = 0;
  double delta_spline_bins = 0.001;      // spacing of the radial tables (A), as ML-PACE (spec §3.4)
  std::string format;                    // "yace", "ace" or "yaml" (B-basis)

  int n_species() const { return static_cast<int>(elements.size()); }
  const Bond &bond(int a, int b) const { return bonds[a * n_species() + b]; }
  double max_cutoff() const;
  int n_functions() const;
};

// Parse by format: `nelements=` first is the `.ace` text format, a YAML with `speciesblock`s a pacemaker
// B-basis `.yaml` (converted to C-tilde form on load), otherwise a `.yace`.
// Throws sei::PotentialFileError("<source>:<line>: ...") naming what is wrong.
Model parse_model(const std::string &text, const std::string &source);
Model parse_yace(const std::string &text, const std::string &source);
Model parse_ace(const std::string &text, const std::string &source);

// Consistency checks and global sizes after a reader filled the model; throws PotentialFileError.
void finish_model(Model &m);

}    // namespace sei::ace

#endif
