"""`kb`: a thin command line over :mod:`kb.api`.

    kb check [CONTENT]           validate the content (exit 1 on errors)
    kb build                     check, then build index/ and site/ (each swapped in atomically)
    kb site                      build site/ only
    kb search QUERY | -          search (stdin when QUERY is - or absent and stdin is piped)
    kb show ID[#CASE]            print an advisory

Exit codes: 0 success / results, 1 content errors / no results, 2 usage errors.
"""

from __future__ import annotations

import argparse
import json
import sys
import textwrap
from pathlib import Path

from . import __version__
from .content import ContentError, Problem, load


class _Progress:
    """A one-line progress bar on stderr, only when stderr is a terminal."""

    def __init__(self, label: str):
        self.label, self.total, self.done = label, 0, 0
        self.enabled = sys.stderr.isatty()

    def set_total(self, n: int) -> None:
        self.total = n

    def step(self, n: int = 1) -> None:
        self.done += n
        if self.enabled and (self.done % 25 == 0 or self.done == self.total):
            width = 30
            frac = self.done / self.total if self.total else 0
            bar = "#" * int(width * frac)
            sys.stderr.write(f"\r{self.label} [{bar:<{width}}] {self.done}/{self.total}")
            sys.stderr.flush()

    def close(self) -> None:
        if self.enabled and self.done:
            sys.stderr.write("\n")


def _print_problems(problems: list[Problem]) -> int:
    errors = [p for p in problems if p.severity == "error"]
    warnings = [p for p in problems if p.severity == "warning"]
    for p in errors:
        print(p, file=sys.stderr)
    if warnings:
        print(f"\n{len(warnings)} warning(s):", file=sys.stderr)
        for p in warnings:
            print(p, file=sys.stderr)
    return len(errors)


def cmd_check(args: argparse.Namespace) -> int:
    from .api import default_content_dir

    root = Path(args.content) if args.content else default_content_dir()
    advisories, problems = load(root)
    n = _print_problems(problems)
    if n:
        print(f"\n{n} error(s) in {root}", file=sys.stderr)
        return 1
    cases = sum(len(a.cases) for a in advisories)
    print(f"ok: {len(advisories)} advisories, {cases} cases in {root}")
    return 0


def cmd_build(args: argparse.Namespace) -> int:
    from .api import KnowledgeBase

    base = KnowledgeBase(args.content, args.index)
    advisories, problems = load(base.content_dir)
    if _print_problems(problems):
        print("build stopped: the content has errors; index/ and site/ are unchanged", file=sys.stderr)
        return 1
    progress = _Progress("index")
    try:
        out = base.build(progress=progress.step, total=progress.set_total)
    except ContentError as exc:
        _print_problems(exc.problems)
        return 1
    finally:
        progress.close()
    print(f"index: {len(advisories)} advisories -> {out}")
    if not args.no_site:
        return _site(base, args.site)
    return 0


def _site(base, site_dir: str | None) -> int:
    from .site import build_site, default_site_dir

    out = build_site(base, Path(site_dir) if site_dir else default_site_dir())
    print(f"site: {out}/index.html")
    return 0


def cmd_site(args: argparse.Namespace) -> int:
    from .api import KnowledgeBase

    base = KnowledgeBase(args.content, args.index)
    try:
        base.advisories()
    except ContentError as exc:
        _print_problems(exc.problems)
        print("site not built: the content has errors; site/ is unchanged", file=sys.stderr)
        return 1
    return _site(base, args.site)


def _read_query(args: argparse.Namespace, parser: argparse.ArgumentParser) -> str:
    if args.query in (None, "-"):
        if args.query is None and sys.stdin.isatty():
            parser.error("give a QUERY, or - to read it from standard input")
        return sys.stdin.buffer.read().decode("utf-8", errors="replace")
    return args.query


def cmd_search(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    from .api import open as open_kb

    text = _read_query(args, parser)
    try:
        base = open_kb(args.content, args.index)
    except ContentError as exc:
        _print_problems(exc.problems)
        return 1
    hits = base.search(text, lang=args.lang, limit=args.limit)
    if args.json:
        json.dump({"query": text if len(text) <= 2000 else text[:2000] + "…", "results": [h.to_dict() for h in hits]}, sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
        return 0 if hits else 1
    if not hits:
        print("no matching advisory")
        return 1
    for n, h in enumerate(hits, 1):
        flag = "  NOT AFFECTED" if h.not_affected else ""
        print(f"{n}. [{h.confidence}] {h.title}{flag}")
        print(f"   {h.id}#{h.case}   site: {h.url}")
        for e in h.evidence[:3]:
            print(textwrap.shorten(f"   why ({e.field}): {e.text}", 160))
        if n == 1:
            for k, s in enumerate(h.steps, 1):
                print(textwrap.shorten(f"   step {k}: {s}", 160))
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    from .api import KnowledgeBase
    from .render_text import advisory_text

    base = KnowledgeBase(args.content, args.index)
    advisory_id, _, case_id = args.id.partition("#")
    try:
        adv = base.get(advisory_id)
    except ContentError as exc:
        _print_problems(exc.problems)
        return 1
    except KeyError:
        print(f"no advisory '{advisory_id}'", file=sys.stderr)
        return 1
    if case_id and case_id not in adv.case_ids:
        print(f"advisory '{advisory_id}' has no case '{case_id}' (cases: {', '.join(adv.case_ids)})", file=sys.stderr)
        return 1
    print(advisory_text(adv, args.lang, case_id or None))
    return 0


def make_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="kb", description="Support advisories, searchable in Japanese and English.")
    p.add_argument("--version", action="version", version=f"kb {__version__}")
    p.add_argument("--content", help="content folder (default: the bundled content/)")
    p.add_argument("--index", help="index folder (default: index/)")
    sub = p.add_subparsers(dest="command", required=True)

    c = sub.add_parser("check", help="validate the content")
    c.add_argument("content_path", nargs="?", metavar="CONTENT", help="content folder")

    b = sub.add_parser("build", help="build index/ and site/")
    b.add_argument("--site", help="site folder (default: site/)")
    b.add_argument("--no-site", action="store_true", help="build the index only")

    s = sub.add_parser("site", help="build site/ only")
    s.add_argument("--site", help="site folder (default: site/)")

    q = sub.add_parser("search", help="search with a pasted text")
    q.add_argument("query", nargs="?", help="the text; - (or nothing, with piped input) reads standard input")
    q.add_argument("--lang", choices=["ja", "en"], help="answer language (default: the query's language)")
    q.add_argument("--limit", type=int, default=5, help="at most this many results (default 5)")
    q.add_argument("--json", action="store_true", help="machine-readable output")

    w = sub.add_parser("show", help="print an advisory")
    w.add_argument("id", help="ADVISORY-ID or ADVISORY-ID#CASE")
    w.add_argument("--lang", choices=["ja", "en"], default="ja")
    return p


def main(argv: list[str] | None = None) -> int:
    parser = make_parser()
    args = parser.parse_args(argv)
    if args.command == "check":
        args.content = args.content_path or args.content
        return cmd_check(args)
    if args.command == "build":
        return cmd_build(args)
    if args.command == "site":
        return cmd_site(args)
    if args.command == "search":
        if args.limit < 1:
            parser.error("--limit must be at least 1")
        return cmd_search(args, parser)
    if args.command == "show":
        return cmd_show(args)
    parser.error(f"unknown command {args.command}")
    return 2
