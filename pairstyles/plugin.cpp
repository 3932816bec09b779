// Registers the sei/* pair styles with LAMMPS' `plugin load`.
//
// The plugin ABI (lammpsplugin_t, lammpsplugin_init) is declared in common/lammps_plugin_abi.h, shared
// with the libtorch plugin (mace/plugin_mace.cpp).
#include "common/lammps_plugin_abi.h"
#include "ace/pair_sei_ace.h"
#include "mtp/pair_sei_mtp.h"

#include "lammps.h"

using namespace LAMMPS_NS;

namespace {
void *create_sei_mtp(void *lmp)
{
  return new PairSEIMTP(static_cast<LAMMPS *>(lmp));
}
void *create_sei_ace(void *lmp)
{
  return new PairSEIACE(static_cast<LAMMPS *>(lmp));
}
}    // namespace

void lammpsplugin_init(void *lmp, void *handle, void *regfunc)
{
  if (!sei_lmp_host_matches(lmp, "sei_lmpplugin.so")) return;
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

  plugin.name = "sei/ace";
  plugin.info = "sei_lmp " SEI_LMP_VERSION ": Atomic Cluster Expansion (pacemaker .yace/.ace) with extrapolation grade";
  plugin.creator.v1 = &create_sei_ace;
  register_style(&plugin, lmp);
}
