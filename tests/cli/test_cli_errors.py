"""The one error handler of ``sei-lmp``: a sei_lmp error from any command is one line on stderr with the
command's exit status (2; 1 for ``run`` and ``demo``) and no traceback; any other exception keeps its traceback.
``sei-lmp --help`` imports none of the heavy libraries."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from sei_lmp.cli import app
from sei_lmp.cli.errors import DEFAULT_EXIT_STATUS, EXIT_STATUS
from sei_lmp.errors import ConfigurationError

runner = CliRunner()


def _one_error_line(result, status: int, text: str) -> None:
    assert result.exit_code == status, result.output
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and text in lines[0], result.stderr
    assert "Traceback" not in result.output and isinstance(result.exception, SystemExit)


def test_bad_input_to_several_commands_is_one_line_with_their_status(tmp_path):
    (tmp_path / "empty").mkdir()
    _one_error_line(runner.invoke(app, ["analyze", "meltquench", str(tmp_path / "empty")]), 2,
                    "has no manifest.json: pass a melt-quench deck")
    _one_error_line(runner.invoke(app, ["build", "phase", "Unobtainium", "-o", str(tmp_path / "x.data")]), 2,
                    "Unobtainium")
    bad = tmp_path / "bad.toml"
    bad.write_text('protocol = "diffusion_nvt"\n[grid]\ntemperature = [600]\n')
    _one_error_line(runner.invoke(app, ["sweep", "plan", str(bad)]), 2, "the sweep file needs 'structures'")
    _one_error_line(runner.invoke(app, ["run", str(tmp_path / "empty")]), 1, "is not a rendered deck")


def test_long_messages_are_not_wrapped_and_markup_in_them_is_kept(tmp_path, monkeypatch):
    import sei_lmp.run.local

    message = "[bold]x[/bold] " + "a very long message " * 10

    def fail(*args, **kwargs):
        raise ConfigurationError(message)

    monkeypatch.setattr(sei_lmp.run.local, "run_deck", fail)
    result = runner.invoke(app, ["run", str(tmp_path)])
    _one_error_line(result, 1, message.strip())


def test_other_exceptions_keep_their_traceback(tmp_path, monkeypatch):
    import sei_lmp.run.local

    def bug(*args, **kwargs):
        raise ZeroDivisionError("a bug, not an input problem")

    monkeypatch.setattr(sei_lmp.run.local, "run_deck", bug)
    result = runner.invoke(app, ["run", str(tmp_path)])
    assert isinstance(result.exception, ZeroDivisionError) and "error: " not in result.output


def test_exit_statuses_are_the_documented_ones():
    assert DEFAULT_EXIT_STATUS == 2 and EXIT_STATUS == {"run": 1, "demo": 1}


@pytest.mark.parametrize("args", [["--help"], ["deck", "--help"], ["analyze", "diffusion", "--help"],
                                  ["build", "phase", "--help"], ["sweep", "plan", "--help"]])
def test_help_imports_no_heavy_library(args):
    code = ("import json, sys\n"
            "from typer.testing import CliRunner\n"
            "from sei_lmp.cli import app\n"
            f"result = CliRunner().invoke(app, {args!r})\n"
            "assert result.exit_code == 0, result.output\n"
            "heavy = ('pandas', 'numpy', 'scipy', 'matplotlib', 'ase', 'ovito', 'torch', 'jinja2')\n"
            "print(json.dumps(sorted(m for m in heavy if m in sys.modules)))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert json.loads(out.stdout.splitlines()[-1]) == []


def test_warnings_become_one_line_notes(monkeypatch):
    """An analysis' warning reaches the terminal as one 'note:' line, once, without Python's file and source
    lines (the demo and sweep collect printed walls of them)."""
    import io
    import sys
    import warnings

    from sei_lmp.cli.errors import notes_on_stderr

    err = io.StringIO()
    monkeypatch.setattr(sys, "stderr", err)
    with notes_on_stderr():
        for _ in range(3):
            warnings.warn("run too short: MSD reaches 0.25 A^2", UserWarning, stacklevel=1)
        warnings.warn("an internal deprecation", DeprecationWarning, stacklevel=1)
    text = err.getvalue()
    assert text.count("note: run too short: MSD reaches 0.25 A^2") == 1
    assert "warnings.warn" not in text and "UserWarning" not in text and "deprecation" not in text
