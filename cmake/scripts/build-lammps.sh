#!/usr/bin/env bash
# Build and install a LAMMPS from source with one of our presets, for the find_package(LAMMPS) route.
#
#   cmake/scripts/build-lammps.sh PREFIX [preset.cmake ...]      (default preset: plugin-host.cmake)
#
# The source is Debian's LAMMPS tarball of LAMMPS_RELEASE (20260704, the default, or 20250204), unless
# LAMMPS_SOURCE names an unpacked LAMMPS tree. MPI: the mpicxx on PATH
# (the PyPI mpich wheel's in our venv). Skips everything when PREFIX already holds this build.
set -euo pipefail

prefix=${1:?usage: build-lammps.sh PREFIX [preset.cmake ...]}
shift || true
here=$(cd "$(dirname "$0")/.." && pwd)
presets=("$@")
[ ${#presets[@]} -eq 0 ] && presets=("$here/presets/plugin-host.cmake")

# Debian's source tarballs (deb.debian.org is reachable where GitHub is not), checked by sha256
case "${LAMMPS_RELEASE:-20260704}" in
  20260704)   # 4 Jul 2026: version "2026.7.4.0"; exports include/, headers in include/lammps
    url=http://deb.debian.org/debian/pool/main/l/lammps/lammps_20260704+dfsg.orig.tar.gz
    sha256=cddbc45a047416bd48a4a0b87f24a5b61b3446982b74d18cafe619c22b17eb62
    top= ;;
  20250204)   # 4 Feb 2025: version "20250204"; exports include/lammps, headers there
    url=http://deb.debian.org/debian/pool/main/l/lammps/lammps_20250204+dfsg.1.orig.tar.xz
    sha256=3671165bd52fad36734e0a9136c5bc5ecb225e03988f8c89aa13366a8b53b1c7
    top=lammps-4Feb2025/ ;;
  *) echo "LAMMPS_RELEASE must be 20260704 or 20250204 (or set LAMMPS_SOURCE to an unpacked tree)" >&2; exit 2 ;;
esac
work=${LAMMPS_BUILD_DIR:-$prefix.build}
stamp="$prefix/.sei_lmp-build-stamp"
want="$(cat "${presets[@]}" | sha256sum | cut -c1-16) ${LAMMPS_SOURCE:-$sha256}"

if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
  echo "LAMMPS already installed in $prefix"
  exit 0
fi
mkdir -p "$work"
if [ -n "${LAMMPS_SOURCE:-}" ]; then
  src=$LAMMPS_SOURCE
else
  tarball="$work/$(basename "$url")"
  if [ ! -f "$tarball" ] || ! echo "$sha256  $tarball" | sha256sum -c --quiet; then
    echo "downloading $url"
    if command -v curl > /dev/null; then
      curl -fsSL --retry 3 -o "$tarball.part" "$url"
    else
      python3 -c 'import sys, urllib.request; urllib.request.urlretrieve(sys.argv[1], sys.argv[2])' "$url" "$tarball.part"
    fi
    echo "$sha256  $tarball.part" | sha256sum -c --quiet || { echo "checksum mismatch for $url" >&2; exit 1; }
    mv "$tarball.part" "$tarball"
  fi
  src="$work/src-$sha256"
  if [ ! -f "$src/${top}doc/lammps.1" ]; then
    # only what the build and its install read: the CMake tree, the sources (every package's: '*' matches
    # '/'), the man page, and the bench inputs, potentials and SNAP examples that `cmake --install` or our
    # deck tests read
    mkdir -p "$src"
    tar -xaf "$tarball" -C "$src" --wildcards "${top}cmake/*" "${top}src/*" \
      "${top}LICENSE" "${top}README" "${top}doc/lammps.1" "${top}bench/*" "${top}potentials/*"
  fi
  src="$src/${top%/}"
fi
args=()
for p in "${presets[@]}"; do args+=(-C "$p"); done
mpicxx=$(command -v mpicxx || true)
[ -n "$mpicxx" ] && args+=(-D "MPI_CXX_COMPILER=$mpicxx")
generator=()
command -v ninja > /dev/null && generator=(-G Ninja)
cmake -S "$src/cmake" -B "$work/build" "${generator[@]}" "${args[@]}" -D CMAKE_INSTALL_PREFIX="$prefix"
cmake --build "$work/build" -j "$(nproc)"
cmake --install "$work/build"
echo "$want" > "$stamp"
echo "LAMMPS installed in $prefix ($prefix/bin/lmp)"
