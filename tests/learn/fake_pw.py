"""A stand-in for pw.x: ``python fake_pw.py -in espresso.pwi`` reads the input with ASE, evaluates ASE's EMT and
prints a pw.x scf output (the parts ASE's reader looks at). It lets the DFT route of the learning loop run end to
end without a DFT code; :func:`pw_output` also serves the reader tests."""

from __future__ import annotations

import sys

import numpy as np
from ase import Atoms
from ase.units import create_units

QE_UNITS = create_units("2006")  # what pw.x (and ase's reader of it) uses


def pw_output(atoms: Atoms, energy_ry: float, forces_ry_bohr, stress_ry_bohr3, *, complete=True) -> str:
    """A pw.x scf output in the format pw.x prints (the parts ase's reader looks at, and the usual others)."""
    bohr = QE_UNITS["Bohr"]
    alat = np.linalg.norm(atoms.cell[0]) / bohr
    species = list(dict.fromkeys(atoms.get_chemical_symbols()))
    lines = ["", "     Program PWSCF v.7.2 starts on  1Jan2024 at 12: 0: 0 ", "",
             "     bravais-lattice index     =            0",
             f"     lattice parameter (alat)  =  {alat:11.4f}  a.u.",
             f"     unit-cell volume          =  {atoms.cell.volume / bohr ** 3:11.4f} (a.u.)^3",
             f"     number of atoms/cell      = {len(atoms):12d}",
             f"     number of atomic types    = {len(species):12d}", "",
             f"     celldm(1)={alat:11.6f}  celldm(2)=   0.000000  celldm(3)=   0.000000",
             "     celldm(4)=   0.000000  celldm(5)=   0.000000  celldm(6)=   0.000000", "",
             "     crystal axes: (cart. coord. in units of alat)"]
    for i, v in enumerate(atoms.cell / bohr / alat):
        lines.append(f"               a({i + 1}) = ( {v[0]:10.6f} {v[1]:10.6f} {v[2]:10.6f} )  ")
    lines += ["", "     Cartesian axes", "", "     site n.     atom                  positions (alat units)"]
    for i, (s, p) in enumerate(zip(atoms.get_chemical_symbols(), atoms.positions / bohr / alat)):
        lines.append(f"         {i + 1}           {s}  tau( {i + 1:3d}) = "
                     f"(  {p[0]:10.7f}  {p[1]:10.7f}  {p[2]:10.7f}  )")
    lines += ["", "     Self-consistent Calculation", "",
              "     iteration #  1     ecut=    45.00 Ry     beta= 0.70",
              f"     total energy              =  {energy_ry + 0.1:17.8f} Ry",
              "     estimated scf accuracy    <       0.10000000 Ry", ""]
    if not complete:  # killed during the scf
        return "\n".join(lines) + "\n"
    lines += ["     convergence has been achieved in   9 iterations", "",
              f"!    total energy              =  {energy_ry:17.8f} Ry",
              "     estimated scf accuracy    <       0.00000001 Ry", "",
              "     Forces acting on atoms (cartesian axes, Ry/au):", ""]
    types = {s: k + 1 for k, s in enumerate(species)}
    for i, (s, f) in enumerate(zip(atoms.get_chemical_symbols(), forces_ry_bohr)):
        lines.append(f"     atom {i + 1:4d} type {types[s]:2d}   force = {f[0]:14.8f}{f[1]:14.8f}{f[2]:14.8f}")
    s = np.asarray(stress_ry_bohr3)
    kbar = s * 147105.08
    lines += ["", "     Total force =     0.010000     Total SCF correction =     0.000001", "",
              "     Computing stress (Cartesian axis) and pressure", "",
              f"          total   stress  (Ry/bohr**3)                   (kbar)     P= {np.trace(kbar) / 3:12.2f}"]
    for r in range(3):
        lines.append(f"  {s[r, 0]:13.8f}{s[r, 1]:13.8f}{s[r, 2]:13.8f}  {kbar[r, 0]:12.2f}{kbar[r, 1]:12.2f}"
                     f"{kbar[r, 2]:12.2f}")
    lines += ["", "     PWSCF        :      1.00s CPU      1.10s WALL", "",
              "   This run was terminated on:  12: 0: 1   1Jan2024", "",
              "=------------------------------------------------------------------------------=",
              "   JOB DONE.",
              "=------------------------------------------------------------------------------="]
    return "\n".join(lines) + "\n"


def main(argv) -> None:
    from ase.calculators.emt import EMT
    from ase.io import read

    atoms = read(argv[argv.index("-in") + 1], format="espresso-in")
    atoms.calc = EMT()
    ry, bohr = QE_UNITS["Ry"], QE_UNITS["Bohr"]
    stress = atoms.get_stress(voigt=False)
    sys.stdout.write(pw_output(atoms, atoms.get_potential_energy() / ry, atoms.get_forces() / (ry / bohr),
                               -stress / (ry / bohr**3)))


if __name__ == "__main__":
    main(sys.argv)
