# Kokkos on CPUs only (OpenMP threads): the Kokkos styles without a GPU, e.g. to test decks.
# sei_lmp's "kokkos" decks launch here with `-k on t N` (picked from `lmp -h`: no GPU backend).
set(PKG_KOKKOS ON CACHE BOOL "" FORCE)
set(Kokkos_ENABLE_SERIAL ON CACHE BOOL "" FORCE)
set(Kokkos_ENABLE_OPENMP ON CACHE BOOL "" FORCE)
set(BUILD_OMP ON CACHE BOOL "" FORCE)
