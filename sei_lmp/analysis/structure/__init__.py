"""Structure analysis of MD snapshots with OVITO: partial RDFs and coordination numbers, bond angles, density
(:mod:`.rdf`), residual crystallinity (:mod:`.crystallinity`), melt-quench quality checks (:mod:`.meltquench`),
product speciation (:mod:`.speciation`) and point defects (:mod:`.defects`).

Every function takes an ``ase.Atoms``, a list of them, a LAMMPS dump/data file or a deck directory
(see :func:`.frames.make_pipeline`) and returns a pandas DataFrame.
"""

from sei_lmp.analysis.structure.crystallinity import (
                                                   crystalline_fraction,
                                                   structure_fractions,
)
from sei_lmp.analysis.structure.defects import wigner_seitz
from sei_lmp.io.frames import make_pipeline, manifest_elements
from sei_lmp.analysis.structure.meltquench import (
                                                   GlassTransition,
                                                   MeltQuenchQA,
                                                   QACriteria,
                                                   analyze_melt_quench,
                                                   check_melt_quench,
                                                   glass_transition,
                                                   plot_quench_curve,
                                                   quench_curve,
                                                   rdf_r_factor,
)
from sei_lmp.analysis.structure.rdf import (
                                                   bond_angle_distribution,
                                                   coordination_numbers,
                                                   density,
                                                   first_peak,
                                                   partial_rdf,
)
from sei_lmp.analysis.structure.results import DefectsResult, SpeciationResult, StructureResult, plot_rdf
from sei_lmp.analysis.structure.speciation import (
                                                   label_phases,
                                                   phase_fractions,
                                                   phase_profile,
)

__all__ = ["DefectsResult", "GlassTransition", "MeltQuenchQA", "QACriteria", "SpeciationResult", "StructureResult",
           "analyze_melt_quench", "bond_angle_distribution",
           "check_melt_quench", "coordination_numbers", "crystalline_fraction", "density", "first_peak",
           "glass_transition", "label_phases", "make_pipeline", "manifest_elements", "partial_rdf",
           "phase_fractions", "phase_profile", "plot_quench_curve", "plot_rdf", "quench_curve", "rdf_r_factor",
           "structure_fractions", "wigner_seitz"]
