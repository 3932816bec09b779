"""Post-processing of runs: transport (MSD, D, Arrhenius, conductivity), structure and interphase analysis, and
thermodynamic traces (NVE energy conservation).

Submodules are imported on demand (``sei_lmp.analysis.transport``, ``sei_lmp.analysis.structure``,
``sei_lmp.analysis.interphase``, ``sei_lmp.analysis.thermo``) so that importing one does not pull in the others'
dependencies.
"""
