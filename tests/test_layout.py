"""The package layout (README, "Layout"): no import cycles inside nbsupport, concept packages
never import a walkthrough, every walkthrough exposes the same names, and its declarations match
its notebook's parameters cell."""

import ast
import importlib
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import NOTEBOOKS, ROOT
from nbsupport.batch.jobs import notebook_parameters
from nbsupport.walkthroughs import INTERFACE, NOTEBOOKS as COLLECTION

PACKAGE = ROOT / "nbsupport"
CONCEPTS = ("quant", "models", "sr", "physics", "dynamics", "immune")


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def imports_of(name: str) -> set[str]:
    """The nbsupport modules a module imports, anywhere in its body (function-local imports too)."""
    path = MODULES[name]
    is_package = path.name == "__init__.py"
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = name.split(".")
                anchor = anchor if is_package else anchor[:-1]
                anchor = anchor[:len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            targets = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in MODULES else base for alias in node.names]
        else:
            continue
        found |= {t for t in targets if t in MODULES and t != name}
    return found


GRAPH = {name: imports_of(name) for name in MODULES}


def test_the_package_has_no_import_cycles():
    state, stack, cycles = {}, [], []

    def visit(node):
        state[node] = "open"
        stack.append(node)
        for nxt in sorted(GRAPH[node]):
            if state.get(nxt) == "open":
                cycles.append(stack[stack.index(nxt):] + [nxt])
            elif nxt not in state:
                visit(nxt)
        stack.pop()
        state[node] = "done"

    for node in sorted(GRAPH):
        if node not in state:
            visit(node)
    assert not cycles, "import cycles: " + "; ".join(" -> ".join(c) for c in cycles)


def test_concept_packages_never_import_a_walkthrough():
    bad = [f"{name} imports {target}" for name, targets in GRAPH.items()
           if name.split(".")[1:2] and name.split(".")[1] in CONCEPTS
           for target in targets if target.startswith("nbsupport.walkthroughs")]
    assert not bad, bad


def test_every_notebook_has_a_walkthrough_and_every_walkthrough_the_same_names():
    assert sorted(COLLECTION) == sorted(p.stem for p in NOTEBOOKS.glob("*.ipynb"))
    for package in COLLECTION.values():
        folder = PACKAGE / "walkthroughs" / package
        assert {p.name for p in folder.glob("*.py")} >= {"__init__.py", "params.py", "experiment.py", "report.py"}
        module = importlib.import_module(f"nbsupport.walkthroughs.{package}")
        for name in ("PARAMS", "RECORDS", *INTERFACE):
            assert callable(getattr(module, name)) or name in ("PARAMS", "RECORDS"), f"{package} lacks {name}"


@pytest.mark.parametrize("notebook", sorted(COLLECTION))
def test_the_parameters_cell_names_exactly_the_declared_knobs_with_their_defaults(notebook):
    params = importlib.import_module(f"nbsupport.walkthroughs.{COLLECTION[notebook]}.params").PARAMS
    cell = notebook_parameters(NOTEBOOKS / f"{notebook}.ipynb")
    assert list(cell) == params.names
    assert cell == params.cell_defaults()


def test_papermill_lists_the_parameters_of_a_notebook():
    result = subprocess.run([sys.executable, "-m", "papermill", "--help-notebook",
                             str(NOTEBOOKS / "06_immune_bistability.ipynb")], capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0 and "ETA" in result.stdout and "BASIN_GRID" in result.stdout, result.stderr


def test_no_module_or_notebook_cites_documents_readers_do_not_have():
    """Our own notes on the papers do not ship with the repository, so no text may point a reader to them (a
    "note NN, section 2", a "PHENIX / note" column): public sources are cited instead. Any "note"
    other than "note that" / "Note:" fails."""
    import re

    pattern = re.compile(r"\bnotes?\b(?!\s+that)(?!:)", re.IGNORECASE)
    hits = []
    for path in [*MODULES.values(), *NOTEBOOKS.glob("*.ipynb"), ROOT / "README.md"]:
        text = path.read_text()
        if path.suffix == ".ipynb":   # sources only, not outputs
            import json
            text = "\n".join("".join(c["source"]) for c in json.loads(text)["cells"])
        hits += [f"{path.relative_to(ROOT)}: {m.group(0)!r}" for m in pattern.finditer(text)]
    assert not hits, hits
