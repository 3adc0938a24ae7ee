"""onetrip kernel: the public API that plugins, the sandbox and tests import from.

PYTEST_DONT_REWRITE: pytest marks this package for assertion rewriting because the test kit
(``kernel.testkit``) is a pytest plugin of it; ``onetrip test`` has imported it already when
pytest starts, and it holds no test assertions to rewrite.
"""

from importlib import import_module
from typing import Any

from kernel.manager import PluginError, hookimpl

# name -> module; loaded on first use, so `import kernel` (and `onetrip --help`) stays cheap
_LAZY = {
    "ActionRegistry": "kernel.actions", "FoldState": "kernel.actions",
    "ItemRegistry": "kernel.catalogue", "UnknownItem": "kernel.catalogue",
    "InputError": "kernel.core", "Kernel": "kernel.core",
    "HALL_TZ": "kernel.decide",
    "CaseContext": "kernel.facts", "FactRegistry": "kernel.facts",
    "Application": "kernel.models", "Decision": "kernel.models", "Item": "kernel.models",
    "TimeLimit": "kernel.models",
    "Rulebook": "kernel.rulebook",
    "Problem": "kernel.yamlsrc", "Source": "kernel.yamlsrc", "SourceError": "kernel.yamlsrc",
}

__all__ = ["PluginError", "hookimpl", *sorted(_LAZY)]


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module 'kernel' has no attribute {name!r}")
    value = getattr(import_module(_LAZY[name]), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
