"""Our pair styles against upstream LAMMPS' own, in the same upstream ``lmp``: microseconds per atom-step.

Cases (each style runs the same NVE MD on the same cell, in alternating rounds; medians; ratio ours/upstream):
  * ACE: ``sei/ace`` vs ``pace product`` and ``pace recursive`` on Cu-PBE-core-rep (fcc Cu, 256 and 2048 atoms)
    and on the shipped Li-P-S ACE (Li2S antifluorite, 768 atoms);
  * MTP: ``sei/mtp`` vs upstream ``mtp`` (ML-MTP) where that LAMMPS has it, on LiF L8 (rocksalt, 1728 atoms),
    Li L10 (bcc, 2000 atoms), and the level-16 / level-20 reference bases (LiF / Li2S cells);
  * 1 and 2 MPI ranks (wall time per atom-step, so 2 ranks should show about half).
A style the given LAMMPS lacks is listed with the reason; nothing is compared across runs or machines.

    python benchmarks/upstream_speed.py --lmp /opt/lammps-2026/bin/lmp [--plugin build/external/.../sei_lmpplugin.so]
           [--rounds 3] [--ranks 1 2] [--cases ace mtp] [--match Li2S] [--csv out.csv]

Needs ../shared/reference (Cu-PBE-core-rep.ace, the MTP reference bases). Where an upstream style is missing:
ML-PACE is built with `-D PKG_ML-PACE=on` (its library from ICAMS/lammps-user-pace; offline: LOCAL_ML-PACE=<dir>),
ML-MTP exists only in LAMMPS versions that ship it (cmake/presets/ml-mtp.cmake).
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from ase.build import bulk

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path[:0] = [str(REPO)]

from sei_lmp.lammps_info import probe_executable  # noqa: E402
from sei_lmp.structures import write_lammps_data  # noqa: E402

REFERENCE = Path(os.environ.get("SEI_LMP_REFERENCE_DIR", REPO.parent / "shared" / "reference"))
LOOP = re.compile(r"Loop time of ([\d.eE+-]+) on (\d+) procs for (\d+) steps with (\d+) atoms")
SECONDS_PER_RUN = 4.0                # timed part of each run, from a short calibration run of ours


@dataclass(frozen=True)
class Case:
    name: str
    family: str              # ace | mtp
    potential: Path
    cell: object             # ase.Atoms
    elements: tuple[str, ...]
    md: bool = True          # NVE MD; False: forces on the fixed cell each step (random-coefficient bases blow up)


def cases(selected: set[str]) -> list[Case]:
    found = []
    cu_ace = REFERENCE / "ace" / "potentials" / "Cu-PBE-core-rep.ace"
    li2s = bulk("SLi2", "fluorite", a=5.70, cubic=True)       # antifluorite: S on the fcc sites, Li tetrahedral
    if "ace" in selected:
        found += [Case("Cu-PBE fcc 256", "ace", cu_ace, bulk("Cu", "fcc", a=3.62, cubic=True).repeat(4), ("Cu",)),
                  Case("Cu-PBE fcc 2048", "ace", cu_ace, bulk("Cu", "fcc", a=3.62, cubic=True).repeat(8), ("Cu",)),
                  Case("Li-P-S ACE Li2S 768", "ace", REPO / "potentials" / "LiPS_ace_chgnet.yace",
                       li2s.repeat(4), ("Li", "P", "S"))]
    if "mtp" in selected:
        mtp = REFERENCE / "mtp" / "potentials"
        found += [Case("LiF L8 1728", "mtp", REPO / "potentials" / "LiF_mtp_L8_chgnet.mtp",
                       bulk("LiF", "rocksalt", a=4.03, cubic=True).repeat(6), ("Li", "F")),
                  Case("Li L10 2000", "mtp", REPO / "potentials" / "Li_mtp_L10_mlearn.mtp",
                       bulk("Li", "bcc", a=3.44, cubic=True).repeat(10), ("Li",)),
                  Case("LiF L16 1728", "mtp", mtp / "LiF_L16_random.mtp",
                       bulk("LiF", "rocksalt", a=4.03, cubic=True).repeat(6), ("Li", "F"), md=False),
                  Case("Li2S L20 768", "mtp", mtp / "LiPS_L20_random.mtp", li2s.repeat(4), ("Li", "P", "S"),
                       md=False)]
    return found


def styles_for(family: str) -> list[tuple[str, str, str]]:
    """(label, backend, pair style) for ours first, then upstream's; MTP lines come from the potential
    registry, so upstream gets exactly what our `-b lammps` decks write."""
    if family == "ace":
        return [("sei/ace", "plugin", "sei/ace"), ("pace product", "lammps", "pace product"),
                ("pace recursive", "lammps", "pace recursive")]
    return [("sei/mtp", "plugin", "sei/mtp"), ("mtp", "lammps", "mtp")]


def pair_lines(case: Case, backend: str, style: str) -> list[str]:
    from sei_lmp.potentials import load_potential

    if case.family == "ace":     # element names for both (the registry reads .yace; Cu-PBE is a .ace file)
        return [f"pair_style {style}", f"pair_coeff * * {case.potential} {' '.join(case.elements)}"]
    name, *options = style.split()
    lines = load_potential(case.potential, species=list(case.elements)).pair_block(backend, list(case.elements), style=name).lines
    return [f"{lines[0]} {' '.join(options)}".rstrip(), *lines[1:]]


def deck(case: Case, data: Path, backend: str, style: str, plugin: Path | None, steps: int) -> str:
    load = f"plugin load {plugin}\n" if plugin and backend == "plugin" else ""
    return (f"{load}units metal\natom_style atomic\natom_modify map array\nread_data {data}\n"
            + "\n".join(pair_lines(case, backend, style)) + "\n"
            + ("velocity all create 300 4928459 loop geom\nfix md all nve\n" if case.md else "")
            + "thermo 1000\n"
            f"run 2\nrun {steps}\n")


def time_run(lmp: Path, text: str, workdir: Path, ranks: int, env: dict) -> float:
    """Wall microseconds per atom-step of the second (timed) run."""
    (workdir / "in.bench").write_text(text)
    mpirun = [str(Path(sys.executable).parent / "mpirun"), "-np", str(ranks)] if ranks > 1 else []
    command = [*mpirun, str(lmp), "-in", "in.bench", "-log", "none", "-nocite"]
    done = subprocess.run(command, cwd=workdir, env=env, capture_output=True, text=True, timeout=1800)
    if done.returncode != 0:
        raise RuntimeError(done.stdout[-1500:] + done.stderr[-1500:])
    seconds, _, steps, atoms = LOOP.findall(done.stdout)[-1]
    return float(seconds) / (int(steps) * int(atoms)) * 1e6


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lmp", type=Path, required=True, help="upstream lmp (with PLUGIN; ML-PACE / ML-MTP)")
    parser.add_argument("--plugin", type=Path, help="sei_lmpplugin.so built for that lmp (default: search build/)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--ranks", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--cases", nargs="+", default=["ace", "mtp"], choices=["ace", "mtp"])
    parser.add_argument("--match", default="", help="only cases whose name matches this regular expression")
    parser.add_argument("--csv", type=Path)
    args = parser.parse_args()

    plugin = args.plugin.resolve() if args.plugin else next(iter(sorted((REPO / "build").rglob("external*/**/sei_lmpplugin.so"))), None)
    if plugin is None or not plugin.is_file():
        parser.error("no sei_lmpplugin.so: build it for this lmp (cmake --preset external; cmake --build --preset "
                     "external) or pass --plugin")
    venv_lib = Path(sys.executable).parent.parent / "lib"
    env = dict(os.environ, OMP_NUM_THREADS="1",
               LD_LIBRARY_PATH=os.pathsep.join(filter(None, [str(venv_lib), os.environ.get("LD_LIBRARY_PATH")])))
    env.pop("LAMMPS_PLUGIN_PATH", None)
    caps = probe_executable([str(args.lmp)], env=env)
    print(f"LAMMPS {caps.version} at {args.lmp}; plugin {plugin}")

    rows, skipped = [], []
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        for case in [c for c in cases(set(args.cases)) if re.search(args.match, c.name)]:
            if not case.potential.is_file():
                skipped.append((case.name, "-", f"no {case.potential}"))
                continue
            data = work / f"{abs(hash(case.name))}.data"
            write_lammps_data(case.cell, data, list(case.elements))
            runnable = []
            for label, backend, style in styles_for(case.family):
                if backend != "plugin" and not caps.has("pair", style.split()[0]):
                    skipped.append((case.name, label, f"LAMMPS {caps.version} has no pair_style {style.split()[0]}"))
                    continue
                runnable.append((label, backend, style))
            label0, backend0, style0 = runnable[0]
            trial = time_run(args.lmp, deck(case, data, backend0, style0, plugin, 5), work, 1, env)
            steps = max(3, int(SECONDS_PER_RUN / (trial * 1e-6 * len(case.cell))))
            for ranks in args.ranks:
                times: dict[str, list[float]] = {label: [] for label, _, _ in runnable}
                for _ in range(args.rounds):         # alternate styles within each round: drifts hit all alike
                    for label, backend, style in runnable:
                        times[label].append(time_run(args.lmp, deck(case, data, backend, style, plugin, steps), work,
                                                     ranks, env))
                ours = statistics.median(times[runnable[0][0]])
                for label, _, _ in runnable:
                    med = statistics.median(times[label])
                    rows.append({"case": case.name, "atoms": len(case.cell), "ranks": ranks, "style": label,
                                 "us_per_atom_step": med, "min": min(times[label]), "max": max(times[label]),
                                 "ours_over_this": ours / med})
                    print(f"{case.name:<22} {ranks} rank(s)  {label:<15} {med:9.2f} us/atom-step "
                          f"[{min(times[label]):.2f}-{max(times[label]):.2f}]  ours/this {ours / med:5.2f}",
                          flush=True)
    table = pd.DataFrame(rows)
    print()
    if not table.empty:
        print(table.pivot_table(index=["case", "ranks"], columns="style", values="us_per_atom_step").round(2)
              .to_string())
    for name, label, why in skipped:
        print(f"not run: {name} / {label}: {why}")
    if args.csv and not table.empty:
        table.to_csv(args.csv, index=False)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
