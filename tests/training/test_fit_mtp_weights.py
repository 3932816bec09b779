"""MTP fits that count some configurations more (config_weights) and warm starts from a lower level."""

import numpy as np
import pytest

from sei_lmp.errors import ConfigurationError
from sei_lmp.training import fit_mtp, metrics

SETTINGS = dict(species=("Li", "F"), level=6, min_dist=1.2, max_dist=4.0, radial_basis_size=6, seed=11, maxiter=10)


def test_weights_count_matching_configurations(tiny_fit):
    s = fit_mtp.MTPFitSettings(**{**SETTINGS, "config_weights": {"interstitial": 3, "LI_": 2}})
    kinds = [a.info["config_type"] for a in tiny_fit["train"]]
    weighted = fit_mtp._weighted(tiny_fit["train"], s)
    # case ignored, the largest count where several texts match, 1 where none does
    want = sum(3 if "interstitial" in k else 2 if "Li_" in k else 1 for k in kinds)
    assert len(weighted) == want > len(kinds)
    assert fit_mtp.MTPFitSettings(**SETTINGS).as_dict().get("config_weights") is None   # cards as before
    assert s.as_dict()["config_weights"] == {"interstitial": 3, "LI_": 2}


@pytest.mark.parametrize("weights", [{"glass": 0}, {"glass": 1.5}, {"": 2}, {"glass": True}])
def test_bad_weights_are_refused(weights):
    with pytest.raises(ConfigurationError, match="whole number of copies"):
        fit_mtp.MTPFitSettings(species=("Li",), config_weights=weights)


def test_the_same_weight_everywhere_leaves_the_fit_as_it_was(tiny_fit, tmp_path):
    """The loss averages over configurations: counting every one twice changes nothing."""
    train = tiny_fit["train"]
    plain = fit_mtp.fit_mtp(train, fit_mtp.MTPFitSettings(**SETTINGS), tmp_path / "a.mtp", progress=False)
    twice = fit_mtp.fit_mtp(train, fit_mtp.MTPFitSettings(**SETTINGS, config_weights={"bulk": 2, "li_": 2}),
                            tmp_path / "b.mtp", progress=False)
    assert {a.info["config_type"] for a in train} == {"bulk", "Li_interstitial", "Li_vacancy"}
    np.testing.assert_allclose(twice.mtp.parameters, plain.mtp.parameters, rtol=1e-6, atol=1e-9)


def test_weighting_a_group_pulls_the_fit_towards_it(tiny_fit, tmp_path):
    train = tiny_fit["train"]
    group = [a for a in train if a.info["config_type"] == "Li_vacancy"]
    errs = {}
    for n in (1, 20):
        s = fit_mtp.MTPFitSettings(**{**SETTINGS, "level": 4, "maxiter": 20}, config_weights={"vacancy": n})
        fit = fit_mtp.fit_mtp(train, s, tmp_path / f"w{n}.mtp", progress=False)
        errs[n] = metrics.errors(group, fit_mtp.predict(fit.mtp, group))["forces_rmse_eV_per_A"]
    assert errs[20] < 0.9 * errs[1], errs


def test_a_lower_level_starts_the_first_radial_functions(tiny_fit, tmp_path, monkeypatch):
    """Level 6 (2 radial functions) into level 10 (3): the first two start where level 6 ended, the third from
    the seeded default; a start of another basis size, more radial functions or another span is refused."""
    import motep.train.trainer as trainer

    class Untrained:          # the fit without its steps: what is written is where the fit would start
        def __init__(self, *args, **kwargs):
            pass

        def train(self, images):
            pass

    low = tiny_fit["result"]
    monkeypatch.setattr(trainer, "Trainer", Untrained)
    s10 = fit_mtp.MTPFitSettings(**{**SETTINGS, "level": 10})
    started = fit_mtp.fit_mtp(tiny_fit["train"], s10, tmp_path / "l10.mtp", progress=False, start=low.path)
    got = np.asarray(fit_mtp.read_mtp(started.path, ["Li", "F"]).radial_coeffs)
    fresh = fit_mtp.initial_radial_coeffs(2, 3, 6, s10.seed)
    np.testing.assert_allclose(got[:, :, :2], np.asarray(low.mtp.radial_coeffs), rtol=1e-12)
    np.testing.assert_allclose(got[:, :, 2], fresh[:, :, 2], rtol=1e-12)
    with pytest.raises(ConfigurationError, match="cannot warm-start"):
        fit_mtp.fit_mtp(tiny_fit["train"], fit_mtp.MTPFitSettings(**{**SETTINGS, "radial_basis_size": 8}),
                        tmp_path / "x.mtp", progress=False, start=low.path)
    with pytest.raises(ConfigurationError, match="cannot warm-start"):
        fit_mtp.fit_mtp(tiny_fit["train"], fit_mtp.MTPFitSettings(**{**SETTINGS, "level": 4}),
                        tmp_path / "y.mtp", progress=False, start=low.path)
    with pytest.raises(ConfigurationError, match="span 1.2-4 A, these settings 1.2-5 A"):
        fit_mtp.fit_mtp(tiny_fit["train"], fit_mtp.MTPFitSettings(**{**SETTINGS, "max_dist": 5.0}),
                        tmp_path / "z.mtp", progress=False, start=low.path)
