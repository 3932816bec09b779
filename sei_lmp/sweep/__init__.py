"""Parameter sweeps: a sweep file -> one deck per point -> local pool or Slurm array -> one table.

::

    from sei_lmp.sweep import read_sweep, plan_sweep, run_local, sweep_status, collect
    plan_sweep(read_sweep("li_diffusion.toml"), "runs/li")
    run_local("runs/li")             # resumable: finished runs are skipped
    sweep_status("runs/li")          # done / running / interrupted / failed / pending, with reasons
    results, fits = collect("runs/li")

Where runs execute is an executor found by name, with the launch settings of a machine profile
(:mod:`sei_lmp.run.profiles`)::

    from sei_lmp.run import load_profile
    get_executor("slurm", load_profile("cluster")).run("runs/li", submit=True)
"""

from __future__ import annotations

__all__ = ["SweepSpec", "available_executors", "collect", "get_executor", "load_sweep", "parse_sweep", "plan_sweep",
           "read_sweep", "run_local", "submit", "sweep_status", "wait_for_held_runs", "write_array_script"]

_WHERE = {
    "SweepSpec": "spec", "parse_sweep": "spec", "read_sweep": "spec",
    "plan_sweep": "plan", "load_sweep": "plan",
    "run_local": "executors.local", "write_array_script": "executors.slurm", "submit": "executors.slurm",
    "sweep_status": "status", "collect": "collect",
    "get_executor": "executors", "available_executors": "executors", "wait_for_held_runs": "executors.base",
}


def __getattr__(name: str):
    # pandas, ase and the analyses load only when a function is asked for
    if name in _WHERE:
        import importlib

        return getattr(importlib.import_module(f"sei_lmp.sweep.{_WHERE[name]}"), name)
    raise AttributeError(name)
