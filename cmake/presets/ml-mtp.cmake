# Optional: the upstream MTP package (pair_style mtp, mtp/kk) where your LAMMPS version ships it.
# Not every LAMMPS release has ML-MTP; if CMake warns that PKG_ML-MTP is unused, drop this file and
# run MTP potentials with our sei/mtp plugin (backend "plugin"/"lammps" in sei_lmp decks).
set(PKG_ML-MTP ON CACHE BOOL "" FORCE)
