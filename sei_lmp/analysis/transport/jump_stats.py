"""Jump statistics: rates with exact Poisson intervals, D from jumps, correlation factors, and the
:class:`JumpAnalysis` of a trajectory or run directory.

Rates. N jumps of one type in an exposure T (carrier-ps: run time x number of carriers) give the rate N/T
with the exact (Garwood) interval from chi-square quantiles, [chi2(a/2; 2N)/2, chi2(1-a/2; 2N+2)/2] / T.
With N = 0 the result is a one-sided upper limit, chi2(1-a; 2)/2 / T = -ln(a) / T (3.0/T at 95 %), never a
NaN.

D from jumps. D = sum_types Gamma_type <lambda^2>_type / (2 d) is a weighted sum of independent Poisson
counts; its interval is the gamma interval of Fay and Feuer (Stat. Med. 16, 791 (1997)), which reduces to
the exact interval for one type. Jump lengths are taken as known (they are lattice geometry).

Correlation. Successive jumps of one carrier with mean cosine <cos theta> give f = (1 + <cos>) / (1 - <cos>)
(exact when the turn between successive jumps is independent of the earlier ones, e.g. a walk with a fixed
back-jump probability); the interval comes from the standard error of the mean cosine. The tracer D is
f x D_uncorrelated, its interval combined on a log scale.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from sei_lmp.analysis.transport.jumps import (DIRECT, HOP, INTERSTITIALCY_CHAIN, INTERSTITIALCY_COLLINEAR,
                                              INTERSTITIALCY_NONCOLLINEAR, VACANCY, classify_jumps, defect_paths, defect_sites, jump_events,
                                              mechanism_events, residence_frames, site_counts)
from sei_lmp.analysis.transport.msd import msd_fft
from sei_lmp.analysis.transport.poisson import poisson_interval, weighted_poisson_interval
from sei_lmp.analysis.transport.sites import LATTICE, Sites, assign_sites, cluster_sites
from sei_lmp.errors import ConfigurationError
from sei_lmp.units import A2_PER_PS_TO_CM2_PER_S

__all__ = ["JumpAnalysis", "correlation_factor", "jump_analysis", "msd_slope_D"]

#: an f interval wider than this factor is no measurement (too few successive-jump pairs)
F_MAX_SPREAD = 100.0
#: types a defect carries (exposure = run time x number of defects); every other type is carried by atoms
INTERSTITIAL_TYPES = (DIRECT, INTERSTITIALCY_COLLINEAR, INTERSTITIALCY_NONCOLLINEAR, INTERSTITIALCY_CHAIN)


def correlation_factor(vectors: np.ndarray, carrier: np.ndarray, confidence: float = 0.95) -> dict:
    """f = (1 + <cos>) / (1 - <cos>) from successive jump ``vectors`` (n, 3, in time order) of each ``carrier``.

    Returns f, f_lo, f_hi, mean_cos and n_pairs; with fewer than 2 pairs f is 1 and the interval NaN (not
    measured).
    """
    vectors = np.asarray(vectors, float).reshape(-1, 3)
    carrier = np.asarray(carrier)
    order = np.argsort(carrier, kind="stable")
    v, c = vectors[order], carrier[order]
    same = c[1:] == c[:-1]
    a, b = v[:-1][same], v[1:][same]
    norm = np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1)
    ok = norm > 1e-12
    cos = np.einsum("ij,ij->i", a[ok], b[ok]) / norm[ok]
    n = len(cos)
    if n < 2:
        return {"f": 1.0, "f_lo": np.nan, "f_hi": np.nan, "mean_cos": np.nan, "n_pairs": n}
    m = float(cos.mean())
    half = float(stats.t.ppf(0.5 + confidence / 2, n - 1) * cos.std(ddof=1) / np.sqrt(n))
    lo, hi = np.clip([m - half, m + half], -1 + 1e-9, 1 - 1e-9)
    f = lambda x: (1 + x) / (1 - x)                      # noqa: E731  (monotone in x)
    return {"f": f(np.clip(m, -1 + 1e-9, 1 - 1e-9)), "f_lo": f(lo), "f_hi": f(hi), "mean_cos": m, "n_pairs": n}


def msd_slope_D(time_ps: np.ndarray, positions: np.ndarray, dim: int = 3, start: float = 0.1,
                end: float = 0.5) -> float:
    """D (A^2/ps) from the slope of the all-origins MSD between ``start`` and ``end`` of the run (fractions):
    a plain cross-check, not the transport fit."""
    if positions.shape[1] == 0 or len(time_ps) < 4:
        return np.nan
    msd = msd_fft(positions)[:, :dim].sum(axis=1)
    lag = time_ps - time_ps[0]
    sel = (lag >= start * lag[-1]) & (lag <= end * lag[-1])
    if sel.sum() < 2:
        return np.nan
    return float(np.polyfit(lag[sel], msd[sel], 1)[0] / (2 * dim))


def _combine_log(est, lo, hi, f, f_lo, f_hi):
    """Interval of est x f from the two intervals, adding log half-widths in quadrature."""
    if not np.isfinite(f_lo) or not np.isfinite(f_hi):
        return est * f, lo * f, hi * f
    if est <= 0:
        return 0.0, 0.0, hi * max(f_hi, 1.0)
    up = np.hypot(np.log(hi / est), np.log(f_hi / f))
    down = np.hypot(np.log(est / lo) if lo > 0 else np.inf, np.log(f / f_lo) if f_lo > 0 else np.inf)
    return est * f, est * f * np.exp(-down), est * f * np.exp(up)


@dataclass
class JumpAnalysis:
    """Jumps of one species in one trajectory.

    Attributes
    ----------
    events
        one row per atomic jump: time_ps, left_ps, frame, atom, from_site, to_site, from_kind, to_kind,
        dx_A, dy_A, dz_A, length_A, type, pair (interstitialcy partners share a pair number).
    mechanisms
        one row per mechanism event (an interstitialcy pair is one event; vector = the defect's move).
    rates
        one row per jump type: n_events, carriers, exposure_ps (carrier-ps), rate_per_ps with rate_lo_per_ps /
        rate_hi_per_ps (exact Poisson, ``confidence``), limit ("upper" when no event was seen), lambda2_A2
        (mean squared jump length of the carrier) and D_A2_ps (the type's Gamma lambda^2 / 2d).
    diffusion
        one row per (carrier, method): D_A2_ps, D_lo_A2_ps, D_hi_A2_ps, D_cm2_s, D_lo_cm2_s, D_hi_cm2_s,
        limit, f, f_lo, f_hi, n_events, note. Carriers are the atoms (tracer) and the tracked defects;
        methods: ``jumps`` (uncorrelated), ``jumps x f`` (tracer) and ``msd`` (slope of the whole run).
    defects
        per frame: time_ps, n_vacancies, n_interstitials.
    defect_events, defect_path
        jumps of the tracked defects and their unwrapped paths (n_frames, n_defects, 3), A.
    info
        species, n_atoms, run_time_ps, r_capture_A, min_residence_ps, temperature_K, confidence, dim, notes.
    """

    events: pd.DataFrame
    mechanisms: pd.DataFrame
    rates: pd.DataFrame
    diffusion: pd.DataFrame
    defects: pd.DataFrame
    defect_events: pd.DataFrame
    defect_path: np.ndarray
    info: dict = field(default_factory=dict)

    @property
    def notes(self) -> list[str]:
        return self.info.get("notes", [])

    def headline(self, carrier: str = "atoms") -> str:
        """One line for a report: the tracer D with its interval, or its upper limit when nothing jumped."""
        rows = self.diffusion[(self.diffusion["carrier"] == carrier) & (self.diffusion["method"] == "jumps x f")]
        if rows.empty:
            return f"no {carrier} row"
        r = rows.iloc[0]
        pct = f"{100 * self.info.get('confidence', 0.95):.0f} %"
        who = self.info.get("species", "") + ("" if carrier == "atoms" else f" {carrier}")
        if r["limit"] == "upper":
            return (f"D({who}) < {r['D_hi_cm2_s']:.2g} cm^2/s ({pct} upper limit: "
                    f"no jumps in {self.info.get('run_time_ps', np.nan):.4g} ps)")
        return (f"D({who}) = {r['D_cm2_s']:.3g} cm^2/s ({pct}: {r['D_lo_cm2_s']:.3g} to "
                f"{r['D_hi_cm2_s']:.3g}) from {int(r['n_events'])} jumps, f = {r['f']:.2f}")

    def plot(self, ax=None, title: str | None = None):
        """Jump timeline: one line per atom, a marker at each jump coloured by its type; returns the Axes."""
        from sei_lmp.analysis.figures import new_axes

        if ax is None:
            ax = new_axes((7.5, 3.5), layout="constrained")
        ax.hlines(np.arange(self.info.get("n_atoms", 0)), 0, self.info.get("run_time_ps", 0), color="0.9", lw=0.5,
                  zorder=0)
        for name, group in self.events.groupby("type", sort=True):
            ax.scatter(group["time_ps"], group["atom"], s=12, label=f"{name} ({len(group)})", zorder=2)
        if self.events.empty:
            ax.text(0.5, 0.5, "no jumps", transform=ax.transAxes, ha="center", va="center")
        else:
            ax.legend(fontsize="small", loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
        ax.set_xlabel("time (ps)")
        ax.set_ylabel(f"{self.info.get('species', '')} atom")
        ax.set_title(self.info.get("name", "") if title is None else title)
        return ax

    def write(self, directory: str | Path, prefix: str = "jumps") -> list[Path]:
        """``<prefix>_events.csv``, ``_rates.csv``, ``_diffusion.csv``, ``_defects.csv``, ``_summary.json``
        and ``_timeline.png`` into ``directory``; returns the paths written."""
        from sei_lmp.analysis.figures import save_figure

        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        written = []
        for name, table in (("events", self.events), ("rates", self.rates), ("diffusion", self.diffusion),
                            ("defects", self.defects), ("defect_events", self.defect_events)):
            written.append(directory / f"{prefix}_{name}.csv")
            table.to_csv(written[-1], index=False)
        written.append(directory / f"{prefix}_summary.json")
        summary = {k: v for k, v in self.info.items() if isinstance(v, (str, int, float, list, type(None)))}
        summary["headline"] = self.headline()
        written[-1].write_text(json.dumps(summary, indent=1, default=float))
        written.append(directory / f"{prefix}_timeline.png")
        save_figure(self.plot(), written[-1], dpi=150)
        return written


def _rate_rows(mech: pd.DataFrame, types: Sequence[str], exposure: dict, carriers: dict, fallback_l2: float,
               dim: int, confidence: float) -> pd.DataFrame:
    rows = []
    for name in types:
        sel = mech[mech["type"] == name]
        n, T = len(sel), exposure[name]
        lo, hi = poisson_interval(n, confidence, zero_one_sided=True)
        l2 = float((sel["length_A"] ** 2).mean()) if n else fallback_l2
        rate = n / T if T > 0 else np.nan
        rows.append({"type": name, "n_events": n, "carriers": carriers[name], "exposure_ps": T,
                     "rate_per_ps": rate, "rate_lo_per_ps": lo / T if T > 0 else np.nan,
                     "rate_hi_per_ps": hi / T if T > 0 else np.nan, "limit": "upper" if n == 0 else "",
                     "lambda2_A2": l2, "D_A2_ps": rate * l2 / (2 * dim) if T > 0 else np.nan})
    return pd.DataFrame(rows)


def _d_rows(carrier: str, rates: pd.DataFrame, vectors: np.ndarray, who: np.ndarray, msd_D: float, dim: int,
            confidence: float, note: str) -> list[dict]:
    use = rates[rates["exposure_ps"] > 0]
    if use.empty:
        return [{"carrier": carrier, "method": m, "D_A2_ps": np.nan, "D_lo_A2_ps": np.nan, "D_hi_A2_ps": np.nan,
                 "limit": "", "f": np.nan, "f_lo": np.nan, "f_hi": np.nan, "n_events": 0,
                 "note": f"no {carrier} to follow"} for m in ("jumps", "jumps x f", "msd")]
    weights = use["lambda2_A2"].to_numpy() / (2 * dim * use["exposure_ps"].to_numpy())
    est, lo, hi = weighted_poisson_interval(use["n_events"].to_numpy(), weights, confidence)
    n = int(use["n_events"].sum())
    limit = "upper" if n == 0 else ""
    corr = correlation_factor(vectors, who, confidence)
    f_note = note
    if not np.isfinite(corr["f_lo"]):
        f_note = (note + "; " if note else "") + f"f not measured ({corr['n_pairs']} successive-jump pairs): taken as 1"
    elif corr["f_lo"] <= 0 or corr["f_hi"] / corr["f_lo"] > F_MAX_SPREAD:
        # a handful of pairs leaves <cos> anywhere in (-1, 1): such an f would only widen D by decades
        f_note = (note + "; " if note else "") + (
            f"f not measured: {corr['n_pairs']} successive-jump pairs leave it between {corr['f_lo']:.2g} and "
            f"{corr['f_hi']:.2g}: taken as 1 (more jumps measure it)")
        corr = {**corr, "f": 1.0, "f_lo": np.nan, "f_hi": np.nan}
    t_est, t_lo, t_hi = _combine_log(est, lo, hi, corr["f"], corr["f_lo"], corr["f_hi"])
    base = {"carrier": carrier, "limit": limit, "n_events": n}
    return [dict(base, method="jumps", D_A2_ps=est, D_lo_A2_ps=lo, D_hi_A2_ps=hi, f=np.nan, f_lo=np.nan,
                 f_hi=np.nan, note=note),
            dict(base, method="jumps x f", D_A2_ps=t_est, D_lo_A2_ps=t_lo, D_hi_A2_ps=t_hi, f=corr["f"],
                 f_lo=corr["f_lo"], f_hi=corr["f_hi"], note=f_note),
            dict(base, method="msd", D_A2_ps=msd_D, D_lo_A2_ps=np.nan, D_hi_A2_ps=np.nan, limit="", f=np.nan,
                 f_lo=np.nan, f_hi=np.nan, note="slope of the all-origins MSD over 10-50 % of the run (a check)")]


def _shortest_site_distance(sites: Sites, cell: np.ndarray) -> float:
    from sei_lmp.analysis.transport.sites import _site_tree

    tree, _ = _site_tree(sites, cell)
    d, _ = tree.query(sites.frac @ cell, k=2)
    return float(d[:, 1].min())


def _load(source, species: str, timestep_fs, frame_interval_ps):
    """A Trajectory (of ``species``) and the temperature (None when unknown) from a Trajectory, a run
    directory or a dump file."""
    from sei_lmp.io.trajectory import Trajectory, read_trajectory

    if isinstance(source, Trajectory):
        return source, source.info.get("temperature_K")
    path = Path(source)
    if path.is_dir():
        from sei_lmp.run.directory import RunDirectory

        run = RunDirectory(path)
        if not run.has_manifest():
            raise ConfigurationError(f"{path} is no run directory written by 'sei-lmp deck' (no manifest)")
        dump = run.production_dump
        if not dump.is_file() and dump.with_name(dump.name + ".gz").is_file():
            dump = dump.with_name(dump.name + ".gz")
        if not dump.is_file():
            from sei_lmp.analysis.unfinished import missing_output_reason

            raise ConfigurationError(missing_output_reason(run, dump.name))
        manifest = run.manifest
        traj = read_trajectory(dump, species=[species], type_elements=list(manifest.elements),
                               timestep_fs=manifest.timestep_fs)
        return traj, manifest.temperature_K
    return read_trajectory(path, species=[species], timestep_fs=timestep_fs,
                           frame_interval_ps=frame_interval_ps), None


def jump_analysis(source, sites: Sites | None = None, species: str = "Li", *, r_capture_A: float | None = None,
                  min_residence_ps: float = 0.2, dim: int = 3, confidence: float = 0.95,
                  pair_window_ps: float = 0.5, collinear_cos: float = 0.9, classify: Callable | None = None,
                  carriers: str = "auto", hop_length_A: float | None = None, temperature_K: float | None = None,
                  timestep_fs: float | None = None, frame_interval_ps: float | None = None,
                  cluster_options: dict | None = None, name: str = "") -> JumpAnalysis:
    """Jump analysis of the ``species`` atoms of a trajectory.

    Parameters
    ----------
    source
        a :class:`sei_lmp.io.Trajectory` (unwrapped positions, time in ps), a run directory (its production
        dump, elements, time step and temperature come from the run's manifest) or a dump file (give
        ``timestep_fs`` or ``frame_interval_ps``).
    sites
        a :class:`Sites` (e.g. :func:`rocksalt_sites`), an ``ase.Atoms`` whose ``species`` atoms are the
        lattice sites, or None: sites from clustered time-averaged positions (:func:`cluster_sites`,
        ``cluster_options``).
    r_capture_A, min_residence_ps
        an atom resides on a site after ``min_residence_ps`` within ``r_capture_A`` of it (default: 0.4 x the
        shortest site-site distance); rattles and recrossings are no jumps.
    carriers
        "atoms": every rate is per atom; "defects": interstitial mechanisms per interstitial, vacancy hops
        per vacancy; "auto": defects when the sites have non-lattice kinds, else atoms.
    hop_length_A
        the jump length used for limits when a type has no event (default: the shortest site-site distance).
    """
    traj, run_T = _load(source, species, timestep_fs, frame_interval_ps)
    positions = traj.select(species)
    time_ps = np.asarray(traj.time_ps, float)
    cells = np.asarray(traj.cells, float)
    n_frames, n_atoms = positions.shape[:2]
    notes: list[str] = []
    if sites is None:
        sites = cluster_sites(positions, cells[0], **(cluster_options or {}))
        notes.append(f"{len(sites)} sites from clustered time-averaged positions")
    elif not isinstance(sites, Sites):
        sites = Sites.from_atoms(sites, species)
    ratio = abs(np.linalg.det(cells[0]) / np.linalg.det(sites.cell))
    if not 0.8 < ratio < 1.25:
        raise ConfigurationError(f"the sites were built for a cell of {abs(np.linalg.det(sites.cell)):.1f} A^3, "
                                 f"the trajectory's is {abs(np.linalg.det(cells[0])):.1f} A^3: build the sites "
                                 "for the simulated supercell")
    d_min = _shortest_site_distance(sites, cells[0])
    r_capture = 0.4 * d_min if r_capture_A is None else float(r_capture_A)
    site, dist = assign_sites(positions, cells, sites, max_distance_A=r_capture)
    events, occupancy = jump_events(site, dist, time_ps, cells, sites, r_capture, min_residence_ps)
    events = classify_jumps(events, sites, n_atoms, pair_window_ps, collinear_cos, classify)
    mech = mechanism_events(events)

    # for defect counting, an atom sits on its first residence site until it is first seen to reside there
    placed = occupancy >= 0
    first_frame = np.argmax(placed, axis=0)
    before = np.arange(n_frames)[:, None] < first_frame[None, :]
    counts = site_counts(np.where(before, occupancy[first_frame, np.arange(n_atoms)][None, :], occupancy),
                         len(sites))
    inter, vac = defect_sites(counts, sites)
    resolved = (occupancy >= 0).all(axis=1)
    n_inter = np.array([len(x) for x in inter])
    n_vac = np.array([len(x) for x in vac])
    defects = pd.DataFrame({"time_ps": time_ps, "n_vacancies": n_vac, "n_interstitials": n_inter,
                            "all_atoms_placed": resolved})
    lattice_only = bool(sites.is_lattice().all())
    by_defects = (not lattice_only) if carriers == "auto" else carriers == "defects"

    # exposure: from each atom's first residence to the last frame at which a jump can still be seen
    k = residence_frames(time_ps, min_residence_ps)
    t_end = time_ps[max(n_frames - k, 0)]
    first = np.where(placed.any(axis=0), time_ps[first_frame], t_end)
    atom_exposure = float(np.clip(t_end - first, 0, None).sum())
    run_time = float(t_end - time_ps[0])
    if lattice_only:
        types = [VACANCY if n_atoms > len(sites) / 2 else HOP]
    else:
        types = [DIRECT, INTERSTITIALCY_COLLINEAR, INTERSTITIALCY_NONCOLLINEAR]
    mean_inter, mean_vac = float(n_inter[:max(n_frames - k, 1)].mean()), float(n_vac[:max(n_frames - k, 1)].mean())
    if not lattice_only and mean_vac > 0:
        types.append(VACANCY)
    types += [t for t in mech["type"].unique() if t not in types]
    exposure, n_carriers = {}, {}
    for mechanism in types:
        if by_defects and mechanism in INTERSTITIAL_TYPES:
            n_carriers[mechanism], exposure[mechanism] = mean_inter, mean_inter * run_time
        elif by_defects and mechanism == VACANCY:
            n_carriers[mechanism], exposure[mechanism] = mean_vac, mean_vac * run_time
        else:
            n_carriers[mechanism], exposure[mechanism] = float(n_atoms), atom_exposure
    l2_fallback = (d_min if hop_length_A is None else float(hop_length_A)) ** 2
    rates = _rate_rows(mech, types, exposure, n_carriers, l2_fallback, dim, confidence)
    if (rates["exposure_ps"] <= 0).any():
        missing = rates.loc[rates["exposure_ps"] <= 0, "type"].tolist()
        notes.append(f"no carriers for {missing} (no such defect in the run): no rate")

    # tracer D of the atoms: atomic jump lengths per type, exposure per atom
    atom_types = sorted(events["type"].unique()) if len(events) else types[:1]
    atom_rates = _rate_rows(events, atom_types, dict.fromkeys(atom_types, atom_exposure),
                            dict.fromkeys(atom_types, float(n_atoms)), l2_fallback, dim, confidence)
    vectors = events[["dx_A", "dy_A", "dz_A"]].to_numpy()
    rows = _d_rows("atoms", atom_rates, vectors, events["atom"].to_numpy(),
                   msd_slope_D(time_ps, positions, dim), dim, confidence, "")

    path = np.zeros((n_frames, 0, 3))
    defect_events = pd.DataFrame()
    if not lattice_only or n_atoms > len(sites) / 2:
        per_frame = inter if (n_inter > 0).any() or not (n_vac > 0).any() else vac
        kind = "interstitial" if per_frame is inter else "vacancy"
        path, defect_events, n_def = defect_paths(per_frame, time_ps, cells, sites, min_residence_ps)
        sizes = np.array([len(x) for x in per_frame])
        other = float(np.mean(sizes != n_def)) if n_def else 0.0
        if other > 0:
            notes.append(f"the number of {kind}s differs from {n_def} in {100 * other:.0f} % of the frames "
                         "(Frenkel pairs, defects in transit): the defect path holds its last sites there and "
                         "may switch between defects, so its D is indicative only")
        if n_def:
            d_rates = _rate_rows(defect_events.assign(type=kind), [kind], {kind: n_def * run_time},
                                 {kind: float(n_def)}, l2_fallback, dim, confidence)
            rows += _d_rows(kind, d_rates, defect_events[["dx_A", "dy_A", "dz_A"]].to_numpy(),
                            defect_events["defect"].to_numpy(), msd_slope_D(time_ps, path, dim), dim, confidence,
                            f"{n_def} {kind}(s) followed")
    diffusion = pd.DataFrame(rows)
    for col in ("D", "D_lo", "D_hi"):
        diffusion[f"{col}_cm2_s"] = diffusion[f"{col}_A2_ps"] * A2_PER_PS_TO_CM2_PER_S
    if not len(events):
        notes.append(f"no {species} jumps in {run_time:.4g} ps: rates and D are {100 * confidence:.0f} % upper "
                     "limits")
    if not name:
        name = Path(source).name if isinstance(source, (str, Path)) else Path(str(traj.source)).stem
    info = {"name": name, "species": species, "n_atoms": int(n_atoms),
            "n_frames": int(n_frames), "n_sites": len(sites), "run_time_ps": run_time,
            "r_capture_A": r_capture, "min_residence_ps": float(min_residence_ps), "residence_frames": int(k),
            "temperature_K": temperature_K if temperature_K is not None else run_T, "confidence": confidence,
            "dim": dim, "n_jumps": int(len(events)), "notes": notes}
    return JumpAnalysis(events=events, mechanisms=mech, rates=rates, diffusion=diffusion, defects=defects,
                        defect_events=defect_events, defect_path=path, info=info)
