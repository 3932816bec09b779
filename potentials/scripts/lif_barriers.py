#!/usr/bin/env python
"""Measure the migration barriers of an interstitial Li in LiF with a shipped potential and write them, with
its teacher's barriers for the same hops, into the potential's card (``validation.barriers``).

Protocol (the one of ``tests/decks/test_neb_lif.py`` and the demo): the conventional rocksalt cell relaxed
with the potential (FIRE on a Frechet cell filter to 1e-4 eV/A), 3x3x3 of it + one Li at a cube-centre site
(217 atoms), end points relaxed to 0.005 eV/A, an ASE NEB of 7 images with a climbing image to 0.01 eV/A
(:func:`sei_lmp.analysis.neb.ase_neb`, each image on our LAMMPS styles).

The teacher's numbers come from ``--teacher-json``: the output of ``chgnet_lif_barriers.py`` (same protocol
with CHGNet as the calculator; it needs ``pip install chgnet`` in a separate environment, so it is not run
here).

Usage (repository root)::

    python potentials/scripts/lif_barriers.py potentials/LiF_ace_chgnet.yace --teacher-json chgnet.json
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

MECHANISMS = ("interstitialcy_collinear", "direct", "interstitialcy_noncollinear")


def lattice_constant(potential) -> float:
    from ase.build import bulk
    from ase.filters import FrechetCellFilter
    from ase.optimize import FIRE

    from sei_lmp.run.calculator import LammpsCalculator

    cell = bulk("LiF", "rocksalt", a=4.1, cubic=True)
    cell.calc = LammpsCalculator(potential)
    FIRE(FrechetCellFilter(cell), logfile=None).run(fmax=1e-4, steps=2000)
    return float(cell.cell.cellpar()[:3].mean())


def measure(potential_file: Path) -> dict:
    from ase.build import bulk

    from sei_lmp.analysis.neb import ase_neb
    from sei_lmp.potentials import load_potential
    from sei_lmp.run.calculator import LammpsCalculator
    from sei_lmp.structures.migration import interstitial_hop, relax_endpoints

    potential = load_potential(potential_file)
    a0 = lattice_constant(potential)
    crystal = bulk("LiF", "rocksalt", a=a0, cubic=True).repeat(3)
    barriers, intermediates, converged, seconds = {}, {}, {}, {}
    for mechanism in MECHANISMS:
        start = time.perf_counter()
        path = relax_endpoints(interstitial_hop(crystal, "Li", mechanism), LammpsCalculator(potential),
                               fmax=0.005, steps=5000)
        band = ase_neb(path, potential, images=7, fmax_eV_A=0.01)
        barriers[mechanism] = round(float(band.barrier_forward_eV), 4)
        inter = band.intermediate_eV
        intermediates[mechanism] = None if inter != inter else round(float(inter), 4)
        converged[mechanism] = bool(band.converged)
        seconds[mechanism] = round(time.perf_counter() - start, 1)
        print(f"{mechanism}: {barriers[mechanism]} eV (intermediate {intermediates[mechanism]}, "
              f"converged {converged[mechanism]}, {seconds[mechanism]} s)", flush=True)
    return {"lattice_constant_A": round(a0, 4), "barriers_eV": barriers, "intermediate_eV": intermediates,
            "converged": converged, "seconds": seconds}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("potential", type=Path)
    parser.add_argument("--teacher-json", type=Path, help="output of chgnet_lif_barriers.py")
    args = parser.parse_args()
    own = measure(args.potential)
    entry = {"tolerance_eV": 0.02,
             "cell": "3x3x3 conventional rocksalt LiF at the model's own a0 + 1 Li interstitial (217 atoms)",
             "method": "end points relaxed to 0.005 eV/A; NEB 7 images, climbing image, 0.01 eV/A "
                       "(sei_lmp.analysis.neb.ase_neb)",
             "script": "potentials/scripts/lif_barriers.py", "date": time.strftime("%Y-%m-%d"),
             "potential": own}
    if args.teacher_json:
        teacher = json.loads(args.teacher_json.read_text())
        entry["teacher"] = {
            "model": teacher.get("model") or f"CHGNet {teacher.get('chgnet_version', '')} (model "
                                              f"{teacher.get('model_version', '')})",
            "method": teacher.get("method") or (
                f"the same protocol with CHGNet as the calculator (a0 {teacher['a0_A']:.4f} A; NEB "
                f"{teacher['neb']['images']} images, climbing image, fmax {teacher['neb']['fmax_eV_A']} eV/A; "
                "potentials/scripts/chgnet_lif_barriers.py)"),
            "lattice_constant_A": teacher["a0_A"],
            "barriers_eV": teacher["barriers_eV"],
            "intermediate_eV": teacher.get("intermediate_eV", {}),
            "converged": teacher.get("converged", {}),
            **({"notes": teacher["method_notes"]} if teacher.get("method_notes") else {}),
        }
    card_path = args.potential.with_name(args.potential.name + ".json")
    card = json.loads(card_path.read_text())
    card.setdefault("validation", {})["barriers"] = entry
    card_path.write_text(json.dumps(card, indent=2) + "\n")
    print(f"wrote validation.barriers into {card_path}")


if __name__ == "__main__":
    main()
