"""Stage 1: the content format — records (:mod:`kb.content.model`) and reading them from files with
`file:line` problems (:mod:`kb.content.load`, :mod:`kb.content.problems`).

The loader's functions are imported when first named here (``kb.content.load`` itself is the module):
a search never needs its Markdown and YAML parsers."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .problems import ContentError, Problem

if TYPE_CHECKING:
    from .load import advisory_folders, load_advisory, load_or_raise

__all__ = ["ContentError", "Problem", "advisory_folders", "load_advisory", "load_or_raise"]

_FROM_LOAD = frozenset({"advisory_folders", "load_advisory", "load_or_raise"})


def __getattr__(name: str) -> Any:
    if name in _FROM_LOAD:
        from importlib import import_module

        return getattr(import_module(".load", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
