"""Every reader of sei_lmp: what comes back from LAMMPS and what users hand in.

=============================  =================================================================
:func:`read_log`, :func:`read_thermo`   thermo output of ``log.lammps`` / screen output (pandas)
:func:`read_trajectory`        a dump/XDATCAR/extxyz as unwrapped positions (:class:`Trajectory`)
:func:`iter_position_frames`   the same file one :class:`Frame` (positions, ids, elements) at a time
:func:`load_pipeline`          an OVITO pipeline with element-named types; :func:`iter_data_collections`
                               walks its computed frames
:func:`read_lammps_data`       a data file as ``ase.Atoms`` (:func:`read_data_types`: masses, box shape)
:func:`read_structure`         CIF/POSCAR/extxyz as ``ase.Atoms``, partial occupancies refused unless ordered
=============================  =================================================================

Importing this package loads none of them: OVITO, pandas, ASE and pymatgen load when a reader is called.
"""

from __future__ import annotations

import importlib

#: public name -> module that owns it
_OWNERS = {
    "read_log": "lammps_log", "read_thermo": "lammps_log",
    "Frame": "trajectory", "Trajectory": "trajectory", "dump_columns": "trajectory",
    "iter_position_frames": "trajectory", "read_trajectory": "trajectory",
    "carries_elements": "frames", "frame_indices": "frames", "iter_data_collections": "frames",
    "load_pipeline": "frames", "num_frames": "frames", "type_names": "frames",
    "make_pipeline": "frames", "manifest_elements": "frames", "resolve_source": "frames",
    "data_file_elements": "datafile", "read_data_atoms": "datafile", "read_data_types": "datafile",
    "read_lammps_data": "datafile",
    "read_structure": "structure",
}

__all__ = sorted(_OWNERS)


def __getattr__(name: str):
    module = _OWNERS.get(name)
    if module is None:
        raise AttributeError(f"module 'sei_lmp.io' has no attribute '{name}'")
    return getattr(importlib.import_module(f"sei_lmp.io.{module}"), name)


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_OWNERS))
