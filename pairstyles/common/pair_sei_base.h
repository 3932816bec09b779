// Lifecycle shared by the sei/* machine-learning pair styles: keyword parsing, `pair_coeff * * file map...`,
// the checks in init_style (metal units, newton on, atom IDs) and the full neighbour request.
// A family supplies the potential reader, its species and cutoff, and compute().
#ifndef SEI_LMP_PAIR_SEI_BASE_H
#define SEI_LMP_PAIR_SEI_BASE_H

#include "pair.h"

#include <string>
#include <vector>

namespace LAMMPS_NS {

class PairSEIBase : public Pair {
 public:
  PairSEIBase(class LAMMPS *lmp, const std::string &style);
  ~PairSEIBase() override;

  void settings(int narg, char **arg) override;
  void coeff(int narg, char **arg) override;
  void init_style() override;
  double init_one(int i, int j) override;
  // per-atom "gamma" (extrapolation grade or committee deviation) for `fix pair N <style> gamma 1`
  void *extract_peratom(const char *name, int &ncol) override;

 protected:
  std::string style_;                  // e.g. "sei/mtp"; every message starts with it
  std::string potential_path_;
  std::vector<int> species_of_type_;   // by LAMMPS type 1..ntypes; -1 for NULL
  std::vector<std::string> species_names_;    // element of each species, if known

  bool check_masses_ = true;  // init_style compares each type's mass with its mapped element ('check_masses no')

  int gamma_flag_ = 0;        // set by fix pair on the steps that want per-atom gamma
  int gamma_nmax_ = 0;
  double *gamma_ = nullptr;   // per-atom gamma of local atoms (grade, or committee force deviation in eV/A)

  // ---- what a family provides ----
  // parse the potential (bytes are the whole file, identical on every rank); throw sei::PotentialFileError
  virtual void load_potential(const std::string &path, const std::string &bytes) = 0;
  virtual int n_species() const = 0;
  virtual double cutoff() const = 0;
  // species names stored in the file itself, if the format has them
  virtual std::vector<std::string> file_species_names() const { return {}; }
  // a short description of the loaded potential for the log
  virtual std::string describe() const = 0;

  [[noreturn]] void fail(const std::string &message);    // error->all with the style prefix
  // error->one for two atoms closer than the overlap distance (duplicated atoms in the structure)
  [[noreturn]] void overlap_error(int i, int j, double r);
  // apply one site energy's gradient dE_i/dr_ij (r_ij = x_j - x_i, 3 per neighbour) to forces and, when
  // asked, to the global and per-atom virial (each pair's virial split half/half between its two atoms)
  void tally_site_gradient(int i, int nn, const int *jidx, const double *r, const double *grad);
  void require_metal_units();
  // a keyword every sei/* style takes ('check_masses yes|no'); true (and iarg moved past it) when arg[iarg] is one
  bool base_keyword(int narg, char **arg, int &iarg);
  // refuse an atom type whose mass is not that of the element pair_coeff maps it to (a wrong species order)
  void check_type_masses();
  // rank 0 reads the file, every rank gets the bytes; optional files may be missing (returns false)
  bool broadcast_file(const std::string &path, std::string &bytes, bool optional);
  void allocate();
  // make gamma_ hold atom->nmax values and zero those of the local atoms
  void grow_gamma();

 private:
  void read_species_card(const std::string &path);
};

}    // namespace LAMMPS_NS

#endif
