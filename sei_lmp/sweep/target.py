"""Which backend and pair style each potential would use on a given LAMMPS (for ``sei-lmp info``
and for sweeps planned against a cluster ``lmp``)."""

from __future__ import annotations

from sei_lmp.errors import ConfigurationError

#: preferred first: GPU Kokkos styles, then upstream CPU styles, then our plugin
PREFERENCE = ("kokkos", "lammps", "plugin")


def backend_options(potential, capabilities) -> list[dict]:
    """One row per (backend, style) the potential's family offers: usable here or what is missing."""
    rows = []
    for backend in PREFERENCE:
        try:
            styles = potential.styles(backend)
        except (KeyError, ConfigurationError):
            styles = ()
        for style in styles:
            try:
                block = potential.pair_block(backend, list(potential.species), style=style)
                missing = capabilities.missing_for(block, backend)
            except ConfigurationError as err:
                missing = [str(err)]
            rows.append({"backend": backend, "style": style, "usable": not missing, "missing": missing})
    return rows


def choose_backend(potential, capabilities) -> dict | None:
    """The first usable (backend, style) in :data:`PREFERENCE` order, or None."""
    return next((row for row in backend_options(potential, capabilities) if row["usable"]), None)
