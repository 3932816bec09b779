// Registers pair_style sei/mace from its own plugin file, sei_lmp_maceplugin.so, so that libtorch is
// only needed (and loaded) where MACE is built; the ABI declaration is shared with plugin.cpp.
#include "common/lammps_plugin_abi.h"
#include "mace/pair_sei_mace.h"

#include "lammps.h"

using namespace LAMMPS_NS;

namespace {
void *create_sei_mace(void *lmp)
{
  return new PairSEIMACE(static_cast<LAMMPS *>(lmp));
}
}    // namespace

void lammpsplugin_init(void *lmp, void *handle, void *regfunc)
{
  if (!sei_lmp_host_matches(lmp, "sei_lmp_maceplugin.so")) return;
  auto register_style = reinterpret_cast<lammpsplugin_regfunc>(regfunc);
  lammpsplugin_t plugin;
  plugin.version = SEI_LMP_LAMMPS_VERSION;
  plugin.style = "pair";
  plugin.name = "sei/mace";
  plugin.info = "sei_lmp " SEI_LMP_VERSION ": MACE TorchScript models on libtorch, with committee force deviation";
  plugin.author = "sei_lmp developers";
  plugin.creator.v1 = &create_sei_mace;
  plugin.handle = handle;
  register_style(&plugin, lmp);
}
