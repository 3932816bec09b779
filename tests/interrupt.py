"""Interrupting a deck run the hard way, for resume tests."""

from __future__ import annotations

import os
import signal
import threading
import time
from pathlib import Path

from sei_lmp.run import latest_restart, read_attempts, run_deck


def kill_after_first_restart(deck: Path, outcome: dict) -> None:
    """Run the deck in a thread and SIGKILL LAMMPS (its whole process group) once a restart exists;
    ``outcome`` receives 'result' or 'error'."""
    def target():
        try:
            outcome["result"] = run_deck(deck, progress=False)
        except Exception as exc:     # noqa: BLE001 - handed to the test thread
            outcome["error"] = exc

    thread = threading.Thread(target=target)
    thread.start()
    deadline = time.monotonic() + 60
    while latest_restart(deck) is None and thread.is_alive() and time.monotonic() < deadline:
        time.sleep(0.01)
    attempts = read_attempts(deck)
    if thread.is_alive() and attempts:
        os.killpg(attempts[-1]["pid"], signal.SIGKILL)
    thread.join(timeout=60)
