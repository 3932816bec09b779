"""What a target LAMMPS can run: version, packages, styles (plugins included), Kokkos and GPU support.

Ask an executable (``lmp -h`` plus ``plugin list``), e.g. a cluster build, or the ``lammps`` Python
module with the sei_lmp plugin. Decks are checked against the answer before they are written, so
that no deck is emitted that cannot run there.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from sei_lmp.errors import ConfigurationError
from sei_lmp.potentials.base import Backend, PairBlock

_SECTION = re.compile(r"^\* (\w[\w ]*?) styles:?\s*$")


@dataclass(frozen=True)
class LammpsCapabilities:
    """Answer of one LAMMPS build."""

    version: str
    packages: frozenset[str]
    styles: Mapping[str, frozenset[str]] = field(default_factory=dict)   # "pair" -> names, ...
    kokkos_gpu: bool = False        # KOKKOS built with a GPU backend (CUDA, HIP or SYCL)
    source: str = ""

    @property
    def kokkos(self) -> bool:
        return "KOKKOS" in self.packages

    def has(self, category: str, name: str) -> bool:
        return name in self.styles.get(category, frozenset())

    def missing_for(self, block: PairBlock, backend: Backend) -> list[str]:
        """What this LAMMPS lacks to run ``block``; empty if it can."""
        missing = [f"pair style '{s}'" for s in block.styles if not self.has("pair", s)]
        if block.gamma_style and not self.has("fix", "pair"):
            missing.append("fix style 'pair' (for extrapolation grades)")
        if backend == "kokkos" and not self.kokkos:      # a CPU-only Kokkos runs with `-k on t N`
            missing.append("the KOKKOS package")
        return missing

    def require(self, block: PairBlock, backend: Backend) -> None:
        """Raise :class:`ConfigurationError` naming everything missing for ``block``."""
        missing = self.missing_for(block, backend)
        if missing:
            raise ConfigurationError(
                f"LAMMPS {self.version} ({self.source}) cannot run '{block.lines[0]}' on backend '{backend}': "
                f"it lacks {', '.join(missing)}. Use a build with these, or another backend/pair style.")


def parse_help(text: str) -> tuple[str, frozenset[str], dict[str, frozenset[str]], bool]:
    """(version, packages, styles by category, kokkos GPU) from the output of ``lmp -h``."""
    version = re.search(r"Large-scale Atomic/Molecular Massively Parallel Simulator - (.+)", text)
    packages: list[str] = []
    styles: dict[str, set[str]] = {}
    lines = text.splitlines()
    k = 0
    while k < len(lines):
        line = lines[k]
        if line.strip() == "Installed packages:":
            k += 1
            while k < len(lines) and not lines[k].startswith("List of individual"):
                packages += lines[k].split()
                k += 1
            continue
        match = _SECTION.match(line)
        if match:
            category = match.group(1).lower()
            names: set[str] = set()
            k += 1
            while k < len(lines) and not lines[k].startswith("* ") and not lines[k].startswith("Total wall"):
                names.update(lines[k].split())
                k += 1
            styles[category] = names
            continue
        k += 1
    gpu = bool(re.search(r"KOKKOS package API:.*\b(CUDA|HIP|SYCL)\b", text))
    return (version.group(1).strip() if version else "unknown", frozenset(packages),
            {c: frozenset(n) for c, n in styles.items()}, gpu)


def parse_plugin_list(text: str) -> dict[str, set[str]]:
    """Styles registered by loaded plugins, from the output of the ``plugin list`` command."""
    found: dict[str, set[str]] = {}
    for category, name in re.findall(r"^\s*\d+:\s*(\w+) style plugin (\S+)", text, re.M):
        found.setdefault(category, set()).add(name)
    return found


def probe_executable(command: Sequence[str] = ("lmp",), env: Mapping[str, str] | None = None,
                     timeout: float = 120) -> LammpsCapabilities:
    """Ask an ``lmp`` executable (``command`` may include a launcher such as ``srun``)."""
    try:
        result = subprocess.run([*command, "-h"], capture_output=True, text=True, env=env, timeout=timeout,
                                check=False)
    except FileNotFoundError as err:
        raise ConfigurationError(f"LAMMPS executable {command[0]!r} not found; give its path") from err
    except subprocess.TimeoutExpired as err:
        raise ConfigurationError(f"{' '.join(command)} -h did not answer within {timeout:g} s (a launcher waiting "
                                 "for an allocation?); probe it where it runs, or give --lmp without the launcher") from err
    version, packages, styles, gpu = parse_help(result.stdout)
    if not packages:
        # show what the launcher or the executable said: that is where the reason is (no allocation, no module)
        said = (result.stderr.strip() or result.stdout.strip()).splitlines()[-5:]
        raise ConfigurationError(f"{' '.join(command)} -h did not print a LAMMPS package list (exit status "
                                 f"{result.returncode}); it said: " + (" | ".join(said) if said else "nothing"))
    if "PLUGIN" in packages:
        listing = subprocess.run([*command, "-log", "none", "-nocite"], input="plugin list\n", capture_output=True,
                                 text=True, env=env, timeout=timeout, check=False).stdout
        merged = {c: set(n) for c, n in styles.items()}
        for category, names in parse_plugin_list(listing).items():
            merged.setdefault(category, set()).update(names)
        styles = {c: frozenset(n) for c, n in merged.items()}
    return LammpsCapabilities(version, packages, styles, gpu, source=" ".join(command))


def probe_python() -> LammpsCapabilities:
    """Ask the ``lammps`` Python module, with the sei_lmp plugin loaded."""
    from sei_lmp.run.plugin import start_lammps

    lmp = start_lammps(styles=())
    try:
        styles = {c: frozenset(lmp.available_styles(c)) for c in ("pair", "fix", "compute")}
        packages = frozenset(lmp.installed_packages)
        gpu = lmp.has_gpu_device if "GPU" in packages else False
        version = str(lmp.version())
    finally:
        lmp.close()
    return LammpsCapabilities(version, packages, styles, bool(gpu), source="lammps Python module")
