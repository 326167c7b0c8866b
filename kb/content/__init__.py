"""Stage 1: the content format — records (:mod:`kb.content.model`) and reading them from files with
`file:line` problems (:mod:`kb.content.load`)."""

from .load import ContentError, Problem, advisory_folders, load, load_advisory, load_or_raise

__all__ = ["ContentError", "Problem", "advisory_folders", "load", "load_advisory", "load_or_raise"]
