"""Results of the structure analyses that ``sei-lmp analyze structure | defects | speciation`` report: the
tables, the files they are written to and their figures (plots never change the matplotlib backend)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from sei_lmp.analysis.figures import new_axes, save_figure

__all__ = ["DefectsResult", "SpeciationResult", "StructureResult", "plot_rdf"]


def _written(directory, tables: Mapping[str, pd.DataFrame]) -> list[Path]:
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name, table in tables.items():
        written.append(directory / name)
        table.to_csv(written[-1], index=False)
    return written


def plot_rdf(rdf: pd.DataFrame, ax=None):
    """Every partial g(r) of a :func:`partial_rdf` table against r; returns the Axes."""
    ax = ax if ax is not None else new_axes((5, 3.5))
    for pair in (c for c in rdf.columns if c != "r"):
        ax.plot(rdf["r"], rdf[pair], label=pair)
    ax.set_xlabel("r (A)")
    ax.set_ylabel("g(r)")
    ax.legend(fontsize=8)
    return ax


@dataclass
class StructureResult:
    """Partial RDFs, coordination numbers, PTM and CNA fractions and density, averaged over frames."""

    rdf: pd.DataFrame
    coordination: pd.DataFrame
    ptm: pd.DataFrame
    cna: pd.DataFrame
    density: pd.DataFrame

    @classmethod
    def compute(cls, source, cutoff: float = 6.0, bins: int = 200, frames=-1,
                elements: Sequence[str] | None = None, progress: bool = False) -> StructureResult:
        """Run every analysis on ``source`` (file, deck directory or Atoms) over ``frames``."""
        from sei_lmp.analysis.structure.crystallinity import structure_fractions
        from sei_lmp.analysis.structure.rdf import coordination_numbers, density, partial_rdf

        rdf = partial_rdf(source, cutoff=cutoff, bins=bins, frames=frames, elements=elements, progress=progress)
        return cls(rdf=rdf, coordination=coordination_numbers(rdf),
                   ptm=structure_fractions(source, "ptm", frames=frames, elements=elements),
                   cna=structure_fractions(source, "cna", frames=frames, elements=elements),
                   density=density(source, frames=frames, elements=elements))

    def plot(self, ax=None):
        """The partial RDFs; returns the Axes."""
        return plot_rdf(self.rdf, ax)

    def write(self, directory) -> list[Path]:
        """``rdf.csv``, ``coordination.csv``, ``ptm.csv``, ``cna.csv``, ``density.csv`` and ``rdf.png``."""
        written = _written(directory, {"rdf.csv": self.rdf, "coordination.csv": self.coordination,
                                       "ptm.csv": self.ptm, "cna.csv": self.cna, "density.csv": self.density})
        written.append(Path(directory) / "rdf.png")
        save_figure(self.plot(), written[-1], dpi=150, tight=True)
        return written


@dataclass
class DefectsResult:
    """Wigner-Seitz defect counts per frame (a :func:`wigner_seitz` table)."""

    table: pd.DataFrame

    def plot(self, ax=None):
        """Vacancies, interstitials and Frenkel pairs against frame; returns the Axes."""
        ax = ax if ax is not None else new_axes((5, 3.5))
        for column in ("vacancies", "interstitials", "frenkel_pairs"):
            if column in self.table:
                ax.plot(self.table["frame"], self.table[column], ".-", label=column.replace("_", " "))
        ax.set_xlabel("frame")
        ax.set_ylabel("count")
        ax.legend(fontsize=8)
        return ax

    def write(self, directory) -> list[Path]:
        """``defects.csv``."""
        return _written(directory, {"defects.csv": self.table})


@dataclass
class SpeciationResult:
    """Phase-label fractions per frame (:func:`phase_fractions`) and per slab along z (:func:`phase_profile`)."""

    fractions: pd.DataFrame
    profile: pd.DataFrame

    def plot(self, ax=None, frame: int | None = None):
        """Fraction of each label along z in one frame (default: the last); returns the Axes."""
        ax = ax if ax is not None else new_axes((5, 3.5))
        chosen = self.profile["frame"].max() if frame is None else frame
        rows = self.profile[self.profile["frame"] == chosen]
        for label, group in rows.groupby("label", sort=False):
            ax.plot(group["z"], group["fraction"], "-", label=label)
        ax.set_xlabel("z (A)")
        ax.set_ylabel("fraction of atoms")
        ax.legend(fontsize=8)
        return ax

    def write(self, directory) -> list[Path]:
        """``phase_fractions.csv`` and ``phase_profile.csv``."""
        return _written(directory, {"phase_fractions.csv": self.fractions, "phase_profile.csv": self.profile})
