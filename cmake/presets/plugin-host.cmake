# The smallest LAMMPS our plugin loads into: a shared library with MPI and PLUGIN, no other packages.
# CI builds it (cmake/scripts/build-lammps.sh) to exercise the find_package(LAMMPS) route; on a
# workstation it is a quick CPU-only host for sei/mtp, sei/ace and sei/mace.
set(BUILD_SHARED_LIBS ON CACHE BOOL "" FORCE)
set(BUILD_MPI ON CACHE BOOL "" FORCE)
set(BUILD_OMP OFF CACHE BOOL "" FORCE)
set(LAMMPS_INSTALL_RPATH ON CACHE BOOL "" FORCE)
set(PKG_PLUGIN ON CACHE BOOL "" FORCE)
set(BUILD_TOOLS OFF CACHE BOOL "" FORCE)
set(CMAKE_BUILD_TYPE Release CACHE STRING "" FORCE)
