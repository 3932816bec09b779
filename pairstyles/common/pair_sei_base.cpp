#include "common/pair_sei_base.h"

#include "common/card_json.h"
#include "common/elements.h"
#include "common/potential_text.h"

#include "atom.h"
#include "comm.h"
#include "error.h"
#include "force.h"
#include "memory.h"
#include "neighbor.h"
#include "update.h"
#include "utils.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <fstream>

using namespace LAMMPS_NS;

PairSEIBase::PairSEIBase(LAMMPS *lmp, const std::string &style) : Pair(lmp), style_(style)
{
  single_enable = 0;
  restartinfo = 0;
  one_coeff = 1;
  manybody_flag = 1;
  // per-atom virial is split half/half between the two atoms of each pair (LAMMPS convention);
  // a centroid virial for site energies is not implemented
  centroidstressflag = CENTROID_NOTAVAIL;
}

PairSEIBase::~PairSEIBase()
{
  memory->destroy(gamma_);
  if (allocated) {
    memory->destroy(setflag);
    memory->destroy(cutsq);
  }
}

void PairSEIBase::fail(const std::string &message)
{
  error->all(FLERR, "pair_style " + style_ + ": " + message);
}

void PairSEIBase::require_metal_units()
{
  if (std::strcmp(update->unit_style, "metal") != 0)
    fail(std::string("requires 'units metal' (the potential is in eV and Angstrom), but units are '") +
         update->unit_style + "'; put 'units metal' before reading the structure");
}

void PairSEIBase::settings(int narg, char **arg)
{
  require_metal_units();
  check_masses_ = true;
  int iarg = 0;
  while (iarg < narg)
    if (!base_keyword(narg, arg, iarg))
      fail(std::string("unknown keyword '") + arg[iarg] + "'; usage: pair_style " + style_ +
           " [check_masses yes|no] (then pair_coeff * * <potential file> <species index, element or NULL per atom "
           "type>)");
}

bool PairSEIBase::base_keyword(int narg, char **arg, int &iarg)
{
  if (std::strcmp(arg[iarg], "check_masses") != 0) return false;
  const std::string value = iarg + 1 < narg ? arg[iarg + 1] : "";
  if (value != "yes" && value != "no")
    fail("'check_masses' needs yes or no, got '" + value + "'");
  check_masses_ = value == "yes";
  iarg += 2;
  return true;
}

void PairSEIBase::check_type_masses()
{
  // per-atom masses (rmass) are the user's own business; so are types whose element we do not know
  if (!check_masses_ || atom->rmass_flag || !atom->mass || !atom->mass_setflag) return;
  // wider than the spread of tabulated standard weights (Li 6.94 / 6.941 / 6.94 + 0.002), far below any
  // neighbouring element (the closest pair in a cell, e.g. Co/Ni, differ by 0.24) and any swap of two species
  constexpr double kTolerance = 0.1;
  // a type without atoms (all deleted, or kept for later insertion) maps nothing that could be wrong
  std::vector<long long> local(atom->ntypes + 1, 0), count(atom->ntypes + 1, 0);
  for (int i = 0; i < atom->nlocal; ++i) ++local[atom->type[i]];
  MPI_Allreduce(local.data(), count.data(), atom->ntypes + 1, MPI_LONG_LONG, MPI_SUM, world);
  for (int t = 1; t <= atom->ntypes; ++t) {
    const int s = t < static_cast<int>(species_of_type_.size()) ? species_of_type_[t] : -1;
    if (s < 0 || s >= static_cast<int>(species_names_.size()) || !atom->mass_setflag[t] || count[t] == 0) continue;
    const double expected = sei::standard_mass(species_names_[s]);
    if (expected <= 0.0 || std::fabs(atom->mass[t] - expected) <= kTolerance) continue;
    fail("atom type " + std::to_string(t) + " has mass " + fmt::format("{:.4g}", atom->mass[t]) +
         ", but pair_coeff maps it to " + species_names_[s] + " (standard mass " + fmt::format("{:.4g}", expected) +
         "): the elements after the file name are in the wrong order for this data file, or its Masses are wrong. "
         "List the element of each atom type in type order; if the mass is altered on purpose (isotopes, mass "
         "scaling), add 'check_masses no' to pair_style");
  }
}

void PairSEIBase::allocate()
{
  allocated = 1;
  const int n = atom->ntypes;
  memory->create(setflag, n + 1, n + 1, "pair:setflag");
  memory->create(cutsq, n + 1, n + 1, "pair:cutsq");
  for (int i = 1; i <= n; ++i)
    for (int j = 1; j <= n; ++j) setflag[i][j] = 0;
}

bool PairSEIBase::broadcast_file(const std::string &path, std::string &bytes, bool optional)
{
  // rank 0 reads, all ranks parse the same bytes, so every rank reaches the same error
  long long size = -1;
  std::string message;
  if (comm->me == 0) {
    std::ifstream probe(path);
    if (probe.good() || !optional) {
      try {
        bytes = sei::read_file(path);
        size = static_cast<long long>(bytes.size());
      } catch (sei::PotentialFileError &e) {
        message = e.what();
        size = -2;
      }
    }
  }
  MPI_Bcast(&size, 1, MPI_LONG_LONG, 0, world);
  if (size == -2) {
    int len = static_cast<int>(message.size());
    MPI_Bcast(&len, 1, MPI_INT, 0, world);
    message.resize(len);
    MPI_Bcast(message.data(), len, MPI_CHAR, 0, world);
    fail(message);
  }
  if (size < 0) return false;
  bytes.resize(static_cast<size_t>(size));
  // large files go in chunks that fit an int count
  const long long chunk = 1 << 30;
  for (long long off = 0; off < size; off += chunk) {
    int count = static_cast<int>(std::min(chunk, size - off));
    MPI_Bcast(bytes.data() + off, count, MPI_CHAR, 0, world);
  }
  return true;
}

void PairSEIBase::read_species_card(const std::string &path)
{
  // A metadata card "<potential>.json" next to the file may name the species: {"species": ["Li", "P", "S"]}
  species_names_ = file_species_names();
  std::string card;
  if (!broadcast_file(path + ".json", card, true)) return;
  std::optional<std::vector<std::string>> names;
  try {
    names = sei::card_species(card);
  } catch (sei::CardSyntaxError &e) {
    fail("cannot read metadata card " + path + ".json: " + e.what());
  }
  if (!names) return;
  if (static_cast<int>(names->size()) != n_species())
    fail("metadata card " + path + ".json lists " + std::to_string(names->size()) +
         " species but the potential has " + std::to_string(n_species()));
  species_names_ = *names;
}

void PairSEIBase::coeff(int narg, char **arg)
{
  if (!allocated) allocate();
  const int ntypes = atom->ntypes;
  const std::string usage = "usage: pair_coeff * * <potential file> [species per atom type: 0-based index, element or NULL]";
  if (narg < 3) fail("missing arguments; " + usage);
  if (std::strcmp(arg[0], "*") != 0 || std::strcmp(arg[1], "*") != 0)
    fail(std::string("pair_coeff must be '* *' (one potential for all types), got '") + arg[0] + " " + arg[1] +
         "'; " + usage);

  std::string path = utils::get_potential_file_path(arg[2]);
  if (path.empty())
    fail(std::string("cannot find potential file '") + arg[2] +
         "' (looked in the working directory and $LAMMPS_POTENTIALS)");
  std::string bytes;
  broadcast_file(path, bytes, false);
  try {
    load_potential(path, bytes);
  } catch (sei::PotentialFileError &e) {
    fail(e.what());
  }
  potential_path_ = path;
  read_species_card(path);

  const int S = n_species();
  auto species_list = [&]() {
    std::string s;
    for (int k = 0; k < S; ++k) {
      s += (k ? ", " : "") + std::to_string(k);
      if (k < static_cast<int>(species_names_.size())) s += " (" + species_names_[k] + ")";
    }
    return s;
  };
  species_of_type_.assign(ntypes + 1, -1);
  const int nmap = narg - 3;
  if (nmap == 0) {
    // MLIP-2/3 convention: type t is species t-1
    if (ntypes > S)
      fail(std::to_string(ntypes) + " atom types but the potential has only " + std::to_string(S) +
           " species [" + species_list() + "]; map each type explicitly: pair_coeff * * " + arg[2] +
           " <species or NULL per type>");
    for (int t = 1; t <= ntypes; ++t) species_of_type_[t] = t - 1;
  } else if (nmap != ntypes) {
    fail("expected one species per atom type (" + std::to_string(ntypes) + " entries) after the file name, got " +
         std::to_string(nmap) + "; " + usage);
  } else {
    for (int t = 1; t <= ntypes; ++t) {
      const std::string word = arg[2 + t];
      if (word == "NULL") continue;
      int s = -1;
      if (utils::is_integer(word)) {
        s = std::stoi(word);
        if (s < 0 || s >= S)
          fail("atom type " + std::to_string(t) + " is mapped to species " + word + ", but the potential has " +
               std::to_string(S) + " species [" + species_list() + "] (indices are 0-based)");
      } else {
        if (species_names_.empty())
          fail("element '" + word + "' given for atom type " + std::to_string(t) +
               ", but this potential does not name its species; give 0-based species indices [" + species_list() +
               "] or add a metadata card " + path + ".json with {\"species\": [...]}");
        for (int k = 0; k < S; ++k)
          if (species_names_[k] == word) s = k;
        if (s < 0)
          fail("atom type " + std::to_string(t) + " is mapped to element '" + word +
               "', which the potential does not have; its species are [" + species_list() + "]");
      }
      species_of_type_[t] = s;
    }
  }

  int count = 0;
  for (int i = 1; i <= ntypes; ++i)
    for (int j = i; j <= ntypes; ++j) {
      setflag[i][j] = (species_of_type_[i] >= 0 && species_of_type_[j] >= 0) ? 1 : 0;
      count += setflag[i][j];
    }
  if (count == 0) fail("every atom type is mapped to NULL");

  if (comm->me == 0) {
    std::string msg = "pair_style " + style_ + ": " + path + ": " + describe() + "\n  type -> species:";
    for (int t = 1; t <= ntypes; ++t) {
      const int s = species_of_type_[t];
      msg += " " + std::to_string(t) + "->" + (s < 0 ? std::string("NULL") : std::to_string(s));
      if (s >= 0 && s < static_cast<int>(species_names_.size())) msg += "(" + species_names_[s] + ")";
    }
    utils::logmesg(lmp, msg + "\n");
  }
}

void PairSEIBase::init_style()
{
  require_metal_units();
  if (force->newton_pair == 0)
    fail("requires newton pair on (the LAMMPS default); remove 'newton off' or use 'newton on'");
  if (atom->tag_enable == 0) fail("requires atom IDs (atom_modify id yes)");
  check_type_masses();
  neighbor->add_request(this, NeighConst::REQ_FULL);
}

double PairSEIBase::init_one(int i, int j)
{
  if (setflag[i][j] == 0) fail("all pair coeffs are not set (call pair_coeff * * <file> ...)");
  return cutoff();
}

void PairSEIBase::overlap_error(int i, int j, double r)
{
  error->one(FLERR, "pair_style {}: atoms {} and {} overlap (distance {:.3g} A); check the structure for "
             "duplicated atoms", style_, atom->tag[i], atom->tag[j], r);
}

void PairSEIBase::tally_site_gradient(int i, int nn, const int *jidx, const double *r, const double *grad)
{
  double **f = atom->f;
  const bool virial_wanted = vflag_either && (vflag_global || vflag_atom);
  for (int n = 0; n < nn; ++n) {
    const int j = jidx[n];
    const double gx = grad[3 * n], gy = grad[3 * n + 1], gz = grad[3 * n + 2];
    // r_ij = x_j - x_i, so F_i += dE_i/dr_ij and F_j -= dE_i/dr_ij
    f[i][0] += gx;
    f[i][1] += gy;
    f[i][2] += gz;
    f[j][0] -= gx;
    f[j][1] -= gy;
    f[j][2] -= gz;
    if (!virial_wanted) continue;
    const double rx = r[3 * n], ry = r[3 * n + 1], rz = r[3 * n + 2];
    const double v[6] = {-rx * gx, -ry * gy, -rz * gz, -rx * gy, -rx * gz, -ry * gz};
    if (vflag_global)
      for (int k = 0; k < 6; ++k) virial[k] += v[k];
    if (vflag_atom)
      for (int k = 0; k < 6; ++k) {
        vatom[i][k] += 0.5 * v[k];
        vatom[j][k] += 0.5 * v[k];
      }
  }
}

void PairSEIBase::grow_gamma()
{
  if (atom->nmax > gamma_nmax_) {
    memory->destroy(gamma_);
    gamma_nmax_ = atom->nmax;
    memory->create(gamma_, gamma_nmax_, "pair:gamma");
  }
  for (int i = 0; i < atom->nlocal; ++i) gamma_[i] = 0.0;
}

void *PairSEIBase::extract_peratom(const char *name, int &ncol)
{
  if (std::strcmp(name, "gamma") == 0) {
    ncol = 0;
    return gamma_;
  }
  return nullptr;
}
