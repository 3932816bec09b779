"""The structure results own their files and figures: ``MeltQuenchQA.write()`` gives the files that
``sei-lmp analyze meltquench`` has always written (same contents), ``StructureResult``, ``DefectsResult`` and
``SpeciationResult`` those of ``analyze structure | defects | speciation``; every ``plot()`` returns an Axes."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

sys.path.insert(0, str(Path(__file__).parent))
from test_structure_meltquench import write_run

from sei_lmp.analysis.structure import (
    DefectsResult,
    MeltQuenchQA,
    SpeciationResult,
    StructureResult,
    check_melt_quench,
)
from sei_lmp.errors import ConfigurationError
from sei_lmp.structures import phase


def _through_csv(frame: pd.DataFrame) -> pd.DataFrame:
    return pd.read_csv(io.StringIO(frame.to_csv(index=False)))


def test_meltquench_writes_verdict_curve_rdf_and_figure(tmp_path, glass):
    run = write_run(tmp_path / "mq", glass)
    qa = check_melt_quench(run, reference=run)
    out = tmp_path / "analysis"
    written = qa.write(out, run_dir=str(run))
    assert [p.name for p in written] == ["meltquench_qa.csv", "quench_curve.csv", "quench_curve.png",
                                         "final_rdf.csv"]
    verdict = pd.read_csv(out / "meltquench_qa.csv")
    pd.testing.assert_frame_equal(verdict, _through_csv(qa.to_frame(run_dir=str(run))))
    assert verdict.columns[0] == "run_dir" and bool(verdict["passed"].iloc[0]) == qa.passed
    pd.testing.assert_frame_equal(pd.read_csv(out / "quench_curve.csv"), _through_csv(qa.curve))
    np.testing.assert_allclose(pd.read_csv(out / "final_rdf.csv").to_numpy(), qa.rdf.to_numpy(), rtol=1e-12)
    assert (out / "quench_curve.png").stat().st_size > 1000


def test_meltquench_plot_shows_both_curves_and_fits(tmp_path, glass):
    qa = check_melt_quench(write_run(tmp_path / "mq", glass))
    ax = qa.plot()
    assert ax.get_xlabel() == "T (K)" and ax.get_ylabel().startswith("density")
    twin = next(other for other in ax.figure.axes if other is not ax)
    assert twin.get_ylabel().startswith("potential energy")
    assert len(ax.get_lines()) == 3 and len(twin.get_lines()) == 3       # data, fitted lines, Tg marker


def test_meltquench_without_curve_writes_the_verdict_only(tmp_path):
    qa = MeltQuenchQA(["the run has not finished (no final.data)"], [], {"density": np.nan})
    assert [p.name for p in qa.write(tmp_path)] == ["meltquench_qa.csv"]
    assert pd.read_csv(tmp_path / "meltquench_qa.csv")["reasons"].iloc[0] == qa.reasons[0]
    with pytest.raises(ConfigurationError, match="no quench curve"):
        qa.plot()


def test_structure_result_computes_writes_and_plots(tmp_path):
    result = StructureResult.compute(phase("LiF") * (3, 3, 3), cutoff=5.0, bins=100)
    assert abs(result.coordination.set_index(["center", "neighbor"])["cn"]["Li", "F"] - 6) < 1e-3
    written = result.write(tmp_path)
    assert [p.name for p in written] == ["rdf.csv", "coordination.csv", "ptm.csv", "cna.csv", "density.csv",
                                         "rdf.png"]
    pd.testing.assert_frame_equal(pd.read_csv(tmp_path / "ptm.csv"), _through_csv(result.ptm))
    ax = result.plot()
    assert ax.get_ylabel() == "g(r)" and len(ax.get_lines()) == len(result.rdf.columns) - 1


def test_defects_and_speciation_results(tmp_path):
    defects = DefectsResult(pd.DataFrame({"frame": [0, 1], "step": [0, 100], "vacancies": [0, 2],
                                          "interstitials": [0, 1], "frenkel_pairs": [0, 1]}))
    assert [p.name for p in defects.write(tmp_path)] == ["defects.csv"]
    pd.testing.assert_frame_equal(pd.read_csv(tmp_path / "defects.csv"), defects.table)
    assert [line.get_label() for line in defects.plot().get_lines()] == ["vacancies", "interstitials",
                                                                         "frenkel pairs"]
    profile = pd.DataFrame({"frame": [3] * 4, "step": [300] * 4, "z": [1.0, 1.0, 3.0, 3.0],
                            "label": ["LiF", "amorphous"] * 2, "fraction": [1.0, 0.0, 0.5, 0.5],
                            "count": [4, 0, 2, 2]})
    speciation = SpeciationResult(pd.DataFrame({"frame": [3], "step": [300], "LiF": [0.75], "amorphous": [0.25]}),
                                  profile)
    assert [p.name for p in speciation.write(tmp_path)] == ["phase_fractions.csv", "phase_profile.csv"]
    pd.testing.assert_frame_equal(pd.read_csv(tmp_path / "phase_profile.csv"), profile)
    assert [line.get_label() for line in speciation.plot().get_lines()] == ["LiF", "amorphous"]
