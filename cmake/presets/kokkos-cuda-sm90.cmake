# Kokkos on NVIDIA H100/H200 (sm_90), CUDA backend + OpenMP on the host. Needs CUDA >= 12.
set(PKG_KOKKOS ON CACHE BOOL "" FORCE)
set(Kokkos_ENABLE_SERIAL ON CACHE BOOL "" FORCE)
set(Kokkos_ENABLE_OPENMP ON CACHE BOOL "" FORCE)
set(Kokkos_ENABLE_CUDA ON CACHE BOOL "" FORCE)
set(Kokkos_ARCH_HOPPER90 ON CACHE BOOL "" FORCE)
set(BUILD_OMP ON CACHE BOOL "" FORCE)
# Kokkos CUDA code is compiled through the nvcc_wrapper LAMMPS bundles; during `cmake -C` the
# current source dir is LAMMPS's cmake/ directory (-S lammps/cmake)
set(CMAKE_CXX_COMPILER "${CMAKE_CURRENT_SOURCE_DIR}/../lib/kokkos/bin/nvcc_wrapper" CACHE FILEPATH "")
