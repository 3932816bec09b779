"""Teachers behind one interface: a name in a plan -> an ASE calculator, the elements it can label, and its
provenance.

    emt                      ASE's EMT (Al Cu Ag Au Ni Pd Pt; H C N O): seconds, for tests and examples
    chgnet[:0.3.0]           CHGNet (``train`` extra), universal, PBE/PBE+U MPtrj labels
    sevenn[:SevenNet-0]      SevenNet (the ``sevenn`` wheel ships SevenNet-0, SevenNet-l3i5, SevenNet-MF-0)
    python:module:factory    any ASE calculator: ``factory(**options)`` returns it
    dft:vasp | dft:espresso  DFT through a Slurm job array (options: DFTSettings fields): the learning writes the
                             inputs and stops; submit the array, rerun ``sei-lmp learn``, it reads the results

Universal teachers were trained on PBE relaxation data and soften migration barriers; a potential that learns
from one inherits that (the card says which teacher it had). The DFT route for clusters is
:mod:`sei_lmp.learn.dft` (inputs + a job array, results read back).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sei_lmp.errors import ConfigurationError

#: elements ASE's EMT has parameters for (ase.calculators.emt.parameters)
EMT_ELEMENTS = frozenset({"Al", "Cu", "Ag", "Au", "Ni", "Pd", "Pt", "H", "C", "N", "O"})
#: the universal teachers cover the periodic table up to Bi (MPtrj: Z <= 83 without noble gases in practice)
UNIVERSAL_MAX_Z = 83
SEVENN_MODELS = ("SevenNet-0", "SevenNet-l3i5", "SevenNet-MF-0")


@dataclass(frozen=True)
class Teacher:
    """A labelling calculator, made on demand (loading CHGNet takes seconds)."""

    name: str
    make: Callable[[], Any] = field(repr=False, compare=False)
    elements: frozenset[str] | None        # None: any element up to UNIVERSAL_MAX_Z
    description: str
    softens_barriers: bool = False          # universal teachers trained on PBE relaxations
    dft: Any = None                         # DFTSettings for the job-array route (no calculator in-process)

    def check_elements(self, species) -> None:
        """Refuse a potential whose species the teacher cannot label."""
        from ase.data import atomic_numbers

        if self.dft is not None:
            self.dft.check_elements(species)
            return
        unknown = [s for s in species if s not in atomic_numbers]
        if unknown:
            raise ConfigurationError(f"species {unknown} are not element symbols")
        missing = [s for s in species if (s not in self.elements if self.elements is not None
                                          else atomic_numbers[s] > UNIVERSAL_MAX_Z)]
        if missing:
            known = f"it labels {' '.join(sorted(self.elements))}" if self.elements else \
                f"it labels elements up to Z = {UNIVERSAL_MAX_Z}"
            raise ConfigurationError(f"teacher '{self.name}' cannot label {', '.join(missing)} ({known}); choose a "
                                     "teacher that covers every species of the potential")

    def calculator(self):
        if self.dft is not None:
            raise ConfigurationError(f"teacher '{self.name}' labels through job arrays, not in this process")
        return self.make()


def _emt(options: Mapping[str, Any]) -> Teacher:
    def make():
        from ase.calculators.emt import EMT

        return EMT(**options)

    return Teacher("emt", make, EMT_ELEMENTS, "ASE EMT (effective medium theory; a cheap test teacher)")


def _chgnet(model: str | None, options: Mapping[str, Any]) -> Teacher:
    from sei_lmp.training.teacher import CHGNET_MODEL, chgnet_calculator

    model = model or CHGNET_MODEL
    if importlib.util.find_spec("chgnet") is None:
        raise ConfigurationError("teacher 'chgnet' needs the chgnet package: pip install 'sei_lmp[train]' "
                                 "(pin torch==2.13.0 first on a CPU machine)")
    return Teacher(f"chgnet:{model}", lambda: chgnet_calculator(model, **options), None,
                   f"CHGNet {model} (universal; PBE/PBE+U MPtrj relaxations)", softens_barriers=True)


#: SevenNet-MF-0's fidelities (sevenn 0.13): MPtrj PBE(+U) or Materials Project r2SCAN labels
SEVENN_MF_MODALS = ("PBE", "R2SCAN")


def _sevenn(model: str | None, options: Mapping[str, Any]) -> Teacher:
    model = model or SEVENN_MODELS[0]
    if model not in SEVENN_MODELS:
        raise ConfigurationError(f"unknown SevenNet model {model!r}; the sevenn wheel ships {', '.join(SEVENN_MODELS)}")
    options = dict(options)
    if model == "SevenNet-MF-0":
        options.setdefault("modal", "PBE")
        if options["modal"] not in SEVENN_MF_MODALS:
            raise ConfigurationError(f"SevenNet-MF-0 has the fidelities {', '.join(SEVENN_MF_MODALS)} (teacher option "
                                     f"'modal'), not {options['modal']!r}")
    elif "modal" in options:
        raise ConfigurationError(f"{model} has one fidelity; 'modal' is an option of SevenNet-MF-0 only")
    if importlib.util.find_spec("sevenn") is None:
        raise ConfigurationError("teacher 'sevenn' needs the sevenn package: pip install sevenn torch==2.13.0 "
                                 "(in an environment without mace-torch: sevenn needs e3nn >= 0.5, mace-torch "
                                 "pins e3nn 0.4.4)")

    def make():
        from sevenn.calculator import SevenNetCalculator

        return SevenNetCalculator(model=model, device="cpu", **options)

    labels = "r2SCAN relaxations, modal R2SCAN" if options.get("modal") == "R2SCAN" else "PBE relaxations"
    return Teacher(f"sevenn:{model}", make, None, f"SevenNet {model} (universal; {labels})", softens_barriers=True)


def _python(target: str, options: Mapping[str, Any], elements) -> Teacher:
    module, _, attr = target.partition(":")
    if not module or not attr:
        raise ConfigurationError(f"teacher 'python:{target}': write python:<module>:<factory>, e.g. "
                                 "python:ase.calculators.emt:EMT")
    try:
        factory = getattr(importlib.import_module(module), attr)
    except (ImportError, AttributeError) as err:
        raise ConfigurationError(f"teacher 'python:{target}': cannot import {attr} from {module} ({err})") from err
    if not callable(factory):
        raise ConfigurationError(f"teacher 'python:{target}': {attr} is not callable")
    return Teacher(f"python:{target}", lambda: factory(**options), frozenset(elements) if elements else None,
                   f"ASE calculator {module}.{attr}")


def _dft(code: str, options: Mapping[str, Any]) -> Teacher:
    from sei_lmp.learn.dft import DFTSettings

    try:
        settings = DFTSettings(code=code, **options)
    except TypeError as err:
        raise ConfigurationError(f"teacher 'dft:{code}': [teacher] options must be DFTSettings fields "
                                 f"(command, parameters, pseudopotentials, kspacing, slurm): {err}") from None
    return Teacher(f"dft:{code}", lambda: None, None, f"DFT ({code}, settings {settings.fingerprint()})",
                   dft=settings)


def get_teacher(name: str, options: Mapping[str, Any] | None = None, elements=None) -> Teacher:
    """The teacher a plan names (see the module docstring); ``elements`` declares what a ``python:`` teacher
    covers (default: any)."""
    options = dict(options or {})
    kind, _, rest = str(name).partition(":")
    if kind == "emt":
        return _emt(options)
    if kind == "chgnet":
        return _chgnet(rest or None, options)
    if kind == "sevenn":
        return _sevenn(rest or None, options)
    if kind == "python":
        return _python(rest, options, elements)
    if kind == "dft":
        return _dft(rest, options)
    raise ConfigurationError(f"unknown teacher {name!r}; use emt, chgnet[:model], sevenn[:{'|'.join(SEVENN_MODELS)}], "
                             "python:<module>:<factory> (any ASE calculator) or dft:vasp|dft:espresso")
