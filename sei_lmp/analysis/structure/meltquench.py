"""Quality checks of a melt-quench run: is the product a glass at a sensible density?

The verdict is PASS only when every check ran and was met; FAIL when any check failed (each is one reason);
INCONCLUSIVE when nothing failed but a check could not be made (no density window, no RDF reference, no glass
transition seen): the ``missing`` list says what to give so it can be made.

What is checked:

- the run finished (``final.data`` exists);
- residual crystallinity of the final structure (PTM, fraction of atoms in any template) is below a limit;
- the density is steady over the final equilibration (relative standard deviation below a limit), has not
  moved far from the packed structure's (voids, phase separation, collapse), and lies inside the given window;
- the final partial RDFs are close to a reference (another run, a crystal, or an RDF table), measured by
  the R-factor ``sqrt(sum (g - g_ref)^2 / sum g_ref^2)`` over all pairs;
- optionally, a glass transition is seen: density and energy vs temperature on the quench follow two
  straight lines that meet at Tg (a continuous two-line fit; the kink must change the slope).

Density and energy against temperature come from the thermo output (``log.lammps``, else
``stdout.txt``), cut to the quench stage with the stage steps in ``manifest.json``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from os import PathLike
from pathlib import Path

import numpy as np
import pandas as pd

from sei_lmp.analysis.unfinished import missing_output_reason
from sei_lmp.io.frames import manifest_elements
from sei_lmp.errors import ConfigurationError, ParseError
from sei_lmp.run.directory import Manifest, RunDirectory

__all__ = ["GlassTransition", "MeltQuenchQA", "QACriteria", "analyze_melt_quench", "check_melt_quench",
           "glass_transition", "plot_quench_curve", "quench_curve", "rdf_r_factor"]


@dataclass(frozen=True)
class GlassTransition:
    """Result of the two-line fit y = a + s_low (T - Tg) below Tg, a + s_high (T - Tg) above.

    ``tg_err`` is the 1-sigma half width of the Tg values whose fit is not worse than the best by more
    than one residual variance (a profile-likelihood interval). ``slope_ratio`` = s_high / s_low.
    """

    tg: float
    tg_err: float
    value_at_tg: float
    slope_low: float
    slope_high: float
    rms: float
    n_points: int

    @property
    def slope_ratio(self) -> float:
        return self.slope_high / self.slope_low if self.slope_low != 0 else np.inf

    @property
    def monotonic(self) -> bool:
        """Both lines slope the same way; a V shape is a transient (e.g. the barostat taking over from an
        NVT melt), not a glass transition."""
        return self.slope_low * self.slope_high > 0


def _hinge_sse(T: np.ndarray, y: np.ndarray, tg: float) -> tuple[float, np.ndarray]:
    X = np.column_stack([np.ones_like(T), np.minimum(T - tg, 0.0), np.maximum(T - tg, 0.0)])
    coef, *_ = np.linalg.lstsq(X, y, rcond=None)
    resid = y - X @ coef
    return float(resid @ resid), coef


def glass_transition(temperature, values, grid: int = 400, margin: float = 0.1) -> GlassTransition:
    """Glass-transition temperature from the kink of ``values`` (density or energy) vs ``temperature``.

    The kink is searched on ``grid`` temperatures inside the data range, leaving ``margin`` of the range
    at each end so both lines have points.
    """
    T = np.asarray(temperature, dtype=float)
    y = np.asarray(values, dtype=float)
    ok = np.isfinite(T) & np.isfinite(y)
    T, y = T[ok], y[ok]
    if len(T) < 8:
        raise ConfigurationError(f"a glass-transition fit needs at least 8 points (got {len(T)}); sample the quench "
                                 "more often (sample_every / md.thermo_every)")
    lo, hi = T.min(), T.max()
    if hi - lo <= 0:
        raise ConfigurationError("the temperature does not change over the data: this is not a quench")
    candidates = np.linspace(lo + margin * (hi - lo), hi - margin * (hi - lo), grid)
    sse = np.array([_hinge_sse(T, y, t)[0] for t in candidates])
    best = int(np.argmin(sse))
    tg = float(candidates[best])
    sse_min, coef = _hinge_sse(T, y, tg)
    dof = max(len(T) - 4, 1)    # three coefficients and Tg
    variance = sse_min / dof
    inside = candidates[sse <= sse_min + variance]
    tg_err = float(max(tg - inside.min(), inside.max() - tg, candidates[1] - candidates[0]))
    return GlassTransition(tg=tg, tg_err=tg_err, value_at_tg=float(coef[0]), slope_low=float(coef[1]),
                           slope_high=float(coef[2]), rms=float(np.sqrt(sse_min / len(T))), n_points=len(T))


def rdf_r_factor(rdf: pd.DataFrame, reference: pd.DataFrame, smear: float = 0.0) -> dict[str, float]:
    """R-factor per pair and ``"total"`` between two partial-RDF tables (from :func:`partial_rdf`).

    The reference is interpolated onto ``rdf``'s r grid over the common range. ``smear`` (Angstrom) is a
    Gaussian broadening applied to both, useful against the delta peaks of a perfect crystal.
    """
    r = rdf["r"].to_numpy()
    pairs = [c for c in rdf.columns if c != "r"]
    common = []
    for p in pairs:
        a, _, b = p.partition("-")
        q = p if p in reference.columns else f"{b}-{a}" if f"{b}-{a}" in reference.columns else None
        if q is not None:
            common.append((p, q))
    if not common:
        raise ConfigurationError(f"the RDF and its reference share no pair (RDF: {pairs}; reference: "
                                 f"{[c for c in reference.columns if c != 'r']}); compare structures of the same elements")
    rmax = min(r.max(), reference["r"].max())
    mask = r <= rmax
    out, num_total, den_total = {}, 0.0, 0.0
    for p, q in common:
        g = _smear(r, rdf[p].to_numpy(), smear)[mask]
        gref = np.interp(r[mask], reference["r"].to_numpy(), _smear(reference["r"].to_numpy(), reference[q].to_numpy(), smear))
        num, den = float(np.sum((g - gref) ** 2)), float(np.sum(gref**2))
        out[p] = np.sqrt(num / den) if den > 0 else np.inf
        num_total += num
        den_total += den
    out["total"] = np.sqrt(num_total / den_total) if den_total > 0 else np.inf
    return out


def _smear(r: np.ndarray, g: np.ndarray, sigma: float) -> np.ndarray:
    if sigma <= 0:
        return g
    dr = r[1] - r[0]
    half = int(np.ceil(4 * sigma / dr))
    kernel = np.exp(-0.5 * (np.arange(-half, half + 1) * dr / sigma) ** 2)
    kernel /= kernel.sum()
    # pad with the edge values so the broadened curve does not droop at the ends
    padded = np.concatenate([np.full(half, g[0]), g, np.full(half, g[-1])])
    return np.convolve(padded, kernel, mode="valid")


def _manifest(run: RunDirectory) -> Manifest:
    if not run.has_manifest():
        raise ConfigurationError(f"{run.path} has no {run.manifest_path.name}: pass a melt-quench deck directory "
                                 "written by 'sei-lmp deck melt_quench'")
    return run.manifest


def _n_atoms(run: RunDirectory) -> int:
    for path in (run.final_data, run.data_file):
        if path.is_file():
            with path.open() as fh:
                for _, line in zip(range(40), fh):
                    parts = line.split()
                    if len(parts) == 2 and parts[1] == "atoms":
                        return int(parts[0])
    raise ParseError(f"cannot find the number of atoms in {run.final_data} or {run.data_file.name}")


def quench_curve(run_dir: str | PathLike, stage: str | tuple[int, int] = "quench") -> pd.DataFrame:
    """Temperature, density (g/cm^3) and potential energy per atom (eV) of the thermo rows of one stage.

    ``stage`` is a stage name of the manifest (``heat``, ``hold``, ``quench``, ``anneal``, ``equilibrate``),
    ``"all"``, or a ``(first_step, last_step)`` pair. Columns ``step, temperature, density, energy``.
    """
    from sei_lmp.io.lammps_log import read_thermo

    run = RunDirectory(run_dir)
    manifest = _manifest(run)
    log = run.thermo_file(prefer_log=True)
    if log is None:
        raise ConfigurationError(f"{run_dir} has no {run.log.name} or {run.stdout.name}: run the deck first "
                                 f"('sei-lmp run {run_dir}')")
    thermo = read_thermo(log)
    needed = {"Step", "Temp", "Density", "PotEng"}
    if thermo.empty or not needed <= set(thermo.columns):
        raise ParseError(f"{log} lacks thermo columns {sorted(needed - set(thermo.columns))}; the melt-quench deck "
                         "prints them with 'thermo_style custom step ... temp pe ... density'")
    stages = manifest.stages
    order = ["heat", "hold", "quench", "anneal", "equilibrate"]
    if isinstance(stage, tuple):
        first, last = stage
    elif stage == "all":
        first, last = 0, int(thermo["Step"].max())
    elif stage in order and (stage in stages or stage == "equilibrate"):
        i = order.index(stage)
        first = stages.get(order[i - 1], 0) if i > 0 else 0
        last = stages.get(stage, stages.get("total", 0))
    else:
        raise ConfigurationError(f"unknown stage '{stage}'; use one of {', '.join(order)}, 'all' or (first, last)")
    rows = thermo[(thermo["Step"] >= first) & (thermo["Step"] <= last)]
    # thermo energies are totals ("thermo_modify norm no"): divide by the atom count
    return pd.DataFrame({"step": rows["Step"].to_numpy(), "temperature": rows["Temp"].to_numpy(),
                         "density": rows["Density"].to_numpy(),
                         "energy": rows["PotEng"].to_numpy() / _n_atoms(run)})


@dataclass(frozen=True)
class QACriteria:
    """Limits of the melt-quench verdict; None switches a check off."""

    max_crystalline: float | None = 0.05          # PTM fraction of atoms in any template
    max_density_rsd: float | None = 0.02          # relative std of density over the final stage
    density_window: tuple[float, float] | None = None   # g/cm^3
    max_rdf_r_factor: float | None = 0.3
    require_tg: bool = False                      # no kink in the density on the quench is a FAIL (else INCONCLUSIVE)
    max_density_change: float | None = 0.2        # |final / packed density - 1|: beyond, voids or a collapse
    min_slope_ratio: float = 1.2                  # |slope above Tg| / |slope below Tg| that counts as a kink

    def __post_init__(self):
        for name in ("max_crystalline",):
            value = getattr(self, name)
            if value is not None and not 0.0 <= value <= 1.0:
                raise ConfigurationError(f"{name} = {value:g} is a fraction of atoms: give a value between 0 and 1 "
                                         "(e.g. 0.05), or None to skip the check")
        for name in ("max_density_rsd", "max_rdf_r_factor", "max_density_change"):
            value = getattr(self, name)
            if value is not None and not value >= 0:
                raise ConfigurationError(f"{name} = {value} must be a non-negative number, or None to skip the check")
        if self.density_window is not None:
            try:
                window = tuple(float(v) for v in self.density_window)
            except (TypeError, ValueError):
                window = ()
            if len(window) != 2 or not all(np.isfinite(v) for v in window):
                raise ConfigurationError(f"density_window = {self.density_window} must be two numbers (low, high) "
                                         "in g/cm^3")
            if not 0 < window[0] < window[1]:
                raise ConfigurationError(f"density_window = {self.density_window}: the low density must be positive "
                                         "and below the high one, e.g. (1.9, 2.2) g/cm^3")


@dataclass
class MeltQuenchQA:
    """Verdict of :func:`check_melt_quench`: the ``reasons`` for a fail, the checks that could not be made
    (``missing``), ``notes`` that do not change the verdict, the numbers (``metrics``), the quench ``curve``
    and the final ``rdf``. ``verdict`` is PASS, FAIL or INCONCLUSIVE; ``passed`` is True for PASS only."""

    reasons: list[str]
    notes: list[str]
    metrics: dict[str, float]
    curve: pd.DataFrame | None = None
    rdf: pd.DataFrame | None = None
    tg_density: GlassTransition | None = None
    tg_energy: GlassTransition | None = None
    criteria: QACriteria = field(default_factory=QACriteria)
    missing: list[str] = field(default_factory=list)

    @property
    def verdict(self) -> str:
        return "FAIL" if self.reasons else "INCONCLUSIVE" if self.missing else "PASS"

    @property
    def passed(self) -> bool:
        return self.verdict == "PASS"

    def to_frame(self, **identity) -> pd.DataFrame:
        row = {**identity, **self.metrics, "verdict": self.verdict, "passed": self.passed,
               "reasons": "; ".join(self.reasons), "missing": "; ".join(self.missing), "notes": "; ".join(self.notes)}
        return pd.DataFrame([row])

    def plot(self, ax=None):
        """Density and energy vs T on the quench with the two-line fits; returns the (density) Axes."""
        if self.curve is None:
            raise ConfigurationError("this melt-quench verdict has no quench curve to plot")
        return plot_quench_curve(self, ax)

    def write(self, directory: str | PathLike, **identity) -> list[Path]:
        """``meltquench_qa.csv`` (one row: ``identity`` columns such as ``run_dir=...`` first, then
        :meth:`to_frame`), and when present ``quench_curve.csv``, ``quench_curve.png`` and ``final_rdf.csv``.
        Returns the paths written."""
        from sei_lmp.analysis.figures import save_figure

        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        written = [directory / "meltquench_qa.csv"]
        self.to_frame(**identity).to_csv(written[0], index=False)
        if self.curve is not None:
            written += [directory / "quench_curve.csv", directory / "quench_curve.png"]
            self.curve.to_csv(written[-2], index=False)
            save_figure(self.plot(), written[-1], dpi=150, tight=True)
        if self.rdf is not None:
            written.append(directory / "final_rdf.csv")
            self.rdf.to_csv(written[-1], index=False)
        return written


def _reference_rdf(reference, rdf: pd.DataFrame, cutoff: float, bins: int) -> pd.DataFrame:
    from ase import Atoms

    from sei_lmp.analysis.structure.rdf import partial_rdf

    if isinstance(reference, pd.DataFrame):
        return reference
    if isinstance(reference, Atoms):
        return partial_rdf(reference, cutoff=cutoff, bins=bins)
    path = Path(reference)
    if path.is_dir():
        return partial_rdf(RunDirectory(path).final_data, cutoff=cutoff, bins=bins, elements=manifest_elements(path))
    if path.suffix == ".csv":
        return pd.read_csv(path)
    return partial_rdf(path, cutoff=cutoff, bins=bins)


def check_melt_quench(run_dir: str | PathLike, reference=None, criteria: QACriteria | None = None,
                      rdf_cutoff: float = 6.0, rdf_bins: int = 120, smear: float = 0.1) -> MeltQuenchQA:
    """Run every check on a melt-quench deck directory and give the verdict.

    ``reference`` for the RDF comparison: another run directory, an ``ase.Atoms`` crystal, a structure file,
    a CSV written from :func:`partial_rdf`, or a DataFrame; None skips that check.
    """
    from sei_lmp.analysis.structure.crystallinity import crystalline_fraction
    from sei_lmp.analysis.structure.rdf import partial_rdf

    criteria = criteria or QACriteria()
    run_dir = Path(run_dir)
    run = RunDirectory(run_dir)
    manifest = _manifest(run)
    if manifest.protocol not in ("", "melt_quench"):
        raise ConfigurationError(f"{run_dir} holds a '{manifest.protocol}' deck, not a melt-quench one")
    reasons, notes, metrics, missing = [], [], {}, []
    final = run.final_data
    if not final.is_file():
        # missing data is no failed criterion: nothing could be checked, and the run says why (failed,
        # interrupted, never started) and how to finish it
        return MeltQuenchQA([], notes, metrics, criteria=criteria,
                            missing=[missing_output_reason(run, final.name)])
    elements = manifest_elements(run_dir)
    rdf = partial_rdf(final, cutoff=rdf_cutoff, bins=rdf_bins, elements=elements)

    frac = crystalline_fraction(final, "ptm", elements=elements)
    metrics["crystalline_fraction"] = frac
    if criteria.max_crystalline is not None and frac > criteria.max_crystalline:
        reasons.append(f"residual crystallinity {frac:.1%} > {criteria.max_crystalline:.1%} (PTM): quench faster "
                       "or hold the melt longer/hotter")

    final_stage = quench_curve(run_dir, "equilibrate")
    rho = final_stage["density"].to_numpy()
    metrics["density"] = float(rho.mean()) if rho.size else np.nan
    metrics["density_rsd"] = float(rho.std() / rho.mean()) if rho.size > 1 else np.nan
    metrics["energy"] = float(final_stage["energy"].mean()) if rho.size else np.nan
    if criteria.max_density_rsd is not None and rho.size > 1 and metrics["density_rsd"] > criteria.max_density_rsd:
        reasons.append(f"density not steady over the final stage (relative std {metrics['density_rsd']:.1%} > "
                       f"{criteria.max_density_rsd:.1%}): equilibrate longer")
    metrics["density_start"] = _packed_density(run, elements)
    metrics["density_change"] = metrics["density"] / metrics["density_start"] - 1.0
    if not np.isfinite(metrics["density_start"]):
        notes.append(f"no {run.data_file.name} to compare the final density with the packed one")
    elif criteria.max_density_change is not None and abs(metrics["density_change"]) > criteria.max_density_change:
        reasons.append(f"density changed by {metrics['density_change']:+.0%} from the packed structure "
                       f"({metrics['density_start']:.3f} -> {metrics['density']:.3f} g/cm^3): voids, phase "
                       "separation or a collapsing potential; look at the final structure")
    if criteria.density_window is not None and rho.size:
        lo, hi = criteria.density_window
        if not lo <= metrics["density"] <= hi:
            reasons.append(f"density {metrics['density']:.3f} g/cm^3 outside [{lo}, {hi}]")
    elif criteria.density_window is None:
        missing.append("no density window to judge the density by (density_window=(lo, hi), e.g. the measured "
                       "density +-5 %)")

    if reference is not None:
        ref = _reference_rdf(reference, rdf, rdf_cutoff, rdf_bins)
        r_factors = rdf_r_factor(rdf, ref, smear=smear)
        metrics["rdf_r_factor"] = r_factors["total"]
        if criteria.max_rdf_r_factor is not None and r_factors["total"] > criteria.max_rdf_r_factor:
            worst = max((k for k in r_factors if k != "total"), key=r_factors.get)
            reasons.append(f"final RDF differs from the reference: R = {r_factors['total']:.2f} > "
                           f"{criteria.max_rdf_r_factor} (worst pair {worst}, R = {r_factors[worst]:.2f})")
    else:
        metrics["rdf_r_factor"] = np.nan
        missing.append("no reference for the structure (reference=: a crystal or glass structure, another run, or "
                       "an RDF table)")

    curve = quench_curve(run_dir, "quench")
    tg_rho = tg_e = None
    metrics.update(tg_density=np.nan, tg_density_err=np.nan, tg_energy=np.nan, tg_energy_err=np.nan)
    try:
        tg_rho = glass_transition(curve["temperature"], curve["density"])
        tg_e = glass_transition(curve["temperature"], curve["energy"])
        metrics.update(tg_density=tg_rho.tg, tg_density_err=tg_rho.tg_err, tg_energy=tg_e.tg, tg_energy_err=tg_e.tg_err)
    except ConfigurationError as err:
        notes.append(f"no glass-transition fit: {err}")
    if tg_rho is not None:
        message = None
        if not tg_rho.monotonic:
            message = (f"density vs T on the quench is not monotonic (slopes {tg_rho.slope_low:.2e} and "
                       f"{tg_rho.slope_high:.2e} g/cm^3/K meet at {tg_rho.tg:.0f} K): a transient, not a glass "
                       "transition; melt under NPT (melt_npt=true) or hold longer")
        elif tg_rho.slope_ratio < criteria.min_slope_ratio:
            message = (f"no kink in density vs T on the quench (slope ratio {tg_rho.slope_ratio:.2f} < "
                       f"{criteria.min_slope_ratio})")
        if message:
            if criteria.require_tg:
                reasons.append(message)
            else:
                missing.append(f"no glass transition seen: {message}")
            metrics.update(tg_density=np.nan, tg_density_err=np.nan)
    elif criteria.require_tg:
        reasons.append("no glass transition could be fitted")
    else:
        missing.append("no glass transition seen: no two-line fit of density vs T on the quench")
    if tg_e is not None and not tg_e.monotonic:
        notes.append("energy vs T on the quench is not monotonic: no Tg from the energy")
        metrics.update(tg_energy=np.nan, tg_energy_err=np.nan)
    return MeltQuenchQA(reasons, notes, metrics, curve, rdf, tg_rho, tg_e, criteria, missing)


def _packed_density(run: RunDirectory, elements) -> float:
    """Density of the structure the deck started from (g/cm^3)."""
    from sei_lmp.io.datafile import read_lammps_data
    from sei_lmp.units import density_g_cm3

    if not run.data_file.is_file():
        return float("nan")
    start = read_lammps_data(run.data_file, elements)
    return float(density_g_cm3(start.get_masses().sum(), start.get_volume()))


def analyze_melt_quench(run_dir: str | PathLike, reference=None, **criteria) -> pd.DataFrame:
    """One-row table of a melt-quench run for sweeps.

    Columns: ``run_dir``, ``crystalline_fraction``, ``density`` (g/cm^3, final stage mean), ``density_rsd``,
    ``energy`` (eV/atom), ``rdf_r_factor`` (NaN without reference), ``tg_density``, ``tg_density_err``,
    ``tg_energy``, ``tg_energy_err`` (K; NaN when no fit), ``verdict`` (PASS / FAIL / INCONCLUSIVE), ``passed``
    (bool, PASS only), ``reasons``, ``missing``, ``notes`` (text).
    ``criteria`` are :class:`QACriteria` fields.
    """
    qa = check_melt_quench(run_dir, reference=reference, criteria=QACriteria(**criteria))
    frame = qa.to_frame(run_dir=str(run_dir))
    columns = ["run_dir", "crystalline_fraction", "density", "density_rsd", "density_change", "energy",
               "rdf_r_factor", "tg_density", "tg_density_err", "tg_energy", "tg_energy_err", "verdict", "passed",
               "reasons", "missing", "notes"]
    return frame.reindex(columns=columns)


def plot_quench_curve(qa_or_curve, ax=None):
    """Density and energy vs temperature with the two-line fits; returns the (density) Axes."""
    from sei_lmp.analysis.figures import new_axes

    curve = qa_or_curve.curve if isinstance(qa_or_curve, MeltQuenchQA) else qa_or_curve
    if ax is None:
        ax = new_axes((5, 3.5))
    ax.plot(curve["temperature"], curve["density"], ".", color="C0", label="density")
    ax.set_xlabel("T (K)")
    ax.set_ylabel("density (g/cm$^3$)", color="C0")
    twin = ax.twinx()
    twin.plot(curve["temperature"], curve["energy"], ".", color="C1", label="energy")
    twin.set_ylabel("potential energy (eV/atom)", color="C1")
    T = np.linspace(curve["temperature"].min(), curve["temperature"].max(), 200)
    fits = ((qa_or_curve.tg_density, ax, "C0"), (qa_or_curve.tg_energy, twin, "C1")) \
        if isinstance(qa_or_curve, MeltQuenchQA) else ()
    for fit, axis, colour in fits:
        if fit is None:
            continue
        y = fit.value_at_tg + np.where(T < fit.tg, fit.slope_low, fit.slope_high) * (T - fit.tg)
        axis.plot(T, y, "-", color=colour, lw=1)
        axis.axvline(fit.tg, color=colour, ls=":", lw=1)
    ax.set_title("quench: density and energy vs T")
    return ax
