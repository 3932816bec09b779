"""The names of the files in a run directory: the one place they are spelled.

A run directory is what ``sei-lmp deck`` writes and ``sei-lmp run`` runs in. Decks, runners, sweeps and
analyses all ask this module (or :class:`sei_lmp.run.directory.RunDirectory`) for a path; none of them
spells a file name itself. No imports beyond the standard library, so the lowest floors can use it.
"""

from __future__ import annotations

#: the LAMMPS input the renderer writes
INPUT = "in.lmp"
#: what the renderer knew about the deck (protocol, backend, steps, elements, settings, ...)
MANIFEST = "manifest.json"
#: the structure the deck reads on a fresh start
DATA_FILE = "structure.data"
#: everything LAMMPS printed, all attempts appended (complete after a kill; thermo is read from it)
STDOUT = "stdout.txt"
#: the LAMMPS log of every attempt, appended after each attempt
LOG = "log.lammps"
#: the log LAMMPS writes during an attempt
CURRENT_LOG = "log.current.lammps"
#: one start and one end record per attempt
ATTEMPTS = "runs.jsonl"
#: written when the deck reached its final step
DONE = "done"
#: held by the runner while it runs
LOCK = ".run.lock"
#: restart files; LAMMPS puts the timestep at the '*'
RESTART_DIR = "restarts"
RESTART_GLOB = f"{RESTART_DIR}/restart.*"
#: the parameters of a sweep point, beside the deck
SWEEP_POINT = "sweep_point.json"
#: what a sweep worker printed outside LAMMPS (a configuration error, a traceback)
WORKER_LOG = "sweep_worker.log"
#: the script a Slurm array task runs LAMMPS through (``srun ... lmp "$@"``)
SRUN_WRAPPER = ".srun_lmp"
#: trajectories the templates dump
TRAJECTORY = "trajectory.dump"
PRODUCTION_DUMP = "production.dump"
EXTRAPOLATIVE_DUMP = "extrapolative.dump"
#: the structure a deck writes at its end (melt-quench)
FINAL_DATA = "final.data"

#: nudged elastic band: the final coordinates of the hop, and each replica's converged coordinates
NEB_FINAL = "neb_final.coords"
NEB_IMAGES = "neb_image.*.dump"

#: what only a run writes: any of these in a directory means results that a new deck must not overwrite
RESULTS = (STDOUT, LOG, CURRENT_LOG, TRAJECTORY, PRODUCTION_DUMP, EXTRAPOLATIVE_DUMP, FINAL_DATA, "msd_*.dat",
           NEB_IMAGES)

#: every name above that belongs to a run (what a test checks nobody else spells)
RUN_FILES = (INPUT, MANIFEST, DATA_FILE, STDOUT, LOG, CURRENT_LOG, ATTEMPTS, DONE, LOCK, RESTART_GLOB,
             SWEEP_POINT, WORKER_LOG, SRUN_WRAPPER, TRAJECTORY, PRODUCTION_DUMP, EXTRAPOLATIVE_DUMP, FINAL_DATA,
             NEB_FINAL, NEB_IMAGES)
