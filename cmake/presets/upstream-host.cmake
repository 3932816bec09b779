# The second CI host: LAMMPS with the upstream ML styles that build without downloads (snap, mliap,
# compute snap), REPLICA (neb), MANYBODY and EXTRA-FIX/COMPUTE, as a shared library with MPI and PLUGIN.
# Our plugin is built against it, and every protocol's `-b lammps` deck that needs only these styles runs.
include(${CMAKE_CURRENT_LIST_DIR}/plugin-host.cmake)
foreach(_pkg ML-SNAP ML-IAP REPLICA MANYBODY EXTRA-FIX EXTRA-COMPUTE)
  set(PKG_${_pkg} ON CACHE BOOL "" FORCE)
endforeach()
set(MLIAP_ENABLE_PYTHON OFF CACHE BOOL "" FORCE)   # mliap unified (MACE) needs PYTHON + cython: a cluster build
