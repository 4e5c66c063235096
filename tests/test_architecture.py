"""The import rule of docs/architecture.md, enforced: every module of bonecare/ imports only what its layer may."""

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "bonecare"
DOC = ROOT / "docs" / "architecture.md"

# Each part of bonecare/ (a package, or a top-level module) by layer; `__init__` is bonecare/__init__.py, the factory.
# The rule is by part, not by module file, so that a module may move or split inside its package.
LAYERS = {
    "guidance": {"guidance"},
    "kernel": {"config", "errors", "clock", "localtime", "database", "extensions", "web"},
    "access": {"accounts", "audit"},
    "records": {"patients", "intake", "exercise", "habits", "careplan", "dxa", "treatments", "logbook"},
    "summaries": {"adherence", "assessment", "clinician", "changes", "report", "export"},
    "reminders": {"reminders"},
    "outer": {"education", "ops", "demo", "deletion", "clinic"},
    "app": {"__init__"},
}

# Layer -> the layers its modules may import from (their own included where listed).
MAY_IMPORT = {
    "guidance": {"guidance"},
    "kernel": {"kernel"},
    "access": {"kernel", "access"},
    "records": {"kernel", "guidance", "access", "records"},
    "summaries": {"kernel", "guidance", "access", "records", "summaries", "reminders"},
    "reminders": {"kernel", "guidance", "access", "records", "summaries", "reminders"},
    "outer": {"kernel", "guidance", "access", "records", "summaries", "reminders"},
    "app": set(LAYERS),
}

# Imports against the rule that the code still makes, each to be removed (the test fails once one is gone, so
# that the list only shrinks). None today.
KNOWN_EXCEPTIONS: set[tuple[str, str]] = set()

LAYER_OF = {part: layer for layer, parts in LAYERS.items() for part in parts}


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _is_module(dotted: str) -> bool:
    path = ROOT.joinpath(*dotted.split("."))
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def _imported(module: str, path: Path) -> set[str]:
    """The modules of ours a module imports, anywhere in it (a function's deferred import counts too)."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            # `from bonecare import clock` imports the module bonecare.clock, not the package's __init__
            found |= {f"{base}.{a.name}" if _is_module(f"{base}.{a.name}") else base for a in node.names}
    return {name for name in found if name == "bonecare" or name.startswith("bonecare.")}


def _part(dotted: str) -> str:
    """The part of bonecare/ a module belongs to: bonecare.dxa.service -> dxa; bonecare itself -> __init__."""
    parts = dotted.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def _modules() -> dict[str, Path]:
    return {_module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def _breaks_the_rule(module: str, target: str) -> bool:
    """Whether `module` importing `target` goes against the rule (a part may always import itself)."""
    mine, theirs = _part(module), _part(target)
    return mine != theirs and LAYER_OF.get(theirs) not in MAY_IMPORT[LAYER_OF[mine]]


def _violations() -> set[tuple[str, str]]:
    """(module, the part it should not import), over the whole of bonecare/."""
    return {
        (module, _part(target))
        for module, path in _modules().items()
        for target in _imported(module, path)
        if _breaks_the_rule(module, target)
    }


def test_every_part_of_bonecare_has_a_layer():
    parts = {_part(module) for module in _modules()}
    assert parts - set(LAYER_OF) == set(), "add the new part to LAYERS here and to docs/architecture.md"


def test_every_module_imports_only_what_its_layer_may():
    assert _violations() - KNOWN_EXCEPTIONS == set(), "see the import rule in docs/architecture.md"


def test_each_known_exception_is_still_needed():
    assert KNOWN_EXCEPTIONS - _violations() == set(), "fixed: remove it here and from docs/architecture.md"


def _doc_table() -> dict[str, tuple[set[str], set[str]]]:
    """The rule as docs/architecture.md states it: layer -> (its parts, the layers it may import)."""
    rows = {}
    for line in DOC.read_text().splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if line.startswith("| **") and len(cells) == 3:
            name = cells[0].strip("*")
            rows[name] = (set(re.findall(r"`(\w+)`", cells[1])), set(re.findall(r"\*\*(\w+)\*\*", cells[2])))
    return rows


def test_the_doc_states_the_same_rule():
    assert _doc_table() == {layer: (LAYERS[layer], MAY_IMPORT[layer]) for layer in LAYERS}


@pytest.mark.parametrize(
    ("module", "target", "breaks"),
    [
        ("bonecare.intake.service", "bonecare.adherence.service", True),  # a record reads a summary
        ("bonecare.dxa.service", "bonecare.reminders.planner", True),  # a record calls into reminders
        ("bonecare.guidance.rules", "bonecare.errors", True),  # guidance imports nothing of ours
        ("bonecare.web.paging", "bonecare.dxa.models", True),  # the kernel knows no domain
        ("bonecare.errors", "bonecare", True),  # nor the factory
        ("bonecare.dxa.service", "bonecare.guidance.targets", False),
        ("bonecare.treatments.service", "bonecare.dxa.service", False),  # records may use each other
        ("bonecare.reminders.planner", "bonecare.dxa.models", False),
        ("bonecare.adherence.today", "bonecare.reminders.models", False),
        ("bonecare.guidance.rules", "bonecare.guidance.targets", False),
        ("bonecare", "bonecare.demo.cli", False),
    ],
)
def test_the_rule_tells_a_wrong_import_from_a_right_one(module, target, breaks):
    assert _breaks_the_rule(module, target) is breaks


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("from bonecare.errors import NotFound", {"bonecare.errors"}),
        ("from bonecare import errors, reminders", {"bonecare.errors", "bonecare.reminders"}),
        ("from .. import errors", {"bonecare.errors"}),
        ("from . import models", {"bonecare.intake.models"}),
        ("def f():\n    import bonecare.errors", {"bonecare.errors"}),
        ("import json\nfrom sqlalchemy import select", set()),
    ],
)
def test_the_reader_sees_every_kind_of_import(tmp_path, source, expected):
    """An import hidden in a function, a relative one and `from bonecare import <module>` are all seen."""
    path = tmp_path / "service.py"
    path.write_text(source)
    assert _imported("bonecare.intake.service", path) == expected
