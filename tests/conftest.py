"""Shared fixtures: where the reference data lives, and skipping when it is absent."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


def _shared_dir(env: str, sub: str) -> Path:
    return Path(os.environ.get(env, REPO.parent / "shared" / sub))


@pytest.fixture(scope="session")
def reference_dir() -> Path:
    """``../shared/reference`` (or ``$SEI_LMP_REFERENCE_DIR``); tests skip with a reason if absent."""
    path = _shared_dir("SEI_LMP_REFERENCE_DIR", "reference")
    if not (path / "mtp" / "reference_values.json").is_file():
        pytest.skip(f"reference data not found at {path} (set SEI_LMP_REFERENCE_DIR to ../shared/reference)")
    return path


@pytest.fixture(scope="session")
def mtp_reference(reference_dir) -> Path:
    return reference_dir / "mtp"


@pytest.fixture(scope="session")
def validation_dir() -> Path:
    path = _shared_dir("SEI_LMP_VALIDATION_DIR", "validation")
    if not path.is_dir():
        pytest.skip(f"validation data not found at {path} (set SEI_LMP_VALIDATION_DIR)")
    return path
