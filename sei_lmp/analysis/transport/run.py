"""Transport analysis of a trajectory, and of a finished ``diffusion_nvt`` run directory.

A run directory (``sei_lmp.decks.render_deck`` + ``sei_lmp.run.run_deck``) holds ``manifest.json``
(element of each LAMMPS type, settings with temperature and time step) and ``production.dump``
(``id type xu yu zu``, appended on resume). :func:`analyze_run` turns it into one table row per species.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from sei_lmp.analysis.transport.conductivity import (
    DEFAULT_CHARGES,
    collective_conductivity,
    nernst_einstein_mS_cm,
    onsager,
)
from sei_lmp.analysis.transport.fit import DiffusionFit, fit_diffusion, judge, parse_window
from sei_lmp.analysis.transport.msd import COMPONENTS, msd_fft, msd_fft_weighted, region_weights
from sei_lmp.analysis.transport.notes import warn_all
from sei_lmp.analysis.unfinished import missing_output_reason, run_state
from sei_lmp.errors import ConfigurationError
from sei_lmp.io.trajectory import Trajectory, read_trajectory
from sei_lmp.run.directory import Manifest, RunDirectory
from sei_lmp.run.layout import PRODUCTION_DUMP
from sei_lmp.units import A2_PER_PS_TO_CM2_PER_S, A3_TO_CM3

__all__ = ["DUMP_NAMES", "TransportResult", "analyze_run", "analyze_trajectory", "transport_run"]

DUMP_NAMES = (PRODUCTION_DUMP, f"{PRODUCTION_DUMP}.gz")
#: below this MSD (A^2) a run has not left the vibrational regime
MIN_MSD_A2 = 4.0


@dataclass
class TransportResult:
    """Everything a transport analysis computed: the tidy table plus curves and fits for plots."""

    table: pd.DataFrame
    msd: dict[str, pd.DataFrame]                 # species (or species@region) -> MSD curves
    fits: dict[str, DiffusionFit]
    onsager: pd.DataFrame | None = None
    info: dict = field(default_factory=dict)

    @property
    def name(self) -> str:
        """The run's name (its directory name), used in file names."""
        return str(self.table["run"].iloc[0])

    def plot(self, ax=None, title: str | None = None):
        """MSD vs t per species with its fit (no regions, no collective curve); returns the Axes."""
        from sei_lmp.analysis.transport.plots import plot_msd

        species = {k: v for k, v in self.msd.items() if "@" not in k and k != "collective"}
        return plot_msd(species, self.fits, ax=ax, title=self.name if title is None else title)

    def write(self, directory: str | Path) -> list[Path]:
        """``msd_<run>.png``, one ``msd_<run>_<curve>.csv`` per MSD curve (``@`` in a region key becomes
        ``_``) and ``onsager_<run>.csv`` when computed, into ``directory``; returns the paths written."""
        from sei_lmp.analysis.transport.plots import save

        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        name = self.name
        written = [directory / f"msd_{name}.png"]
        save(self.plot(), written[0])
        for key, curve in self.msd.items():
            written.append(directory / f"msd_{name}_{key.replace('@', '_')}.csv")
            curve.to_csv(written[-1], index=False)
        if self.onsager is not None:
            written.append(directory / f"onsager_{name}.csv")
            self.onsager.assign(run=name).to_csv(written[-1], index=False)
        return written


def _framework(traj: Trajectory, species: str, framework) -> list[str]:
    if framework is None or framework is False:
        return []
    if framework == "auto":
        return [e for e in traj.element_names if e != species]
    names = [framework] if isinstance(framework, str) else list(framework)
    unknown = [e for e in names if e not in traj.element_names]
    if unknown:
        raise ConfigurationError(f"framework elements {unknown} are not in the trajectory ({traj.element_names})")
    return [e for e in names if e != species]


def _curves(time_ps: np.ndarray, per_component: np.ndarray) -> pd.DataFrame:
    data = {"time_ps": time_ps}
    for name, (comps, _) in COMPONENTS.items():
        data[f"msd_{name}_A2"] = per_component[:, list(comps)].sum(axis=1)
    return pd.DataFrame(data)


def _region_edges(regions) -> np.ndarray:
    if isinstance(regions, int):
        if regions < 1:
            raise ConfigurationError("regions must be a positive number of slabs or a list of fractional edges")
        return np.linspace(0.0, 1.0, regions + 1)
    edges = np.asarray(regions, dtype=float)
    if edges.ndim != 1 or len(edges) < 2 or np.any(np.diff(edges) <= 0) or edges[0] < 0 or edges[-1] > 1:
        raise ConfigurationError(f"region edges {list(edges)} must increase within [0, 1] (fractions of the c axis)")
    return edges


#: blocks are at least this many times the onset of the diffusive regime long (the time the MSD's log-log slope
#: takes to reach 1: the mean residence time of rare hops, or the correlation time of a liquid)
BLOCK_ONSETS = 3.0


def _block_fits(time: np.ndarray, positions: np.ndarray, drift, window, n_blocks: int, whole: DiffusionFit,
                hop_length_A: float | None, min_hops: float) -> dict[str, DiffusionFit] | None:
    """Block averaging: D per component from independent stretches of the run (all-origins MSD and an ordinary
    least-squares slope in each), reported as the mean with the standard error of the blocks, widened by
    t_{n-1} / z so that D +- 1.96 err is a 95 % interval like every other error here.

    Makes no assumption about the motion, so it stays honest where the random-walk covariance of the GLS fit
    does not hold (one mobile defect among many vibrating atoms). ``whole`` is the GLS fit of the whole run:
    blocks are only made when it measured a D, and each block is at least :data:`BLOCK_ONSETS` times the onset
    of its diffusive window long (never a few residence times of a rare hop). Returns None, with the reason in
    ``whole.notes``, when fewer than 2 such blocks fit into the run: the caller keeps the whole-run fit."""
    if not whole.measured:
        return None
    # a window given by hand says where diffusion starts; else the onset the whole run showed
    onset = window[0] if window is not None and window[0] is not None else \
        whole.onset_ps if np.isfinite(whole.onset_ps) else whole.fit_start_ps
    dt = time[1] - time[0]
    min_length = max(10, int(np.ceil(BLOCK_ONSETS * onset / dt)) + 1)
    n_blocks = min(n_blocks, len(time) // min_length)
    if n_blocks < 2:
        whole.notes.append(f"no block errors: blocks would be shorter than {BLOCK_ONSETS:g} x the {onset:.3g} ps the "
                           f"MSD takes to become diffusive (run >= {2 * BLOCK_ONSETS * onset:.3g} ps for 2 blocks); "
                           "error from the GLS fit of the whole run")
        return None
    length = len(time) // n_blocks
    block_time = time[:length] - time[0]
    per_block = [msd_fft(positions[k * length:(k + 1) * length],
                         None if drift is None else drift[k * length:(k + 1) * length]) for k in range(n_blocks)]
    mean_xyz = np.mean([b.sum(axis=1) for b in per_block], axis=0)
    if window is None:      # the whole run's onset, to half a block
        window = (min(onset, 0.6 * block_time[-1] / 2), block_time[-1] / 2)
    reference = fit_diffusion(block_time, mean_xyz, n_atoms=positions.shape[1], window=window, method="ols")
    fits = {}
    for name, (comps, ndim) in COMPONENTS.items():
        values = [fit_diffusion(block_time, b[:, list(comps)].sum(axis=1), n_atoms=positions.shape[1], ndim=ndim,
                                window=(reference.fit_start_ps, reference.fit_end_ps), method="ols").D_cm2_s
                  for b in per_block]
        # the standard error of n blocks has n - 1 degrees of freedom: stated so that +-1.96 err is the Student
        # 95 % interval (the plain SE of 5 blocks covered 82 % in benchmarks/msd_interval_coverage.py)
        mean = float(np.mean(values))
        widen = stats.t.ppf(0.975, n_blocks - 1) / stats.norm.ppf(0.975)
        err = float(np.std(values, ddof=1) / np.sqrt(n_blocks)) * widen
        notes = (list(whole.notes) + list(reference.notes)) if name == "xyz" else []
        if mean <= 0:
            notes.append("non-positive MSD slope: no measurable diffusion in this run")
        fit = DiffusionFit(D_cm2_s=mean, D_err_cm2_s=err, slope_A2_ps=mean * 2 * ndim / A2_PER_PS_TO_CM2_PER_S,
                           intercept_A2=reference.intercept_A2, fit_start_ps=reference.fit_start_ps,
                           fit_end_ps=reference.fit_end_ps, n_points=reference.n_points, chi2_red=np.nan,
                           method=f"blocks{n_blocks}", ndim=ndim, notes=notes)
        mean_curve = np.mean([b[:, list(comps)].sum(axis=1) for b in per_block], axis=0)
        fits[name] = judge(fit, block_time, mean_curve, n_atoms=positions.shape[1], hop_length_A=hop_length_A,
                           min_hops=min_hops, duration_ps=float(time[-1] - time[0]))
    return fits


#: the GLS error check uses up to this many blocks, and needs at least MIN_CHECK_BLOCKS
CHECK_BLOCKS, MIN_CHECK_BLOCKS = 8, 4


def _gls_block_check(time: np.ndarray, positions: np.ndarray, drift, window, whole: DiffusionFit) -> tuple[float, int]:
    """How far the GLS error holds on this run: the scatter of D over independent time blocks (each at least
    :data:`BLOCK_ONSETS` onsets of the diffusive regime long, GLS in each) over the root-mean-square of their
    stated errors. About 1 where the random-walk covariance holds; above 1 where atoms do not move
    independently (collective motion) or the run is not stationary (a slow drift of D between stretches).
    Returns (ratio, blocks); NaN, 0 when the run is too short for :data:`MIN_CHECK_BLOCKS` such blocks or D is
    not measured."""
    if not whole.measured:
        return float("nan"), 0
    onset = window[0] if window is not None and window[0] is not None else \
        whole.onset_ps if np.isfinite(whole.onset_ps) else whole.fit_start_ps
    dt = time[1] - time[0]
    n_blocks = min(CHECK_BLOCKS, len(time) // max(20, int(np.ceil(BLOCK_ONSETS * onset / dt)) + 1))
    if n_blocks < MIN_CHECK_BLOCKS:
        return float("nan"), 0
    length = len(time) // n_blocks
    block_time = time[:length] - time[0]
    values, errors = [], []
    for k in range(n_blocks):
        sl = slice(k * length, (k + 1) * length)
        curve = msd_fft(positions[sl], None if drift is None else drift[sl]).sum(axis=1)
        end = block_time[-1] / 2
        fit = fit_diffusion(block_time, curve, n_atoms=positions.shape[1], window=(min(onset, 0.6 * end), end))
        values.append(fit.D_cm2_s)
        errors.append(fit.D_err_cm2_s)
    return float(np.std(values, ddof=1) / np.sqrt(np.mean(np.square(errors)))), n_blocks


def analyze_trajectory(traj: Trajectory, temperature_K: float, *, species: Sequence[str] | None = None,
                       framework="auto", window=None, method: str = "gls",
                       charges: Mapping[str, float] | None = None, regions=None, hop_length_A: float = 2.5,
                       run: str = "", onsager_terms: bool = True, n_blocks: int = 5, min_hops: float = 10.0,
                       min_msd_A2: float = 0.0) -> TransportResult:
    """Diffusion (tracer, directional, region-resolved) and conductivity of the atoms read in ``traj``.

    ``framework``: "auto" (every other element), a list of elements, or None: the centre-of-mass drift of
    those atoms is removed. ``charges``: formal charge per element (default Li/Na/K +1); Nernst-Einstein
    columns are filled for charged species, collective conductivity from all charged species.
    ``method``: "gls" (random-walk covariance, the default), "ols" (naive errors, for comparison) or "blocks"
    (mean and standard error over ``n_blocks`` independent stretches of the run: for rare-event motion such as
    one interstitial among many atoms, where the random-walk covariance does not hold; blocks are never
    shorter than :data:`BLOCK_ONSETS` times the onset of the diffusive regime, else the whole-run GLS fit is
    kept, said in the notes and ``D_method``).

    Whether the data support a D at all is judged per species (see :mod:`sei_lmp.analysis.transport.fit`): the
    window starts where the MSD's log-log slope has reached 1 (and the MSD ``min_msd_A2``), and the slope must
    imply at least ``min_hops`` hops of ``hop_length_A`` over the run, summed over the species' atoms. Else
    D_cm2_s is NaN (so an Arrhenius fit leaves the row out), ``D_status`` is upper_bound / not_diffusive,
    ``D_upper_cm2_s`` bounds D and ``D_note`` says why and what would give a D (run longer or hotter).
    ``effective_hops`` is that hop count (n_atoms 2 d D t_run / hop_length^2).

    With ``method="gls"`` and a run of at least :data:`MIN_CHECK_BLOCKS` blocks of 3 onsets, the GLS error is
    checked against the scatter of D over those blocks (``D_err_block_ratio``: about 1 when it holds) and
    scaled up by that ratio where the scatter is significantly larger (atoms that do not move independently,
    a run that is not stationary; on an 800-ps LJ argon run the plain GLS interval of 40-ps stretches is about
    half as wide as their scatter: ``benchmarks/msd_interval_coverage.py``).
    """
    window = parse_window(window)
    charges = dict(DEFAULT_CHARGES if charges is None else charges)
    species = list(species) if species is not None else sorted(set(traj.elements.tolist()))
    time = traj.time_ps
    volume = float(traj.volumes_A3.mean())
    composition = "".join(f"{e}{n if n > 1 else ''}" for e, n in zip(traj.element_names, traj.element_counts))
    pure = traj.element_names[0] if len(traj.element_names) == 1 else composition
    rows, curves, fits = [], {}, {}
    for sp in species:
        positions = traj.select(sp)
        fw = _framework(traj, sp, framework)
        drift = traj.com(fw) if fw else None
        per_comp = msd_fft(positions, drift)
        curve = _curves(time, per_comp)
        curves[sp] = curve
        n_atoms = positions.shape[1]
        row = {"run": run, "temperature_K": float(temperature_K), "species": sp, "region": "all",
               "n_atoms": n_atoms}
        gate = {"hop_length_A": hop_length_A, "min_hops": min_hops, "min_msd_A2": min_msd_A2}
        whole = fit_diffusion(time, curve["msd_xyz_A2"].to_numpy(), n_atoms=n_atoms, ndim=3, window=window,
                              method="gls" if method == "blocks" else method, **gate)
        blocks = _block_fits(time, positions, drift, window, n_blocks, whole, hop_length_A, min_hops) \
            if method == "blocks" else None
        ratio, n_check = _gls_block_check(time, positions, drift, window, whole) if method == "gls" else (np.nan, 0)
        # the stated error grows by the ratio where the blocks scatter significantly more than it says
        # (chi^2 test at 95 % on the n_check - 1 degrees of freedom of their spread)
        inflate = ratio if n_check and ratio ** 2 > stats.chi2.ppf(0.95, n_check - 1) / (n_check - 1) else 1.0
        if inflate > 1:
            whole.D_err_cm2_s *= inflate
            whole.notes.append(f"GLS error scaled by {inflate:.2f}: D scatters that much more over {n_check} "
                               "independent blocks of the run than the random-walk error says (correlated atoms)")
        row["D_err_block_ratio"] = ratio
        for name, (_, ndim) in COMPONENTS.items():
            if blocks:
                fit = blocks[name]
            elif name == "xyz":
                fit = whole
            else:
                fit = fit_diffusion(time, curve[f"msd_{name}_A2"].to_numpy(), n_atoms=n_atoms, ndim=ndim,
                                    window=(whole.fit_start_ps, whole.fit_end_ps),
                                    method="gls" if method == "blocks" else method, **gate)
                fit.D_err_cm2_s *= inflate
                if not whole.measured:          # a direction is no better measured than the whole
                    fit.D_cm2_s = fit.D_err_cm2_s = np.nan
            if name == "xyz":
                fits[sp] = fit
                row.update(D_cm2_s=fit.D_cm2_s, D_err_cm2_s=fit.D_err_cm2_s, D_status=fit.status,
                           D_upper_cm2_s=fit.D_upper_cm2_s, D_note=fit.reason, fit_start_ps=fit.fit_start_ps,
                           fit_end_ps=fit.fit_end_ps, chi2_red=fit.chi2_red)
            else:
                row[f"D_{name}_cm2_s"] = fit.D_cm2_s
                row[f"D_{name}_err_cm2_s"] = fit.D_err_cm2_s
        fit = fits[sp]
        msd_end = float(np.interp(fit.fit_end_ps, time, curve["msd_xyz_A2"]))
        notes = list(fit.notes)
        if msd_end < MIN_MSD_A2 and fit.measured:
            notes.append(f"run too short: MSD reaches {msd_end:.2f} A^2 (< {MIN_MSD_A2:g} A^2) by the fit end, "
                         "atoms have barely left their sites")
        if fit.reason:
            notes.append(fit.reason if msd_end >= MIN_MSD_A2 else f"run too short: {fit.reason}")
        hops = fit.effective_hops
        charge = charges.get(sp)
        sigma = sigma_err = np.nan
        if charge is not None:
            sigma, sigma_err = nernst_einstein_mS_cm(np.array([fit.D_cm2_s, fit.D_err_cm2_s]), n_atoms, volume,
                                                     temperature_K, charge)
        row.update(msd_max_A2=msd_end, rms_displacement_A=float(np.sqrt(max(msd_end, 0.0))), effective_hops=hops,
                   charge_e=np.nan if charge is None else charge, carrier_density_cm3=n_atoms / (volume * A3_TO_CM3),
                   sigma_NE_mS_cm=sigma, sigma_NE_err_mS_cm=sigma_err, framework=",".join(fw),
                   volume_A3=volume, duration_ps=float(time[-1]), n_frames=traj.n_frames, composition=pure,
                   method=method, D_method=fit.method, notes="; ".join(notes))
        warn_all(f"{run or traj.source} {sp}", notes)
        rows.append(row)
        if regions is not None:
            rows += _region_rows(traj, positions, drift, sp, row, regions, window,
                                 "gls" if method == "blocks" else method, curves, fits, gate)
    table = pd.DataFrame(rows)
    result = TransportResult(table=table, msd=curves, fits=fits, info={"volume_A3": volume})
    _add_collective(result, traj, temperature_K, charges, framework, window, volume, onsager_terms)
    return result


def _region_rows(traj, positions, drift, sp, base, regions, window, method, curves, fits, gate) -> list[dict]:
    edges = _region_edges(regions)
    index = region_weights(positions, traj.cells, edges)
    rows = []
    for r in range(len(edges) - 1):
        label = f"c{edges[r]:.3g}-{edges[r + 1]:.3g}"
        weights = (index == r).astype(float)
        per_comp, _ = msd_fft_weighted(positions, weights, drift)
        curve = _curves(traj.time_ps, per_comp)
        mean_atoms = float(weights.mean(axis=0).sum())
        key = f"{sp}@{label}"
        curves[key] = curve
        row = {k: base[k] for k in ("run", "temperature_K", "species")}
        row.update(region=label, n_atoms=mean_atoms)
        if mean_atoms < 1:
            row["notes"] = "fewer than one atom in this region on average"
            rows.append(row)
            continue
        usable = ~np.isnan(curve["msd_xyz_A2"].to_numpy())
        fit = fit_diffusion(traj.time_ps[usable], curve["msd_xyz_A2"].to_numpy()[usable],
                            n_atoms=max(1, round(mean_atoms)), window=window, method=method, **gate)
        fits[key] = fit
        row.update(D_cm2_s=fit.D_cm2_s, D_err_cm2_s=fit.D_err_cm2_s, D_status=fit.status,
                   D_upper_cm2_s=fit.D_upper_cm2_s, D_note=fit.reason, fit_start_ps=fit.fit_start_ps,
                   fit_end_ps=fit.fit_end_ps, chi2_red=fit.chi2_red,
                   msd_max_A2=float(np.interp(fit.fit_end_ps, traj.time_ps, curve["msd_xyz_A2"])),
                   notes="; ".join(fit.notes + [fit.reason] if fit.reason else fit.notes))
        for name in ("z", "xy"):
            _, ndim = COMPONENTS[name]
            sub = fit_diffusion(traj.time_ps[usable], curve[f"msd_{name}_A2"].to_numpy()[usable],
                                n_atoms=max(1, round(mean_atoms)), ndim=ndim,
                                window=(fit.fit_start_ps, fit.fit_end_ps), method=method, **gate)
            row[f"D_{name}_cm2_s"], row[f"D_{name}_err_cm2_s"] = (sub.D_cm2_s, sub.D_err_cm2_s) if fit.measured \
                else (np.nan, np.nan)
        rows.append(row)
    return rows


def _add_collective(result: TransportResult, traj: Trajectory, temperature_K, charges, framework, window,
                    volume, onsager_terms) -> None:
    charged = [e for e in traj.element_names if e in charges]
    if not charged:
        return
    # framework drift: every uncharged element when "auto" (the host lattice of the carriers)
    fw = [e for e in traj.element_names if e not in charges] if framework == "auto" else \
        ([] if not framework else [framework] if isinstance(framework, str) else list(framework))
    drift = traj.com(fw) if fw else 0.0
    summed = {e: traj.element_sums[:, traj.element_names.index(e)]
              - traj.element_counts[traj.element_names.index(e)] * drift for e in traj.element_names}
    charge_positions = sum(charges[e] * summed[e] for e in charged)
    if window is None or None in window:
        # collective curves are too noisy for the log-log criterion: use the carriers' tracer window
        carrier = next((result.fits[e] for e in charged if e in result.fits), None)
        if carrier is not None:
            window = (carrier.fit_start_ps, carrier.fit_end_ps)
    coll = collective_conductivity(traj.time_ps, charge_positions, volume, temperature_K, window)
    table = result.table
    total_ne = table.loc[table["region"] == "all", "sigma_NE_mS_cm"].sum(min_count=1)
    total_ne_err = np.sqrt((table.loc[table["region"] == "all", "sigma_NE_err_mS_cm"] ** 2).sum(min_count=1))
    sigma, err = coll["sigma_mS_cm"], coll["sigma_err_mS_cm"]
    table["sigma_collective_mS_cm"] = sigma
    table["sigma_collective_err_mS_cm"] = err
    haven = total_ne / sigma if sigma > 0 else np.nan
    table["haven_ratio"] = haven
    table["haven_ratio_err"] = abs(haven) * np.hypot(total_ne_err / total_ne, err / sigma) if sigma > 0 else np.nan
    result.fits["collective"] = coll["fit"]
    result.msd["collective"] = pd.DataFrame({"time_ps": traj.time_ps, "msd_xyz_A2": coll["msd"]})
    if onsager_terms and len(traj.element_names) > 1:
        result.onsager = onsager(traj.time_ps, summed, volume, temperature_K, window)


def _manifest(run: RunDirectory) -> Manifest:
    if not run.has_manifest():
        raise ConfigurationError(f"{run.path} has no {run.manifest_path.name}: not a deck directory written by "
                                 "'sei-lmp deck' (analyse a dump directly with analyze_trajectory(read_trajectory(...)))")
    return run.manifest


def _note_unfinished(run: RunDirectory, run_dir: Path) -> None:
    """A note when the dump is that of a run that has not finished (failed, interrupted, still running): the
    analysis covers what was written so far. A run with the done marker, or results copied in without a
    journal, get none."""
    if run.is_done():
        return
    state = run_state(run)
    if state is None or state.state not in ("failed", "interrupted", "running"):
        return
    why = f" ({state.reason})" if state.reason else ""
    word = {"failed": "failed", "interrupted": "was interrupted", "running": "is still going"}[state.state]
    warn_all(str(run_dir), [f"the run {word}{why}: this analyses the part of {PRODUCTION_DUMP} written so far"
                            + ("" if state.state == "running" else f"; finish it with 'sei-lmp run {run_dir}'")])


@contextmanager
def _bars_closed_on_error(progress: bool):
    """End the progress bars that an error leaves open (tqdm draws no newline then), so that the error is a line
    of its own and not glued to the bar."""
    try:
        yield
    except BaseException:
        if progress:
            from tqdm import tqdm

            for bar in list(getattr(tqdm, "_instances", ())):
                bar.close()
        raise


def transport_run(run_dir: str | Path, species: Sequence[str] | None = None, *, framework="auto", window=None,
                  method: str = "gls", charges: Mapping[str, float] | None = None, regions=None,
                  hop_length_A: float = 2.5, dtype=np.float64, progress: bool = False,
                  onsager_terms: bool = True, n_blocks: int = 5, min_hops: float = 10.0,
                  min_msd_A2: float = 0.0) -> TransportResult:
    """Full :class:`TransportResult` of one finished ``diffusion_nvt`` run directory."""
    run_dir = Path(run_dir)
    run = RunDirectory(run_dir)
    manifest = _manifest(run)
    if manifest.protocol not in ("diffusion_nvt", ""):
        raise ConfigurationError(f"{run_dir} is a '{manifest.protocol}' deck; diffusion analysis reads "
                                 f"diffusion_nvt runs ({PRODUCTION_DUMP} with unwrapped coordinates)")
    dump = next((run_dir / n for n in DUMP_NAMES if (run_dir / n).is_file()), None)
    if dump is None:
        # a failed or interrupted run says so (with LAMMPS' reason) before the file it never wrote
        raise ConfigurationError(missing_output_reason(run, PRODUCTION_DUMP))
    temperature = manifest.setting("temperature_K", None)
    timestep_fs = manifest.setting("md.timestep_fs", None)
    if temperature is None or timestep_fs is None:
        raise ConfigurationError(f"{run.manifest_path} lacks settings.temperature_K (or temperature) or "
                                 "settings.md.timestep_fs")
    # before the dump is read (and its progress bar drawn): a species the deck has no atom type for
    elements = list(manifest.elements)
    absent = [s for s in (species or ()) if elements and s not in elements]
    if absent:
        raise ConfigurationError(f"{run_dir} has no {', '.join(absent)} atoms: its atom types are "
                                 f"{', '.join(elements)} ({run.manifest_path.name}); choose the species "
                                 "(--species) among them")
    _note_unfinished(run, run_dir)
    with _bars_closed_on_error(progress):
        traj = read_trajectory(dump, species=species, type_elements=elements, timestep_fs=timestep_fs,
                               dtype=dtype, progress=progress)
    result = analyze_trajectory(traj, temperature, species=species, framework=framework, window=window,
                                method=method, charges=charges, regions=regions, hop_length_A=hop_length_A,
                                run=run_dir.name, onsager_terms=onsager_terms, n_blocks=n_blocks,
                                min_hops=min_hops, min_msd_A2=min_msd_A2)
    result.info.update(run_dir=str(run_dir), dump=str(dump), timestep_fs=timestep_fs)
    return result


def analyze_run(run_dir: str | Path, species: Sequence[str] | None = None, **options) -> pd.DataFrame:
    """Tidy table of one finished diffusion run: one row per species (and region when ``regions`` is given).

    Columns include run, temperature_K, species, region, n_atoms, D_cm2_s, D_err_cm2_s (NaN where the data
    support no D), D_status, D_upper_cm2_s, D_note, D_method, fit_start_ps,
    fit_end_ps, msd_max_A2, effective_hops, directional D_x/D_y/D_z/D_xy, sigma_NE_mS_cm (charged species),
    sigma_collective_mS_cm, haven_ratio and notes. Options: see :func:`transport_run`.
    """
    return transport_run(run_dir, species, **options).table
