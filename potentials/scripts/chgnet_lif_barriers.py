"""Teacher (CHGNet) migration barriers of an interstitial Li in rocksalt LiF, with the protocol of
tests/decks/test_neb_lif.py and sei_lmp.analysis.neb.ase_neb, CHGNet in place of the LAMMPS ACE.

Needs CHGNet in its own environment (``pip install torch==2.13.0 chgnet``); run from the repository root
(1 thread; about an hour on one core):
    OMP_NUM_THREADS=1 <chgnet-venv>/bin/python -W ignore potentials/scripts/chgnet_lif_barriers.py

Results: chgnet_barriers.json in $CHGNET_BARRIERS_DIR (default: the working directory), rewritten after every
mechanism; relaxed end points and logs are cached there, so a restarted run skips them. Then
``python potentials/scripts/lif_barriers.py potentials/LiF_ace_chgnet.yace --teacher-json chgnet_barriers.json``
writes the numbers into the card.
"""

from __future__ import annotations

import json
import os
import sys
import time
import warnings
from pathlib import Path

for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "TORCH_NUM_THREADS"):
    os.environ.setdefault(var, "1")
warnings.filterwarnings("ignore")

import numpy as np
import torch

torch.set_num_threads(1)
torch.set_num_interop_threads(1)

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import ase
import chgnet
from ase.build import bulk
from ase.calculators.singlepoint import SinglePointCalculator
from ase.filters import FrechetCellFilter
from ase.geometry import find_mic
from ase.io import read, write
from ase.optimize import FIRE
from chgnet.model import CHGNet
from chgnet.model.dynamics import CHGNetCalculator

try:
    from ase.mep import NEB
except ImportError:  # older ase
    from ase.neb import NEB
from ase.utils.forcecurve import fit_images

from sei_lmp.structures.migration import FINAL, MECHANISMS, final_state, hop, images as band_images, interstitial_hop

RUNS = Path(os.environ.get("CHGNET_BARRIERS_DIR", ".")).resolve()
OUT = RUNS / "chgnet_barriers.json"
RUNS.mkdir(exist_ok=True)

IMAGES = 7
SPRING = 0.5
METHOD = "improvedtangent"
NEB_FMAX = 0.01
ISSUE_FMAX = 0.03
NEB_STEPS = 1000
ENDPOINT_FMAX = 0.005
ENDPOINT_FALLBACK_FMAX = 0.01
#: steps allowed for the 0.005 attempt before falling back to 0.01 (relax_endpoints' own cap is 5000; at
#: ~3 s per CHGNet call on one throttled core a non-converging 5000-step run would take hours)
ENDPOINT_STEPS = 1500
SYMMETRY_START = True
ORDER = ("interstitialcy_collinear", "direct", "interstitialcy_noncollinear")
assert set(ORDER) == set(MECHANISMS)


class CHGNetEF(CHGNetCalculator):
    """CHGNetCalculator that skips stress and magmoms (fixed-cell relaxations and NEB need energy and forces
    only; same energies/forces, ~30% cheaper)."""

    def calculate(self, atoms=None, properties=None, system_changes=None, task="ef"):
        super().calculate(atoms, properties, system_changes, task="ef")


def log(msg, fh=None):
    line = f"[{time.strftime('%H:%M:%S')}] {msg}"
    print(line, flush=True)
    if fh is not None:
        fh.write(line + "\n")
        fh.flush()


def fmax_of(atoms):
    return float(np.sqrt((atoms.get_forces() ** 2).sum(axis=1).max()))


def relax_state(state, model, name, logfh):
    """FIRE to ENDPOINT_FMAX (ENDPOINT_STEPS at most), then to ENDPOINT_FALLBACK_FMAX if that failed."""
    state.calc = CHGNetEF(model=model, use_device="cpu")
    opt = FIRE(state, logfile=str(RUNS / f"fire_{name}.log"))
    t = time.time()
    ok = bool(opt.run(fmax=ENDPOINT_FMAX, steps=ENDPOINT_STEPS))
    reached = ENDPOINT_FMAX
    if not ok:
        log(f"{name}: did not reach fmax {ENDPOINT_FMAX} in {ENDPOINT_STEPS} steps (at {fmax_of(state):.4f}); "
            f"going on to {ENDPOINT_FALLBACK_FMAX}", logfh)
        ok = bool(opt.run(fmax=ENDPOINT_FALLBACK_FMAX, steps=1000))
        reached = ENDPOINT_FALLBACK_FMAX
    if not ok:
        raise RuntimeError(f"{name} did not relax to {ENDPOINT_FALLBACK_FMAX}")
    out = {"fmax_target": reached, "fmax_reached": fmax_of(state), "steps": int(opt.nsteps),
           "energy_eV": float(state.get_potential_energy()), "wall_s": time.time() - t}
    log(f"{name}: relaxed {out}", logfh)
    return out


def symmetry_image(raw, relaxed_initial):
    """The relaxed initial state carried onto the hop's final state by a symmetry operation of the perfect
    crystal (x -> R x + t, R one of the 48 cubic point operations about a Li site, which is the origin here)
    that maps the unrelaxed initial state onto the unrelaxed final state atom for atom. The final end point
    is the same defect at another site, so this is its relaxed structure up to CHGNet's numerical noise;
    FIRE then relaxes it (to the same fmax) from there instead of from the unrelaxed guess."""
    import itertools

    x0 = raw.positions.copy()
    x1 = final_state(raw).positions
    z = raw.numbers
    cell, pbc = raw.cell, raw.pbc
    perfect = x0[:-1]
    # the defect of the final state: the atom furthest from every perfect-crystal site
    far = [find_mic(perfect - p, cell, pbc)[1].min() for p in x1]
    d = int(np.argmax(far))
    ops = []
    for perm in itertools.permutations(range(3)):
        for signs in itertools.product((1, -1), repeat=3):
            r = np.zeros((3, 3))
            for row, (col, sg) in enumerate(zip(perm, signs)):
                r[row, col] = sg
            ops.append(r)
    for r in ops:
        t = x1[d] - r @ x0[-1]
        mapped = x0 @ r.T + t
        pi = np.empty(len(z), int)
        ok = True
        for j, p in enumerate(mapped):
            dist = find_mic(x1 - p, cell, pbc)[1]
            i = int(np.argmin(dist))
            if dist[i] > 1e-3 or z[i] != z[j]:
                ok = False
                break
            pi[j] = i
        if not ok or len(set(pi.tolist())) != len(z):
            continue
        y = relaxed_initial.positions @ r.T + t
        out = np.empty_like(y)
        for j, i in enumerate(pi):
            out[i] = x1[i] + find_mic(y[j] - x1[i], cell, pbc)[0]
        return out
    raise RuntimeError("no symmetry operation maps the initial state onto the final state")


def relax_endpoints_cached(path, model, mechanism, logfh):
    """sei_lmp.structures.migration.relax_endpoints (FIRE on each end point, same report), with FIRE stopping at
    ENDPOINT_FMAX or the fallback, and the relaxed states cached on disk: the initial state of every mechanism is
    the same structure (the crystal + Li at void 0), so it is relaxed once."""
    relaxed, report = [], {}
    for name, state in (("initial", path.copy()), ("final", final_state(path))):
        state.arrays.pop(FINAL, None)
        start = state.positions.copy()
        key = "initial" if name == "initial" else f"final_{mechanism}"
        cache = RUNS / f"endpoint_{key}.extxyz"
        meta = RUNS / f"endpoint_{key}.json"
        if cache.exists() and meta.exists():
            cached = read(cache)
            info = json.loads(meta.read_text())
            if np.allclose(info["start_positions"], start, atol=1e-8):
                state.positions = cached.positions
                rep = info["report"]
                log(f"{mechanism} {name}: from cache {cache.name}", logfh)
            else:
                cached = None
        else:
            cached = None
        if cached is None:
            if name == "final" and SYMMETRY_START:
                state.positions = symmetry_image(path, relaxed[0])
                log(f"{mechanism} final: starting FIRE from the symmetry image of the relaxed initial state "
                    f"(moved {np.abs(state.positions - start).max():.3f} A from the unrelaxed guess)", logfh)
            rep = relax_state(state, model, f"{key}", logfh)
            rep["start"] = "symmetry image of the relaxed initial state" if name == "final" and SYMMETRY_START \
                else "unrelaxed hop end point"
            state.calc = None
            write(cache, state)
            meta.write_text(json.dumps({"start_positions": start.tolist(), "report": rep}))
        state.calc = None
        rep = dict(rep)
        rep["max_displacement_A"] = float(np.abs(state.positions - start).max())
        report[name] = rep
        relaxed.append(state)
    out = hop(relaxed[0], relaxed[1].positions, **path.info.get("hop", {}))
    out.info["hop"]["relaxation"] = report
    out.info["hop"]["reaction_energy_eV"] = report["final"]["energy_eV"] - report["initial"]["energy_eV"]
    return out


def band_state(band, neb):
    energies = np.array([im.get_potential_energy() for im in band])
    force = float(np.sqrt((neb.get_forces() ** 2).sum(axis=1).max()))
    gaps = [float(np.linalg.norm(find_mic(b.positions - a.positions, a.cell, a.pbc)[0]))
            for a, b in zip(band[:-1], band[1:])]
    rel = energies - energies[0]
    top = int(np.argmax(energies))
    inner = [float(rel[k]) for k in range(1, len(rel) - 1) if rel[k] < rel[k - 1] and rel[k] < rel[k + 1]]
    # true (unprojected) force along the local tangent of each interior image: at a saddle the image before the
    # top is pushed back (negative) and the one after forward (positive); around a metastable minimum the
    # neighbours are pushed towards it
    tangential = []
    for k in range(1, len(band) - 1):
        tau = find_mic(band[k + 1].positions - band[k - 1].positions, band[k].cell, band[k].pbc)[0]
        tau /= np.linalg.norm(tau)
        tangential.append(float((band[k].get_forces() * tau).sum()))
    # ASE's force-and-energy spline through the band (ase.utils.forcecurve.fit_images)
    copies = []
    for im in band:
        c = im.copy()
        c.calc = SinglePointCalculator(c, energy=im.get_potential_energy(), forces=im.get_forces())
        copies.append(c)
    fit = fit_images(copies)
    fit_e = np.asarray(fit.fit_energies)
    fit_inner = [float(fit_e[k]) for k in range(1, len(fit_e) - 1) if fit_e[k] < fit_e[k - 1] and fit_e[k] < fit_e[k + 1]]
    return {
        "barrier_eV": float(rel[top]),
        "barrier_reverse_eV": float(energies[top] - energies[-1]),
        "reaction_energy_eV": float(rel[-1]),
        "profile_eV": [float(x) for x in rel],
        "climbing_image": top + 1,
        "max_image_force_eV_A": force,
        "image_spacing_A": gaps,
        "path_length_A": float(sum(gaps)),
        "interior_minimum_eV": min(inner) if inner else None,
        "tangential_force_interior_eV_A": tangential,
        "fit_barrier_eV": float(fit_e.max()),
        "fit_interior_minimum_eV": min(fit_inner) if fit_inner else None,
    }


def run_neb(path, model, mechanism, logfh):
    band = band_images(path, IMAGES, method="linear")
    ckpt = RUNS / f"band_{mechanism}.extxyz"
    start_step = 0
    if ckpt.exists():
        saved = read(ckpt, index=":")
        if len(saved) == IMAGES and np.allclose(saved[0].positions, band[0].positions, atol=1e-6):
            for im, s in zip(band, saved):
                im.positions = s.positions
            start_step = int(saved[0].info.get("neb_step", 0))
            log(f"{mechanism}: NEB restarted from checkpoint at step {start_step} (FIRE state reset)", logfh)
    for im in band:
        im.calc = CHGNetEF(model=model, use_device="cpu")
    neb = NEB(band, climb=True, k=SPRING, method=METHOD)
    opt = FIRE(neb, logfile=str(RUNS / f"fire_neb_{mechanism}.log"))
    t = time.time()

    def observe():
        step = start_step + opt.nsteps
        if opt.nsteps % 10 == 0:
            e = np.array([im.get_potential_energy() for im in band])
            f = float(np.sqrt((neb.get_forces() ** 2).sum(axis=1).max()))
            log(f"{mechanism} step {step} fmax {f:.4f} E-E0 {np.round(e - e[0], 4).tolist()}", logfh)
        if opt.nsteps % 25 == 0:
            for im in band:
                im.info["neb_step"] = step
            write(ckpt, [im.copy() for im in band])

    opt.attach(observe, interval=1)
    budget = NEB_STEPS - start_step
    # first to the issue's fmax 0.03, recording the band there, then on to 0.01 with the same optimizer
    conv03 = bool(opt.run(fmax=ISSUE_FMAX, steps=budget))
    at03 = band_state(band, neb)
    at03.update(converged=conv03, steps=start_step + int(opt.nsteps), fmax_target=ISSUE_FMAX)
    log(f"{mechanism}: at fmax {ISSUE_FMAX}: {at03}", logfh)
    conv01 = False
    if conv03:
        conv01 = bool(opt.run(fmax=NEB_FMAX, steps=budget - opt.nsteps))
    at01 = band_state(band, neb)
    at01.update(converged=conv01, steps=start_step + int(opt.nsteps), fmax_target=NEB_FMAX)
    log(f"{mechanism}: at fmax {NEB_FMAX}: converged={conv01} {at01}", logfh)
    for im in band:
        im.info["neb_step"] = start_step + int(opt.nsteps)
    write(RUNS / f"band_{mechanism}_final.extxyz", [im.copy() for im in band])
    write(ckpt, [im.copy() for im in band])
    return at03, at01, time.time() - t


def main():
    logfh = open(RUNS / "progress.log", "a")
    t0 = time.time()
    model = CHGNet.load()
    model_version = str(model.version)
    log(f"chgnet {chgnet.__version__}, model {model_version}, ase {ase.__version__}, torch {torch.__version__}, "
        f"threads {torch.get_num_threads()}", logfh)

    # a0: conventional cell, FrechetCellFilter + FIRE
    a0_cache = RUNS / "a0.json"
    if a0_cache.exists():
        a0_info = json.loads(a0_cache.read_text())
    else:
        cell = bulk("LiF", "rocksalt", a=4.05, cubic=True)
        cell.calc = CHGNetCalculator(model=model, use_device="cpu")
        filt = FrechetCellFilter(cell)
        opt = FIRE(filt, logfile=str(RUNS / "fire_a0.log"))
        reached_target = None
        for target in (1e-4, 3e-4, 1e-3):
            if opt.run(fmax=target, steps=2000):
                reached_target = target
                break
            log(f"a0: did not reach fmax {target} (at {float(np.sqrt((filt.get_forces() ** 2).sum(axis=1).max())):.2e})",
                logfh)
        fmax_reached = float(np.sqrt((filt.get_forces() ** 2).sum(axis=1).max()))
        par = cell.cell.cellpar()
        a0_info = {"a0_A": float(par[:3].mean()), "cellpar": par.tolist(), "fmax_target_reached": reached_target,
                   "fmax_reached": fmax_reached, "steps": int(opt.nsteps),
                   "stress_eV_A3": cell.get_stress().tolist(),
                   "energy_per_atom_eV": float(cell.get_potential_energy() / len(cell))}
        a0_cache.write_text(json.dumps(a0_info, indent=1))
    log(f"a0: {a0_info}", logfh)
    a0 = a0_info["a0_A"]
    crystal = bulk("LiF", "rocksalt", a=a0, cubic=True).repeat(3)

    result = {
        "chgnet_version": chgnet.__version__,
        "model_version": f"CHGNet {model_version}",
        "a0_A": a0,
        "a0_fmax_reached": a0_info["fmax_reached"],
        "a0_detail": a0_info,
        "cell": "3x3x3 conventional rocksalt + 1 Li interstitial, 217 atoms",
        "endpoint_fmax": None,
        "neb": {"images": IMAGES, "climb": True, "method": METHOD, "spring_eV_A2": SPRING, "fmax_eV_A": NEB_FMAX,
                "optimizer": "FIRE", "max_steps": NEB_STEPS, "interpolation": "linear (mic)"},
        "barriers_eV": {}, "profiles_eV": {}, "intermediate_eV": {}, "converged": {}, "wall_s": {},
        "at_fmax_0.03": {}, "detail": {}, "endpoints": {},
        "software": {"ase": ase.__version__, "torch": torch.__version__, "threads": 1, "device": "cpu"},
        "notes": "",
    }
    if OUT.exists():
        try:
            old = json.loads(OUT.read_text())
            if old.get("a0_A") == a0:
                for k in ("barriers_eV", "profiles_eV", "intermediate_eV", "converged", "wall_s", "at_fmax_0.03",
                          "detail", "endpoints"):
                    result[k].update(old.get(k, {}))
        except Exception:
            pass

    endpoint_fmaxes = set()
    for mechanism in ORDER:
        if mechanism in result["barriers_eV"] and result["converged"].get(mechanism) is not None \
                and mechanism in result["detail"]:
            log(f"{mechanism}: already in {OUT}, skipped", logfh)
            endpoint_fmaxes.update(result["endpoints"][mechanism]["fmax_targets"])
            continue
        tm = time.time()
        raw = interstitial_hop(crystal, "Li", mechanism)
        assert len(raw) == 217
        path = relax_endpoints_cached(raw, model, mechanism, logfh)
        rel = path.info["hop"]["relaxation"]
        targets = sorted({rel["initial"]["fmax_target"], rel["final"]["fmax_target"]})
        endpoint_fmaxes.update(targets)
        result["endpoints"][mechanism] = {
            "fmax_targets": targets, "reaction_energy_eV": path.info["hop"]["reaction_energy_eV"],
            "relaxation": rel, "angle_deg": path.info["hop"].get("angle_deg"),
            "lengths_A": path.info["hop"].get("lengths_A")}
        t_end = time.time() - tm
        at03, at01, t_neb = run_neb(path, model, mechanism, logfh)
        final = at01 if at01["converged"] else at03
        result["barriers_eV"][mechanism] = final["barrier_eV"]
        result["profiles_eV"][mechanism] = final["profile_eV"]
        result["intermediate_eV"][mechanism] = final["interior_minimum_eV"]
        result["converged"][mechanism] = bool(final["converged"])
        result["wall_s"][mechanism] = {"endpoints": round(t_end, 1), "neb": round(t_neb, 1),
                                       "total": round(time.time() - tm, 1)}
        result["at_fmax_0.03"][mechanism] = at03
        result["detail"][mechanism] = {"reported_at_fmax": final["fmax_target"], "fmax_0.01": at01}
        result["endpoint_fmax"] = max(endpoint_fmaxes)
        OUT.write_text(json.dumps(result, indent=1))
        log(f"{mechanism}: done, barrier {final['barrier_eV']:.4f} eV at fmax {final['fmax_target']}", logfh)
    result["endpoint_fmax"] = max(endpoint_fmaxes)
    result["total_wall_s"] = round(time.time() - t0, 1)
    OUT.write_text(json.dumps(result, indent=1))
    log("all done", logfh)


def saddle_check(model, mechanism):
    """Is the climbing image of the converged band a saddle (a maximum along the path) or a metastable state
    (a minimum along the path, with saddles hidden between images)? From the band saved at the end:
    the true force along the local tangent tau at the climbing image displaced by +-h along tau (all atoms;
    at a maximum the force pushes further away, F(+h).tau > 0 and F(-h).tau < 0; at a minimum it restores),
    the curvature -(F(+h)-F(-h)).tau / 2h, and the energy along the straight chords from the climbing image to
    both neighbouring images (a saddle hidden between images shows as chord energies above the climbing image)."""
    band = read(RUNS / f"band_{mechanism}_final.extxyz", index=":")
    calc = CHGNetEF(model=model, use_device="cpu")

    def ef(pos):
        a = band[0].copy()
        a.positions = pos
        a.calc = calc
        return float(a.get_potential_energy()), a.get_forces().copy()

    e_first, _ = ef(band[0].positions)
    k = int(np.argmax([ef(im.positions)[0] for im in band[1:-1]])) + 1
    top = band[k].positions
    tau = find_mic(band[k + 1].positions - band[k - 1].positions, band[k].cell, band[k].pbc)[0]
    tau /= np.linalg.norm(tau)
    e_top, f_top = ef(top)
    out = {"climbing_image": k + 1, "E_top_eV": e_top - e_first, "F_top_tangential_eV_A": float((f_top * tau).sum()),
           "displaced": {}, "chords": {}}
    curv = {}
    for h in (0.05, 0.1):
        ep, fp = ef(top + h * tau)
        em, fm = ef(top - h * tau)
        out["displaced"][str(h)] = {"E_plus_eV": ep - e_first, "E_minus_eV": em - e_first,
                                    "Ftau_plus_eV_A": float((fp * tau).sum()), "Ftau_minus_eV_A": float((fm * tau).sum())}
        curv[str(h)] = float(-((fp - fm) * tau).sum() / (2 * h))
    out["curvature_along_tangent_eV_A2"] = curv
    for name, nb in (("previous", k - 1), ("next", k + 1)):
        d = find_mic(band[nb].positions - top, band[k].cell, band[k].pbc)[0]
        out["chords"][name] = [{"fraction": f, "E_eV": ef(top + f * d)[0] - e_first} for f in (0.15, 0.3, 0.5, 0.75)]
    chord_max = max(c["E_eV"] for cs in out["chords"].values() for c in cs)
    out["chord_max_eV"] = chord_max
    out["verdict"] = ("saddle: a maximum along the path (negative curvature along the tangent, chords below it)"
                      if all(c < 0 for c in curv.values()) and chord_max <= e_top - e_first + 1e-3 else
                      "metastable or unresolved: positive curvature along the tangent or a chord above the climbing "
                      "image; see the numbers")
    return out


def check_main():
    model = CHGNet.load()
    result = json.loads(OUT.read_text())
    result.setdefault("saddle_check", {})
    for mechanism in ORDER:
        t = time.time()
        result["saddle_check"][mechanism] = saddle_check(model, mechanism)
        result["saddle_check"][mechanism]["wall_s"] = round(time.time() - t, 1)
        log(f"{mechanism}: saddle check {result['saddle_check'][mechanism]}")
        OUT.write_text(json.dumps(result, indent=1))


if __name__ == "__main__":
    if "--check" in sys.argv:
        check_main()
    else:
        main()
