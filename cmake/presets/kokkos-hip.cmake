# Kokkos on AMD GPUs with HIP. Default architecture: MI200 (gfx90a); for MI300 pass
#   -D Kokkos_ARCH_AMD_GFX90A=OFF -D Kokkos_ARCH_AMD_GFX942=ON
# Configure with CXX=hipcc (ROCm >= 5.6).
set(PKG_KOKKOS ON CACHE BOOL "" FORCE)
set(Kokkos_ENABLE_SERIAL ON CACHE BOOL "" FORCE)
set(Kokkos_ENABLE_OPENMP ON CACHE BOOL "" FORCE)
set(Kokkos_ENABLE_HIP ON CACHE BOOL "" FORCE)
set(Kokkos_ARCH_AMD_GFX90A ON CACHE BOOL "")
set(BUILD_OMP ON CACHE BOOL "" FORCE)
