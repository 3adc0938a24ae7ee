"""The calendar's modules form a one-way graph below the kernel, with no private reach-ins."""

from __future__ import annotations

import ast
from graphlib import CycleError, TopologicalSorter
from pathlib import Path

import calendars

PACKAGE = Path(calendars.__file__).parent
MODULES = {p.stem: ast.parse(p.read_text(encoding="utf-8")) for p in PACKAGE.glob("*.py")}


def _imports(tree: ast.Module) -> set[str]:
    """Sibling modules and top-level packages a module imports (lazy imports included)."""
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level == 1 and node.module:
            found.add(node.module.split(".")[0])
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
        elif isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
    return found


def test_modules_form_a_dag_with_the_day_index_below_hours_and_clock() -> None:
    graph = {name: _imports(tree) & MODULES.keys() for name, tree in MODULES.items()}
    try:
        order = list(TopologicalSorter(graph).static_order())
    except CycleError as e:  # pragma: no cover - the message is the point
        raise AssertionError(f"import cycle in calendars: {e.args[1]}") from None
    assert "days" in graph["hours"] and "days" in graph["clock"]
    assert not graph["days"] & {"hours", "clock", "calendar"}
    assert order.index("days") < order.index("hours") < order.index("calendar")


def test_nothing_imports_the_kernel_or_plugins() -> None:
    for name, tree in MODULES.items():
        assert not _imports(tree) & {"kernel", "plugins", "sandbox"}, name


def test_no_module_uses_another_modules_private_names() -> None:
    for name, tree in MODULES.items():
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.level == 1:
                private = [a.name for a in node.names if a.name.startswith("_")]
                assert not private, f"{name} imports {private} from .{node.module}"
            if isinstance(node, ast.Attribute) and node.attr.startswith("_") and not (
                    node.attr.startswith("__")):
                owner = node.value.id if isinstance(node.value, ast.Name) else None
                assert owner in ("self", "cls"), f"{name}: {ast.unparse(node)}"
