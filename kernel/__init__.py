"""onetrip kernel: models, hook contract, plugin manager, rulebook, decisions."""

from kernel.manager import hookimpl

__all__ = ["hookimpl"]
