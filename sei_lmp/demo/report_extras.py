"""Report sections of the extra demos (``sei-lmp demo --all``): Li3PS4 glass QA and the Li | Li2S interface."""

from __future__ import annotations

import math

import pandas as pd


def _num(value, fmt: str = ".3g") -> str:
    return "n/a" if value is None or (isinstance(value, float) and math.isnan(value)) else format(value, fmt)


def glass_section(glass) -> list[str]:
    m = glass.qa.metrics
    s, mq = glass.settings, glass.settings.melt_quench
    verdict = glass.qa.verdict
    lines = [
        "## Li3PS4 glass: melt-quench and its quality checks",
        "",
        f"{glass.atoms} atoms ({s.formula_units} Li3PS4 with rigid PS4 anions packed at {s.density_g_cm3} g/cm3), "
        f"`{glass.potential.name}`: heat to {mq.t_melt_K:g} K in {mq.heat_ps:g} ps, hold {mq.hold_ps:g} ps, "
        f"quench at {mq.quench_rate_K_per_ps:g} K/ps, anneal {mq.anneal_ps:g} ps, NPT {mq.equilibrate_ps:g} ps at "
        f"{mq.t_final_K:g} K. "
        "Quench rates this fast are a demo budget; production glasses use 1-10 K/ps.",
        "",
        f"* **QA verdict: {verdict}**",
        f"* final density {_num(m.get('density'), '.3f')} g/cm3 ({_num(100 * m.get('density_change', math.nan), '+.0f')} "
        f"% from the packing; relative std over the last stage "
        f"{_num(100 * m.get('density_rsd', math.nan), '.1f')} %); residual crystallinity (PTM) "
        f"{_num(100 * m.get('crystalline_fraction', math.nan), '.1f')} %",
        f"* Tg from density {_num(m.get('tg_density'), '.0f')} +- {_num(m.get('tg_density_err'), '.0f')} K; "
        f"from energy {_num(m.get('tg_energy'), '.0f')} +- {_num(m.get('tg_energy_err'), '.0f')} K",
        "",
    ]
    if glass.qa.reasons:
        lines += ["Why it failed:", "", *[f"* {r}" for r in glass.qa.reasons], ""]
    if glass.qa.missing:
        lines += ["Not checked (so no PASS):", "", *[f"* {m}" for m in glass.qa.missing], ""]
    if glass.qa.notes:
        lines += ["Notes:", "", *[f"* {n}" for n in glass.qa.notes], ""]
    return lines


def interface_section(interface) -> list[str]:
    s = interface.settings
    info = interface.strain
    strain = (f"{100 * info.get('max_strain_a', float('nan')):.2f} % on Li, "
              f"{100 * info.get('max_strain_b', float('nan')):.2f} % on Li2S")
    th = interface.thickness
    first, last = (th.iloc[0], th.iloc[-1]) if len(th) else (None, None)
    lines = [
        "## Li | Li2S interface: NPT run, composition profiles and interphase thickness",
        "",
        f"{interface.atoms} atoms: bcc Li (110) | Li2S (111), lattice-matched (largest strain {strain}), periodic along z "
        f"(two interfaces), `{interface.potential.name}`, NPT at {s.interface_npt.temperature_K:g} K for {s.interface_npt.run_ps:g} ps "
        "(barostat on z only).",
        "",
    ]
    frames = int(interface.interfaces["frame"].nunique()) if len(interface.interfaces) else 0
    profiles = interface.interfaces.attrs.get("profiles")
    dumped = int(profiles["frame"].nunique()) if profiles is not None else 0
    lines += [f"* Profiles: S fraction in {s.bin_width:g} A slabs, counts smoothed with a {s.smooth_width:g} A Gaussian "
              "(the S planes of Li2S (111) are 3.3 A apart); pure phases Li2S (S 1/3) and Li (S 0). Interfaces found "
              f"in {frames}{f' of {dumped}' if dumped else ''} frames."]
    if first is not None:
        change = last["thickness"] - first["thickness"]
        lines += [f"* 10-90 % interphase thickness: {first['thickness']:.2f} A at {first['time_ps']:.1f} ps -> "
                  f"{last['thickness']:.2f} A at {last['time_ps']:.1f} ps (mean over the interfaces; a sharp interface "
                  f"reads about {1.5 * s.smooth_width:.1f}-{2 * s.smooth_width:.1f} A at this smoothing)",
                  "* What to expect: Li2S is the fully lithiated sulfide, so Li | Li2S is thermodynamically stable and "
                  "no interphase should grow; the interface only roughens. "
                  + (f"Here it changed by {change:+.2f} A, consistent with that." if abs(change) < 2 * s.smooth_width
                     else f"Here it changed by {change:+.2f} A, more than roughening: look at the profiles and the "
                          "snapshot before trusting the potential at this interface."), ""]
    growth = interface.growth
    if len(growth) and "model" in growth:
        shown = growth[[c for c in ("model", "aicc", "rss", "n") if c in growth]]
        lines += ["Growth laws ranked by AICc (the pipeline a reactive interface such as Li | Li3PS4 needs; for a "
                  "stable interface and a run this short they only fit noise):", "",
                  _table(shown), ""]
    elif len(growth) and "note" in growth:
        lines += [f"* {growth['note'].iloc[0]}", ""]
    return lines


def _table(frame: pd.DataFrame) -> str:
    cols = list(frame.columns)
    rows = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for _, r in frame.iterrows():
        rows.append("| " + " | ".join(_num(v) if isinstance(v, float) else str(v) for v in r) + " |")
    return "\n".join(rows)


FIGURES = (("glass_quench", "Li3PS4 quench: density and energy vs T with the two-line Tg fits"),
           ("glass_rdf", "Li3PS4 glass: partial RDFs of the final structure"),
           ("interface_profiles", "Li | Li2S: fraction of the marker element along z, first / middle / last frame"),
           ("interface_thickness", "Li | Li2S: interphase thickness vs time"),
           ("interface_snapshot", "Li | Li2S: OVITO side view, last frame"))
