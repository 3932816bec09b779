"""Interphase analysis along the interface normal: composition/density profiles vs time (:mod:`.profiles`),
interface positions and interphase thickness (:mod:`.interfaces`), growth-law fits (:mod:`.growth`) and
whole interface runs (:mod:`.run`)."""

from sei_lmp.analysis.interphase.growth import (
                                             MODELS,
                                             GrowthFit,
                                             compare_growth_laws,
                                             fit_growth,
                                             plot_growth,
)
from sei_lmp.analysis.interphase.interfaces import interfaces, marker_element
from sei_lmp.analysis.interphase.profiles import composition_profiles
from sei_lmp.analysis.interphase.result import InterphaseResult
from sei_lmp.analysis.interphase.run import (
                                             analyze_interface_run,
                                             growth_table,
                                             plot_profiles,
                                             plot_thickness,
                                             thickness_vs_time,
)

__all__ = ["MODELS", "GrowthFit", "InterphaseResult", "analyze_interface_run", "compare_growth_laws", "composition_profiles",
           "fit_growth", "growth_table", "interfaces", "marker_element", "plot_growth", "plot_profiles",
           "plot_thickness", "thickness_vs_time"]
