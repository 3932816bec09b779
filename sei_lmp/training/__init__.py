"""Distil ML potentials from a teacher: sample configurations, label them, split, fit, measure, plot.

    sampling  -> strained/rattled crystals, point defects, teacher MD snapshots, random packings
    teacher   -> energy/forces/stress from a teacher calculator (CHGNet by default), cached in extxyz
    split     -> seeded train / held-out split
    fit_mtp   -> Moment Tensor Potential fit with motep (basis from mtp_basis)
    metrics   -> held-out RMSE/MAE and a per-species-energy baseline
    parity    -> parity plots as PNG
    lammps_check -> a fitted potential in LAMMPS (sei/mtp, sei/ace, sei/mace): single points, NVT + NVE stability
    recipe    -> the steps every potentials/make_*.py recipe shares (dataset, split, E(V), cards, options)

Modules are imported on use so that ``import sei_lmp.training`` stays light (no torch, no motep).
"""

__all__ = ["fit_mtp", "lammps_check", "metrics", "mtp_basis", "parity", "recipe", "sampling", "split", "teacher"]
