"""``report.md`` and ``report.html`` of the demo: the numbers a battery-MD user would publish, with their
errors, the figures, an honest comparison with the literature, and how long each step took."""

from __future__ import annotations

import html
import json
import math
from pathlib import Path

import pandas as pd

from sei_lmp.demo.results import LITERATURE_EA_EV, DemoResult, settings_dict


def _fmt(value: float, digits: int = 3) -> str:
    return "n/a" if value is None or (isinstance(value, float) and math.isnan(value)) else f"{value:.{digits}g}"


def _markdown_table(frame: pd.DataFrame) -> str:
    rows = [list(map(str, frame.columns))] + [[str(v) for v in row] for row in frame.itertuples(index=False)]
    return "\n".join(["| " + " | ".join(rows[0]) + " |", "|" + "---|" * len(rows[0])] +
                     ["| " + " | ".join(r) + " |" for r in rows[1:]])


#: below this many effective hops at some temperature, the error of Ea rests on too few events to trust alone
FEW_HOPS = 10


def _hops_caveat(hops) -> str:
    hops = [h for h in hops if h == h]
    if not hops or min(hops) >= FEW_HOPS:
        return ""
    return (f" Each temperature saw only {min(hops):.1f}-{max(hops):.1f} effective hops of the interstitial, so Ea "
            "rests on few events and its error bar may be optimistic: runs with another --seed or longer "
            "--production-ps show how far it moves.")


def _literature_sentence(ea: float, err: float, hops=()) -> str:
    low, high = LITERATURE_EA_EV
    if not ea == ea:
        return (f"The demo measured no Ea to compare with the {low:.2f}-{high:.2f} eV that MLIP studies report for "
                "interstitial Li in LiF: run longer (--production-ps) or at more temperatures." + _hops_caveat(hops))
    if not err < 0.1:
        return (f"The demo's Ea = {ea:.3f} +- {err:.3f} eV is too uncertain to compare with the {low:.2f}-{high:.2f} "
                "eV that MLIP studies report for interstitial Li in LiF: run longer (--production-ps) or at more "
                "temperatures." + _hops_caveat(hops))
    if ea + 2 * err < low:
        where = "below"
    elif ea - 2 * err > high:
        where = "above"
    else:
        where = "consistent with (within two standard errors of)"
    return (f"The demo's Ea = {ea:.3f} +- {err:.3f} eV is {where} the {low:.2f}-{high:.2f} eV that MLIP studies "
            "report for interstitial Li in LiF. The shipped potential is distilled from a universal potential "
            "(CHGNet), not fitted to DFT, and the runs are short, so a difference says more about the demo's "
            "budget and its teacher than about LiF." + _hops_caveat(hops))


def write_report(result: DemoResult) -> Path:
    out = result.output
    fit = result.arrhenius.iloc[0]
    head = result.headline
    d = result.diffusion
    table = pd.DataFrame({
        "T (K)": d["temperature_K"].map(lambda v: f"{v:.0f}"),
        "D (cm2/s)": [f"{a:.3g} +- {b:.2g}" for a, b in zip(d["D_cm2_s"], d["D_err_cm2_s"])],
        "fit window (ps)": [f"{a:.2f}-{b:.2f}" for a, b in zip(d["fit_start_ps"], d["fit_end_ps"])],
        "MSD reached (A2)": d["msd_max_A2"].map(lambda v: f"{v:.2f}"),
        "effective hops": d.get("effective_hops", pd.Series([math.nan] * len(d))).map(lambda v: f"{v:.1f}"),
        "sigma_NE (mS/cm)": d.get("sigma_NE_mS_cm", pd.Series([math.nan] * len(d))).map(lambda v: f"{v:.3g}"),
    })
    timing = pd.DataFrame({"step": list(result.timings_s), "seconds": [f"{v:.1f}" for v in result.timings_s.values()]})
    notes = sorted({n for n in d.get("notes", pd.Series(dtype=str)).dropna() if n} |
                   {n for n in result.arrhenius.get("notes", pd.Series(dtype=str)).dropna() if n})
    figures = {k: Path(v).name for k, v in result.figures.items()}

    lines = [
        "# sei_lmp demo: Li-interstitial diffusion in LiF",
        "",
        f"{result.structure_report['atoms']} atoms ({result.structure_report['formula']}), one Li interstitial at the "
        f"largest void (lattice constant {result.structure_report['lattice_constant_A']} A, relaxed with the "
        f"potential), `pair_style sei/mtp` with `{result.potential.name}`, NVT production of "
        f"{result.settings.production_ps:g} ps per temperature after {result.settings.equilibrate_ps:g} ps of "
        f"{'NPT' if result.settings.equilibrate_npt else 'NVT'} equilibration.",
        "",
        "## Headline",
        "",
        (f"* Ea: **no result**: {result.unsupported}" if result.unsupported else
         f"* **Ea = {head['Ea_eV']:.3f} +- {head['Ea_err_eV']:.3f} eV** (weighted Arrhenius fit of ln D over "
         f"{int(fit['n_temperatures'])} temperatures with a positive D, {fit['T_min_K']:.0f}-{fit['T_max_K']:.0f} K; "
         f"reduced chi2 {fit['chi2_red']:.2f})"),
        f"* D0 = {_fmt(fit['D0_cm2_s'])} cm2/s; D(300 K) = {_fmt(head['D_300K_cm2_s'])} cm2/s "
        f"(95 % interval {_fmt(fit['D_300K_low_cm2_s'])}-{_fmt(fit['D_300K_high_cm2_s'])})",
        f"* sigma(300 K), Nernst-Einstein, extrapolated = {_fmt(head['sigma_300K_mS_cm'])} mS/cm "
        f"(95 % interval {_fmt(head['sigma_300K_low_mS_cm'])}-{_fmt(head['sigma_300K_high_mS_cm'])} mS/cm), "
        "for the one interstitial in this cell (carrier density = Li atoms / cell volume, tracer D averaged over "
        "all Li).",
        "",
        "## Compared with the literature",
        "",
        _literature_sentence(head["Ea_eV"], head["Ea_err_eV"], d.get("effective_hops", pd.Series(dtype=float))),
        "",
        "## D(T)",
        "",
        "D of Li averaged over all Li atoms (tracer), from the all-origins MSD with the framework (F) drift removed; "
        "errors are standard errors over 5 independent blocks of each run (block averaging).",
        "",
        _markdown_table(table),
        "",
    ]
    if fit.get("left_out_K"):
        notes.insert(0, f"no measurable diffusion at {fit['left_out_K']} K (no diffusive regime, too few hops or "
                        "D <= 0; the D(T) table gives the bound and why): left out of the Arrhenius fit")
    if notes:
        lines += ["Warnings from the analysis:", "", *[f"* {n}" for n in notes], ""]
    for key, caption in (("arrhenius", "Arrhenius plot (error bars: 1 sigma; band: 95 % interval down to 300 K)"),
                         ("msd", "MSD of Li (shaded: fit windows)"),
                         ("snapshot", "OVITO snapshot, last frame at the highest temperature")):
        if key in figures:
            lines += [f"![{caption}]({figures[key]})", "", f"*{caption}*", ""]
    if "snapshot" not in figures:
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
              "## Settings", "", "```json", json.dumps(settings_dict(result.settings), indent=2, default=str), "```", "",
              "Tables: `diffusion.csv`, `arrhenius.csv`; runs (decks, logs, dumps, restarts): `runs/`.", ""]
    markdown = "\n".join(lines)
    path = out / "report.md"
    path.write_text(markdown)
    (out / "report.html").write_text(_html(markdown, figures))
    return path


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
