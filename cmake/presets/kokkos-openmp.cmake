# Kokkos on CPUs only (OpenMP threads): the Kokkos styles without a GPU, e.g. to test decks.
# sei_lmp refuses the "kokkos" backend here (it is for GPUs); use "lammps" or "plugin" decks.
set(PKG_KOKKOS ON CACHE BOOL "" FORCE)
set(Kokkos_ENABLE_SERIAL ON CACHE BOOL "" FORCE)
set(Kokkos_ENABLE_OPENMP ON CACHE BOOL "" FORCE)
set(BUILD_OMP ON CACHE BOOL "" FORCE)
