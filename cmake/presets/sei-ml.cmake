# sei_lmp: packages a LAMMPS build needs for our decks and potentials (use with one kokkos-*.cmake).
#   cmake -S lammps/cmake -B build -C <sei_lmp>/cmake/presets/sei-ml.cmake -C <sei_lmp>/cmake/presets/kokkos-cuda-sm90.cmake
# Shared library + PLUGIN: our plugin (sei/mtp, sei/ace, sei/mace) loads with `plugin load`, and
# find_package(LAMMPS) works for it after `cmake --install build`.
set(BUILD_SHARED_LIBS ON CACHE BOOL "" FORCE)
set(BUILD_MPI ON CACHE BOOL "" FORCE)
set(LAMMPS_INSTALL_RPATH ON CACHE BOOL "" FORCE)
set(PKG_PLUGIN ON CACHE BOOL "" FORCE)
# ML-PACE (pace, pace/extrapolation, and their /kk variants); CMake downloads the pace library
set(PKG_ML-PACE ON CACHE BOOL "" FORCE)
# ML-IAP with PYTHON: pair_style mliap unified, the route MACE models take (needs cython and numpy)
set(PKG_ML-IAP ON CACHE BOOL "" FORCE)
set(PKG_ML-SNAP ON CACHE BOOL "" FORCE)
set(PKG_PYTHON ON CACHE BOOL "" FORCE)
set(MLIAP_ENABLE_PYTHON ON CACHE BOOL "" FORCE)
# styles the deck templates use: fix halt/ave/time/setforce, compute msd/coord/atom/reduce (core),
# NPT/NVT (core); EXTRA-FIX/EXTRA-COMPUTE cover the rest
set(PKG_EXTRA-FIX ON CACHE BOOL "" FORCE)
set(PKG_EXTRA-COMPUTE ON CACHE BOOL "" FORCE)
set(PKG_MANYBODY ON CACHE BOOL "" FORCE)
set(PKG_KSPACE ON CACHE BOOL "" FORCE)
