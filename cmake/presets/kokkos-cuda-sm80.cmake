# Kokkos on NVIDIA A100 (sm_80), CUDA backend + OpenMP on the host. Needs CUDA >= 11.
set(PKG_KOKKOS ON CACHE BOOL "" FORCE)
set(Kokkos_ENABLE_SERIAL ON CACHE BOOL "" FORCE)
set(Kokkos_ENABLE_OPENMP ON CACHE BOOL "" FORCE)
set(Kokkos_ENABLE_CUDA ON CACHE BOOL "" FORCE)
set(Kokkos_ARCH_AMPERE80 ON CACHE BOOL "" FORCE)
set(BUILD_OMP ON CACHE BOOL "" FORCE)
# Kokkos CUDA code is compiled through the nvcc_wrapper LAMMPS bundles; during `cmake -C` the
# current source dir is LAMMPS's cmake/ directory (-S lammps/cmake)
set(CMAKE_CXX_COMPILER "${CMAKE_CURRENT_SOURCE_DIR}/../lib/kokkos/bin/nvcc_wrapper" CACHE FILEPATH "")
