// Pacemaker B-basis `.yaml` (spec ace.md §2.3): species blocks with embeddings, pair (bond) blocks and the
// B-functions B = sum_ms genCG(ls, lint; ms) Re prod A. Read into the same Model as a `.yace` (each B-function
// becomes a C-tilde function with ctilde_{s,p} = c_p genCG(ms_s)), and listed for the extrapolation grade.
#ifndef SEI_LMP_ACE_BBASIS_H
#define SEI_LMP_ACE_BBASIS_H

#include "ace/ace_model.h"

#include <string>
#include <vector>

namespace sei::ace {

struct BFunctionSpec {
  int mu0 = 0, rank = 0;
  std::vector<int> mus, ns, ls, LS;    // LS: intermediate couplings (lint), rank - 2 of them
  std::vector<double> coeffs;          // c_p, one per density
  int line = 0;
  bool operator<(const BFunctionSpec &o) const;    // ML-PACE's order: (rank, mus, ns, ls, LS)
};

// m-tuples with sum 0 and their generalised Clebsch-Gordan coefficients (nonzero ones), ranks 1..6.
void coupling_terms(const std::vector<int> &ls, const std::vector<int> &LS, std::vector<std::vector<int>> &ms,
                    std::vector<double> &gen_cg);

struct BBasis {
  Model model;                                        // C-tilde equivalent, elements in file order
  std::vector<std::vector<BFunctionSpec>> functions;  // per element, in ML-PACE's (sorted) order
};

// Throws PotentialFileError("<source>:<line>: ...").
BBasis parse_bbasis(const std::string &text, const std::string &source);
bool looks_like_bbasis(const std::string &text);

}    // namespace sei::ace

#endif
