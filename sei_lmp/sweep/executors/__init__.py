"""Where sweep runs execute: ``local`` (a process pool on this machine) or ``slurm`` (job arrays)."""
