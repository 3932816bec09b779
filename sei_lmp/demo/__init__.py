"""Demos: the main job (Li-interstitial diffusion in LiF, :func:`run_demo`) and an NVE energy-conservation
check of the shipped Li MTP (:func:`run_nve`)."""

from sei_lmp.demo.lif_diffusion import run_demo
from sei_lmp.demo.nve import NVEResult, run_nve
from sei_lmp.demo.results import DemoResult, DemoSettings

__all__ = ["DemoResult", "DemoSettings", "NVEResult", "run_demo", "run_nve"]
