"""``report.md`` and ``report.html`` of the demo: the numbers a battery-MD user would publish, with their
errors, the figures, an honest comparison with the literature, and how long each step took."""

from __future__ import annotations

import html
import json
import math
from pathlib import Path

import pandas as pd

from sei_lmp.demo.results import LITERATURE_EA_EV, LITERATURE_SOURCE, DemoResult, settings_dict


def _fmt(value, digits: int = 3) -> str:
    return "n/a" if value is None or (isinstance(value, float) and not math.isfinite(value)) else f"{value:.{digits}g}"


def _markdown_table(frame: pd.DataFrame) -> str:
    rows = [list(map(str, frame.columns))] + [[str(v) for v in row] for row in frame.itertuples(index=False)]
    return "\n".join(["| " + " | ".join(rows[0]) + " |", "|" + "---|" * len(rows[0])] +
                     ["| " + " | ".join(r) + " |" for r in rows[1:]])


def _interval(value: float, low: float, high: float, unit: str, digits: int = 3) -> str:
    """'v (95 %: lo-hi) unit', or the upper bound when there is no value."""
    if math.isfinite(value):
        return f"{value:.{digits}g} {unit} (95 %: {_fmt(low, digits)}-{_fmt(high, digits)})"
    if math.isfinite(high):
        return f"< {high:.{digits}g} {unit} (95 % upper bound)"
    return "no result"


def _teacher_sentence(result: DemoResult) -> str:
    statement = result.barriers.attrs.get("teacher_source", "")
    b = result.barriers
    tolerance = b.attrs.get("tolerance_eV")
    checked = b.dropna(subset=["minus_teacher_eV"]) if "minus_teacher_eV" in b else b.iloc[:0]
    if len(checked) and tolerance is not None:
        good = checked.loc[checked["matches_teacher"], "mechanism"].str.replace("_", " ").tolist()
        bad = checked.loc[~checked["matches_teacher"], "mechanism"].str.replace("_", " ").tolist()
        statement += (f". Within {tolerance:g} eV of the teacher: {', '.join(good) or 'none'}"
                      + (f"; outside it: {', '.join(bad)} (MD results that rest on those paths inherit the "
                         "difference)" if bad else ""))
    card = load_potential_card(result.potential)
    teacher = card.provenance.get("teacher", {}).get("calculator", "its teacher")
    return (f"The potential was distilled from {teacher}, a universal potential trained on PBE relaxation data: "
            "such teachers soften migration barriers, and this potential inherits that (it reproduces its teacher, "
            "not DFT). " + (f"Teacher barriers: {statement}." if statement else ""))


def _literature_sentence(result: DemoResult) -> str:
    low, high = LITERATURE_EA_EV
    head = result.headline
    ref = f"the {low:.2f}-{high:.2f} eV that MD with {LITERATURE_SOURCE} reports for interstitial Li in LiF"
    inherit = ("The demo's potential inherits its teacher's class (CHGNet, a universal potential trained on PBE "
               "relaxation data, which softens barriers), so a lower Ea here says more about the teacher than "
               "about LiF.")
    if result.unsupported:
        return f"The demo measured no Ea to compare with {ref}: {result.unsupported}. {inherit}"
    if head["Ea_high_eV"] < low:
        where = "below"
    elif head["Ea_low_eV"] > high:
        where = "above"
    else:
        where = "consistent with"
    return (f"The MD Ea, {head['Ea_eV']:.3f} eV (95 %: {head['Ea_low_eV']:.3f}-{head['Ea_high_eV']:.3f}), is "
            f"{where} {ref}. {inherit}")


def _barrier_table(barriers: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame({
        "mechanism": barriers["mechanism"].str.replace("_", " "),
        "this potential (eV)": barriers["barrier_eV"].map(lambda v: _fmt(v, 3)),
        "teacher (eV)": barriers["teacher_eV"].map(lambda v: _fmt(v, 3)),
        "difference (eV)": [("n/a" if d != d else f"{d:+.3f}" + ("" if ok else " (outside tolerance)"))
                            for d, ok in zip(barriers.get("minus_teacher_eV", pd.Series([math.nan] * len(barriers))),
                                             barriers.get("matches_teacher", pd.Series([False] * len(barriers))))],
        "converged": barriers["converged"].map(lambda v: "yes" if v else "no"),
        "intermediate state (eV)": barriers["intermediate_eV"].map(lambda v: _fmt(v, 3) if v == v else "-"),
        "note": barriers["note"].fillna("").map(lambda v: v or "-"),
    })


def _jump_table(result: DemoResult) -> pd.DataFrame:
    j = result.jumps
    msd = result.diffusion.set_index("temperature_K") if len(result.diffusion) else pd.DataFrame()

    def msd_text(t):
        if t not in msd.index:
            return "n/a"
        row = msd.loc[t]
        if row.get("D_cm2_s", math.nan) == row.get("D_cm2_s", math.nan) and row.get("D_cm2_s", 0) > 0:
            return f"{row['D_cm2_s']:.2g} +- {row['D_err_cm2_s']:.1g}"
        upper = row.get("D_upper_cm2_s", math.nan)
        return f"< {upper:.2g} (no diffusive regime)" if upper == upper else "not measured"

    return pd.DataFrame({
        "T (K)": j["temperature_K"].map(lambda v: f"{v:g}"),
        "production (ps)": j["run_time_ps"].map(lambda v: f"{v:.0f}"),
        "jumps": j["jumps"],
        "rate (1/ps, 95 %)": [f"{r:.3g} ({lo:.2g}-{hi:.2g})" for r, lo, hi in
                              zip(j["rate_per_ps"], j["rate_low_per_ps"], j["rate_high_per_ps"])],
        "D interstitial, jumps (cm2/s)": [f"{d:.2g} ({lo:.2g}-{hi:.2g})" for d, lo, hi in
                                          zip(j["D_interstitial_cm2_s"], j["D_interstitial_low_cm2_s"],
                                              j["D_interstitial_high_cm2_s"])],
        "D Li tracer, jumps x f (cm2/s)": [f"{d:.2g} ({lo:.2g}-{hi:.2g})" for d, lo, hi in
                                           zip(j["D_tracer_jumps_cm2_s"], j["D_tracer_jumps_low_cm2_s"],
                                               j["D_tracer_jumps_high_cm2_s"])],
        "D Li tracer, MSD (cm2/s)": j["temperature_K"].map(msd_text),
        "Frenkel pairs formed": j["frenkel_pairs_formed"],
    })


def write_report(result: DemoResult) -> Path:
    out = result.output
    head = result.headline
    fit = result.fit
    s = result.settings
    until = result.run_until
    figures = {k: Path(v).name for k, v in result.figures.items()}
    timing = pd.DataFrame({"step": list(result.timings_s), "seconds": [f"{v:.1f}" for v in result.timings_s.values()]})
    temps = result.jumps["temperature_K"]
    lines = [
        "# sei_lmp demo: Li-interstitial diffusion in LiF",
        "",
        f"{result.structure_report['atoms']} atoms ({result.structure_report['formula']}): rocksalt LiF, "
        f"{s.cells}^3 conventional cells at the potential's own lattice constant "
        f"({result.structure_report['lattice_constant_A']} A), plus one Li interstitial; potential "
        f"`{result.potential.name}`. NVT MD at {', '.join(f'{t:g}' for t in temps)} K "
        f"({s.timestep_fs:g} fs steps, frames every {s.dump_every_ps:g} ps) after {s.equilibrate_ps:g} ps of "
        "equilibration; NEB with a climbing image for each interstitial mechanism.",
        "",
        "## Headline",
        "",
    ]
    if result.unsupported:
        lines.append(f"* Ea: **no result**: {result.unsupported}")
    else:
        lines.append(f"* **Ea = {head['Ea_eV']:.3f} eV, 95 % interval {head['Ea_low_eV']:.3f}-{head['Ea_high_eV']:.3f} "
                     f"eV** (Poisson maximum likelihood over the jump counts, profile-likelihood interval; "
                     f"{int(head['jumps'])} interstitial jumps at {len(temps)} temperatures, "
                     f"{temps.min():g}-{temps.max():g} K)")
    lines += [
        f"* D of the interstitial at 300 K (extrapolated): "
        f"{_interval(head['D_300K_cm2_s'], head['D_300K_low_cm2_s'], head['D_300K_high_cm2_s'], 'cm2/s')}",
        f"* sigma(300 K), Nernst-Einstein, for one interstitial per {result.structure_report['atoms'] - 1} lattice "
        f"atoms: {_interval(head['sigma_300K_mS_cm'], head['sigma_300K_low_mS_cm'], head['sigma_300K_high_mS_cm'], 'mS/cm')}"
        " (it scales with the interstitial concentration, which the cell sets)",
        f"* {result.agreement()}",
        "",
        "## Migration barriers (NEB)",
        "",
        f"Interstitial hops in the same cell, end points relaxed, {s.neb_images} replicas, climbing image, "
        f"converged to {s.neb_ftol_eV_A:g} eV/A (LAMMPS `neb`, one partition per replica; `neb/` holds the decks).",
        "",
        _markdown_table(_barrier_table(result.barriers)),
        "",
        _teacher_sentence(result),
        "",
        "## Jumps and D per temperature",
        "",
        "A jump is a move of the interstitial (one mechanism event: an interstitialcy moves two atoms) between "
        "rocksalt sites, counted after "
        f"{s.min_residence_ps:g} ps of residence on the new site, so rattles are no jumps. Rates per "
        "interstitial with exact Poisson intervals; D of the interstitial = Gamma <lambda^2> / 6; tracer D of Li "
        "from the atoms' jumps with the correlation factor f from successive jumps; the MSD column is the sweep's "
        "MSD analysis (block errors), the independent cross-check.",
        "",
        _markdown_table(_jump_table(result)),
        "",
    ]
    if until:
        counts = ", ".join(f"{t:g} K: {' -> '.join(map(str, c))}" for t, c in sorted(until.get("counts", {}).items()))
        goal = (f"until every temperature had {until['min_jumps']} jumps" if until.get("min_jumps") else
                "once (no jump target)")
        lines += [f"Production ran {goal}: {until.get('rounds')} round(s), {until.get('reason')}. Jumps after "
                  f"each round: {counts}.", ""]
    if len(result.sensitivity):
        sens = result.sensitivity.copy()
        for col in ("Ea_eV", "Ea_low_eV", "Ea_high_eV"):
            sens[col] = sens[col].map(lambda v: _fmt(v, 3))
        lines += ["### How Ea depends on what counts as a jump", "",
                  f"A jump counts once the atom has stayed {s.min_residence_ps:g} ps on its new site (about one "
                  "period of the Li-F optical vibration). Shorter stays are mostly quick successive moves and "
                  "transits through metastable states on the path, frequent at the hot end; the fit again with "
                  "half and twice that time:", "", _markdown_table(sens), ""]
    if len(result.jump_types):
        lines += ["### Jump types (all temperatures)", "", _markdown_table(result.jump_types), "",
                  "Interstitial types count toward the rate; lattice->interstitial and vacancy rows are Frenkel "
                  "pairs the heat made and their recombination.", ""]
    lines += ["## Compared with the literature", "", _literature_sentence(result), ""]
    if result.notes:
        lines += ["## Notes from the analysis", "", *[f"* {n}" for n in result.notes], ""]
    for key, caption in (("arrhenius", "Jump rate per interstitial (bars: exact 95 % Poisson intervals; band: 95 % "
                                       "profile-likelihood band down to 300 K; dashed: slope of the NEB barrier)"),
                         ("barriers", "NEB energy profiles (dotted: the teacher's barriers from the card)"),
                         ("timeline", "Jump timeline: every interstitial jump, coloured by type"),
                         ("path_image", "The interstitial's path at the highest temperature (red), wrapped into "
                                        "the cell (OVITO)"),
                         ("msd", "MSD of Li (all atoms; shaded: MSD fit windows)")):
        if key in figures:
            lines += [f"![{caption}]({figures[key]})", "", f"*{caption}*", ""]
    if "path_image" not in figures:
        lines += ["(No OVITO image: rendering needs a Vulkan driver, Debian `libvulkan1 mesa-vulkan-drivers`.)", ""]
    if result.glass is not None or result.interface is not None:
        from sei_lmp.demo.report_extras import FIGURES, glass_section, interface_section

        if result.glass is not None:
            lines += glass_section(result.glass)
        if result.interface is not None:
            lines += interface_section(result.interface)
        for key, caption in FIGURES:
            if key in figures:
                lines += [f"![{caption}]({figures[key]})", "", f"*{caption}*", ""]
    lines += ["## How long each step took", "", _markdown_table(timing), "",
              f"Total {sum(result.timings_s.values()):.0f} s.", "",
              "## Settings", "", "```json", json.dumps(settings_dict(s), indent=2, default=str), "```", "",
              "Tables: `barriers.csv`, `jumps.csv`, `jump_types.csv`, `diffusion_msd.csv`, `arrhenius/` (the count "
              "fit), `jumps/` (events, rates, defect paths per temperature); runs: `sweep/`, `neb/`.", ""]
    markdown = "\n".join(lines)
    path = out / "report.md"
    path.write_text(markdown)
    (out / "report.html").write_text(_html(markdown, figures))
    return path


def load_potential_card(path: Path):
    from sei_lmp.potentials.card import PotentialCard

    return PotentialCard.for_file(Path(path))


def _html(markdown: str, figures: dict[str, str]) -> str:
    """A self-contained page; the Markdown is shown as preformatted text apart from images and headings."""
    body = []
    for line in markdown.splitlines():
        if line.startswith("!["):
            alt, src = line[2:].split("](", 1)
            body.append(f'<p><img src="{html.escape(src[:-1])}" alt="{html.escape(alt)}" style="max-width:720px"></p>')
        elif line.startswith("#"):
            level = len(line) - len(line.lstrip("#"))
            body.append(f"<h{level}>{html.escape(line[level:].strip())}</h{level}>")
        elif line.strip():
            body.append(f"<pre style='margin:0;white-space:pre-wrap'>{html.escape(line)}</pre>")
    return ("<!doctype html><html><head><meta charset='utf-8'><title>sei_lmp demo</title></head>"
            "<body style='font-family:sans-serif;max-width:900px;margin:auto'>" + "\n".join(body) + "</body></html>")
