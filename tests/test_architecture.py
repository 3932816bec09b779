"""The package's shape, checked: no import cycles, and one owner per fact (the run directory's file names and
manifest keys are spelled in ``sei_lmp/run/`` only)."""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

import pytest

from sei_lmp.run import layout

PACKAGE = Path(__file__).resolve().parent.parent / "sei_lmp"


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def imported(tree: ast.AST, known: set[str]) -> set[str]:
    """sei_lmp modules a module imports, at any depth (imports inside functions too: a lazy import that
    closes a cycle still couples the two modules both ways)."""
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            # 'from pkg import sub' imports the submodule when there is one, else a name of pkg
            names = [f"{node.module}.{a.name}" if f"{node.module}.{a.name}" in known else node.module
                     for a in node.names]
        else:
            continue
        out.update(n for n in names if n in known)
    return out


def import_graph() -> dict[str, set[str]]:
    found = modules()
    return {name: imported(ast.parse(path.read_text()), set(found)) - {name} for name, path in found.items()}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index, low, stack, on_stack, out = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                out.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def test_cycle_finder_finds_a_cycle():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_no_import_cycles_in_the_package():
    found = cycles(import_graph())
    assert not found, "import cycles (each list imports itself round the loop): " + "; ".join(map(str, found))


# ------------------------------------------------------------------------------------ one owner per fact

#: every key of a manifest: checked where a manifest is indexed with them (the sweep table may have a column of
#: the same name; that is the sweep's own fact)
MANIFEST_KEYS = {"total_steps", "one_rank_only", "restart_glob", "switches", "stages", "extrapolation_guard",
                 "sei_lmp_version", "data_files", "partitions", "protocol", "backend", "elements", "settings",
                 "potential", "pair_style"}


def _docstrings(tree: ast.AST) -> set[int]:
    ids = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                ids.add(id(first.value))
    return ids


def run_directory_spellings(path: Path) -> list[str]:
    """Where a module spells a run-directory file name (in any string, messages too) or indexes a manifest by key."""
    tree = ast.parse(path.read_text())
    skip = _docstrings(tree)
    # a bare word ('done') is a file name only where it is joined to a path; 'x.json' is one anywhere
    joined = {id(n.right) for n in ast.walk(tree) if isinstance(n, ast.BinOp) and isinstance(n.op, ast.Div)}
    dotted = [n for n in layout.RUN_FILES if "." in n or "/" in n]
    bare = {n for n in layout.RUN_FILES if n not in dotted}
    hits = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in skip:
            text = node.value
            named = [n for n in dotted if n in text] + ([text] if text in bare and id(node) in joined else [])
            hits += [f"{path.name}:{node.lineno}: {n!r}" for n in named]
        key, owner = None, None
        if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant):
            key, owner = node.slice.value, node.value
        elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "get"
              and node.args and isinstance(node.args[0], ast.Constant)):
            key, owner = node.args[0].value, node.func.value
        if key in MANIFEST_KEYS and "manifest" in ast.unparse(owner).lower():
            hits.append(f"{path.name}:{node.lineno}: {ast.unparse(node)}")
    return sorted(hits, key=lambda h: int(h.split(":")[1]))


def test_spelling_finder_sees_file_names_and_keys(tmp_path):
    probe = tmp_path / "probe.py"
    probe.write_text('"""manifest.json in a docstring is prose."""\n'
                     'a = d / "manifest.json"\nb = row["total_steps"]\nc = manifest["elements"]\n'
                     'e = card["elements"]\nf = run / "restarts/restart.*"\ng = {"done": "green"}\nh = run / "done"\n'
                     'i = f"no stdout.txt in {d}"\nj = deck.manifest.get("switches")\n')
    hits = run_directory_spellings(probe)
    assert [h.split(":")[1] for h in hits] == ["2", "4", "6", "8", "9", "10"], hits


@pytest.mark.parametrize("path", [p for p in sorted(PACKAGE.rglob("*.py"))
                                  if p.relative_to(PACKAGE).parts[0] != "run"],
                         ids=lambda p: str(p.relative_to(PACKAGE)))
def test_only_the_run_package_spells_the_run_directory(path):
    hits = run_directory_spellings(path)
    assert not hits, ("ask sei_lmp.run (RunDirectory, Manifest, layout) instead of spelling these: "
                      + "; ".join(hits))
