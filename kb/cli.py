"""`kb`: a thin command line over :mod:`kb.api`.

    kb check [CONTENT]           validate the content
    kb build [--site DIR]        check, then build the index and the site (each swapped in atomically)
    kb site [--site DIR]         build the site only
    kb search QUERY | - | --file F   search (stdin when QUERY is - or absent and stdin is piped)
    kb show ID[#CASE]            print an advisory

Folders: ``--content`` (default ./content or KB_CONTENT), ``--index`` (./index or KB_INDEX),
``--site`` (./site or KB_SITE), before or after the command. Searching never writes; only
``kb build`` / ``kb site`` do, one at a time.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import sys
import traceback
from pathlib import Path
from typing import TYPE_CHECKING

from . import __version__
from .content.problems import CONTROL_CHARS_RE, ContentError, Problem
from .search.layout import IndexUnavailable
from .storage import Busy, UnsafeTarget
from .text.pastes import UndecodableInput, decode

if TYPE_CHECKING:
    from .search.rank import Results

EXIT_OK = 0  # results found / success
EXIT_NO_RESULTS = 1  # the search found nothing
EXIT_USAGE = 2  # bad arguments or input; a folder kb refuses to write
EXIT_CONTENT = 3  # the content has errors (nothing was written)
EXIT_INDEX = 4  # no index, or a damaged or foreign one: run `kb build`
EXIT_BUSY = 5  # another build holds the folder (with --no-wait)
EXIT_INTERNAL = 70  # a bug in kb: please report it (KB_DEBUG=1 shows the traceback)

_EXIT_FOR = ((IndexUnavailable, EXIT_INDEX), (UndecodableInput, EXIT_USAGE), (UnsafeTarget, EXIT_USAGE), (Busy, EXIT_BUSY))
"""The errors a user can act on, said in one line each, and their exit codes."""

EXIT_CODES_HELP = """exit codes:
  0   success; the search found something
  1   the search found nothing
  2   usage error: bad arguments, undecodable input, or a folder kb will not write
  3   content errors (file:line and a hint on stderr); nothing was written
  4   index unavailable: missing, damaged or foreign (run `kb build`)
  5   another kb build is writing the same folder (with --no-wait)
  70  internal error (a bug: set KB_DEBUG=1 for the traceback and report it)
"""


_ALNUM = re.compile(r"[^\W_]")  # (what str.isalnum takes: letters, digits, CJK; in C, for megabyte pastes)


def _shown(text: object) -> str:
    """``text`` for the terminal: control characters in it (from the content, a file name, the
    query or an argument) escaped, not sent to the terminal."""
    return CONTROL_CHARS_RE.sub(lambda m: f"\\x{ord(m.group()):02x}", str(text))


def _tell(text: object) -> None:
    """A line on stderr (:func:`_shown`)."""
    print(_shown(text), file=sys.stderr)


def _say(message: str) -> None:
    _tell("kb: " + message)


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
    problems = sorted(problems, key=lambda p: (p.path, p.line))  # (workers and checks find them in their own order)
    errors = [p for p in problems if p.severity == "error"]
    warnings_ = [p for p in problems if p.severity == "warning"]
    for p in errors:
        _tell(p)
    if warnings_:
        print(f"\n{len(warnings_)} warning(s):", file=sys.stderr)
        for p in warnings_:
            _tell(p)
    return len(errors)


def cmd_check(args: argparse.Namespace) -> int:
    from .api import KnowledgeBase

    base = KnowledgeBase(args.content, args.index)  # an index built from this content: only what changed since is read
    root = base.content_dir
    count, cases, problems = base.check()
    n = _print_problems(problems)
    if n:
        print(f"\n{n} error(s) in {root}", file=sys.stderr)
        return EXIT_CONTENT
    print(f"ok: {count} advisories, {cases} cases in {root}")
    return EXIT_OK


def cmd_build(args: argparse.Namespace) -> int:
    from .api import KnowledgeBase

    base = KnowledgeBase(args.content, args.index)
    try:
        # only what changed since the index was built, when it can build on it; with the site, every
        # folder (read once, for both: the index analyzes only what changed)
        count = base.load_changes(every=not args.no_site)
    except ContentError as exc:
        _print_problems(exc.problems)
        print("build stopped: the content has errors; the index and the site are unchanged", file=sys.stderr)
        return EXIT_CONTENT
    _print_problems(base.problems)  # warnings
    if not args.no_site:  # refuse a foreign site folder before any work
        from .site.pages import claim_site

        claim_site(_site_dir(args), protect=(base.content_dir, base.index_dir))
    progress = _Progress("index")
    try:
        out = base.build(progress=progress.step, total=progress.set_total, wait=not args.no_wait, notify=_say, reload=False)
    finally:
        progress.close()
    print(f"index: {count} advisories -> {out}")
    if not args.no_site:
        from .search.index import Index

        try:
            made = Index(out)  # the site's search is made from the build just made (pinned while open)
        except Exception:  # (two later builds already replaced and removed it: the site indexes its advisories itself)
            return _site(base, args)
        with contextlib.closing(made):
            return _site(base, args, made)
    return EXIT_OK


def _site_dir(args: argparse.Namespace) -> Path:
    from .site.pages import default_site_dir

    return Path(args.site) if args.site else default_site_dir()


def _site(base, args: argparse.Namespace, index=None) -> int:
    from .site.pages import write_site

    out = write_site(
        base.advisories_packed(),  # (each advisory unpickled when its turn comes: none held)
        _site_dir(args),
        protect=(base.content_dir, base.index_dir),
        wait=not args.no_wait,
        notify=_say,
        index=index,
    )
    print(f"site: {out}/index.html")
    return EXIT_OK


def cmd_site(args: argparse.Namespace) -> int:
    from .api import KnowledgeBase

    base = KnowledgeBase(args.content, args.index)
    try:
        base.advisories_packed()
    except ContentError as exc:
        _print_problems(exc.problems)
        print("site not built: the content has errors; the site is unchanged", file=sys.stderr)
        return EXIT_CONTENT
    return _site(base, args)


def _read_query(args: argparse.Namespace, parser: argparse.ArgumentParser) -> str:
    if args.file:
        if args.query not in (None, "-"):
            parser.error("give a QUERY or --file, not both")
        try:
            raw = Path(args.file).read_bytes()
        except OSError as exc:
            parser.error(f"cannot read {args.file}: {exc.strerror}")
    elif args.query in (None, "-"):
        if args.query is None and sys.stdin.isatty():
            parser.error("give a QUERY, - to read it from standard input, or --file FILE")
        raw = sys.stdin.buffer.read()
    else:
        # The argument as the terminal gave it: bytes that are not the locale's encoding reach Python
        # as lone surrogates, which would go out as they came (a --json answer no UTF-8 reader takes).
        # Decoded as a file or standard input is (UTF-8, Shift_JIS, UTF-16, ...; exit 2 when none fits).
        raw = os.fsencode(args.query)
    text, _encoding = decode(raw)
    return text


ONLY_IN = {"ja": "in Japanese only", "en": "in English only"}


def _clip(text: str, width: int = 160) -> str:
    """One line of at most ``width`` characters, keeping the first «marked» part in view (long
    Japanese lines have no spaces to shorten at)."""
    text = " ".join(text.split())
    if len(text) <= width:
        return text
    mark = text.find("«")
    start = 0 if mark < width // 3 else mark - width // 3
    end = start + width - 2
    return ("…" if start else "") + text[start:end] + ("…" if end < len(text) else "")


def cmd_search(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    from .freshness import StalenessCheck, kb_folders

    text = _read_query(args, parser)
    if not _ALNUM.search(text):  # (a miss and an empty paste are not the same answer)
        parser.error("the query has nothing to search for: no letters, digits or CJK characters")
    # Whether the index is current: one stat per content file, more than the search costs at 10,000
    # advisories. A program (--json) waits for the whole output: a child process checks while this
    # one searches. A person waits for the answers: they are printed first, and the check runs after
    # them here (a child would compete with the search for the CPU when the other one is busy).
    check = StalenessCheck(*kb_folders(args.content, args.index), background=args.json)
    from .api import KnowledgeBase

    base = KnowledgeBase(args.content, args.index)
    hits = base.search(text, lang=args.lang, limit=args.limit, warn_stale=False)
    if hits.cut:
        _say(f"note: {hits.notice()}")
    if args.json:
        stale = check.result()
        doc = {
            "query": text if len(text) <= 2000 else text[:2000] + "…",
            "query_chars": hits.query_chars,
            "used_chars": hits.used_chars,
            "cut": hits.cut,
            "stale": stale,
            "lang": hits.lang,
            "results": [h.to_dict() for h in hits],
        }
        json.dump(doc, sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
        _say_if_stale(stale)
        return EXIT_OK if hits else EXIT_NO_RESULTS
    code = _print_hits(hits)
    sys.stdout.flush()
    _say_if_stale(check.result())
    return code


def _say_if_stale(stale: str | None) -> None:
    if stale:
        _say(f"note: {stale}; these answers come from the index as built (run `kb build` to update it)")


def _out(text: str) -> None:
    """A line on stdout, control characters from the content or the query escaped (:func:`_shown`)."""
    print(_shown(text))


def _print_hits(hits: Results) -> int:
    if not hits:
        print("no matching advisory")
        return EXIT_NO_RESULTS
    for n, h in enumerate(hits, 1):
        flag = "  NOT AFFECTED" if h.not_affected else ""
        flag += f"  ({ONLY_IN[h.lang]})" if hits.lang and h.lang != hits.lang else ""
        _out(f"{n}. [{h.confidence}] {h.title}{flag}")
        _out(f"   {h.id}#{h.case}   site: {h.url}")
        for e in h.evidence[:3]:
            _out("   " + _clip(f"why ({e.field}): {e.text}"))
        if n == 1:
            for k, s in enumerate(h.steps, 1):
                _out("   " + _clip(f"step {k}: {s}"))
    return EXIT_OK


def cmd_show(args: argparse.Namespace) -> int:
    from .api import KnowledgeBase
    from .render_text import advisory_text

    base = KnowledgeBase(args.content, args.index)
    advisory_id, _, case_id = args.id.partition("#")
    try:
        adv = base.get(advisory_id)
    except KeyError:
        _tell(f"no advisory '{advisory_id}' in {base.content_dir}")
        return EXIT_NO_RESULTS
    if case_id and case_id not in adv.case_ids:
        _tell(f"advisory '{advisory_id}' has no case '{case_id}' (cases: {', '.join(adv.case_ids)})")
        return EXIT_NO_RESULTS
    _out(advisory_text(adv, args.lang, case_id or None))
    return EXIT_OK


def cmd_import(args: argparse.Namespace) -> int:
    from .freshness import default_content_dir
    from .importer import SourceError, import_articles

    root = Path(args.content) if args.content else default_content_dir()
    try:
        report = import_articles(
            args.source, root, vendor=args.vendor, force=args.force, dry_run=args.dry_run, notify=_say, other_source=args.other_source
        )
    except SourceError as exc:
        _say(str(exc))
        return EXIT_USAGE
    for line in report.summary():
        print(line)
    for p in report.problems:
        _tell(p)
    for a in report.articles:
        if a.outcome in ("kept", "skipped"):
            _tell(f"{a.id or a.key}: {a.outcome} ({a.reason})")
    if report.errors:
        print(f"\n{len(report.errors)} problem(s) in {args.source}; the rest was imported", file=sys.stderr)
        return EXIT_CONTENT
    return EXIT_OK


def _folders(p: argparse.ArgumentParser, top: bool) -> None:
    """--content / --index, accepted before the command and after it."""
    default = None if top else argparse.SUPPRESS  # a value given after the command wins; none given keeps the one before
    p.add_argument("--content", default=default, help="content folder (default: ./content, or KB_CONTENT)")
    p.add_argument("--index", default=default, help="index folder (default: ./index, or KB_INDEX)")


def make_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="kb",
        description="Support advisories, searchable in Japanese and English.",
        epilog=EXIT_CODES_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--version", action="version", version=f"kb {__version__}")
    _folders(p, top=True)
    sub = p.add_subparsers(dest="command", required=True)

    c = sub.add_parser("check", help="validate the content", epilog=EXIT_CODES_HELP, formatter_class=argparse.RawDescriptionHelpFormatter)
    c.add_argument("content_path", nargs="?", metavar="CONTENT", help="content folder")
    _folders(c, top=False)

    for name, helptext in (("build", "build the index and the site"), ("site", "build the site only")):
        b = sub.add_parser(name, help=helptext, epilog=EXIT_CODES_HELP, formatter_class=argparse.RawDescriptionHelpFormatter)
        b.add_argument("--site", help="site folder (default: ./site, or KB_SITE)")
        b.add_argument("--no-wait", action="store_true", help="exit (code 5) instead of waiting when another build is running")
        if name == "build":
            b.add_argument("--no-site", action="store_true", help="build the index only")
        _folders(b, top=False)

    q = sub.add_parser("search", help="search with a pasted text", epilog=EXIT_CODES_HELP, formatter_class=argparse.RawDescriptionHelpFormatter)
    q.add_argument("query", nargs="?", help="the text; - (or nothing, with piped input) reads standard input")
    q.add_argument("--file", help="read the query from this file (UTF-8, UTF-16, Shift_JIS/CP932 or EUC-JP)")
    q.add_argument("--lang", choices=["ja", "en"], help="answer language (default: the query's language)")
    q.add_argument("--limit", type=int, default=5, help="at most this many results (default 5)")
    q.add_argument("--json", action="store_true", help="machine-readable output")
    _folders(q, top=False)

    w = sub.add_parser("show", help="print an advisory", epilog=EXIT_CODES_HELP, formatter_class=argparse.RawDescriptionHelpFormatter)
    w.add_argument("id", help="ADVISORY-ID or ADVISORY-ID#CASE")
    w.add_argument("--lang", choices=["ja", "en"], default="ja")
    _folders(w, top=False)

    m = sub.add_parser(
        "import",
        help="bring an existing knowledge base (JSON Lines or Markdown files) into the content folder",
        epilog=EXIT_CODES_HELP
        + "  (for import, 3 means some lines, files or articles of SOURCE could not be read or imported; the rest was imported)\n",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    m.add_argument("source", metavar="SOURCE", help="a .jsonl file (one article a line) or a folder of Markdown files with front matter")
    m.add_argument("--vendor", help="vendor name written into every imported advisory")
    m.add_argument(
        "--force",
        action="store_true",
        help="overwrite imported files that were edited by hand since the last import, and import again advisories whose folder was deleted",
    )
    m.add_argument("--dry-run", action="store_true", help="write nothing; print what would happen")
    m.add_argument(
        "--other-source",
        choices=["update", "add"],
        help="an article whose id was imported before from another file: update that advisory (SOURCE is a newer export "
        "of the same knowledge base) or add a new one (another knowledge base); without it such articles are skipped and reported",
    )
    _folders(m, top=False)
    return p


def _run(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
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
    if args.command == "import":
        return cmd_import(args)
    parser.error(f"unknown command {args.command}")
    return EXIT_USAGE


def main(argv: list[str] | None = None) -> int:
    parser = make_parser()
    args = parser.parse_args(argv)
    try:
        code = _run(args, parser)
        sys.stdout.flush()
        return code
    except BrokenPipeError:
        # The reader (e.g. `| head`) has gone: end quietly, and keep Python from complaining at exit.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    except ContentError as exc:
        _print_problems(exc.problems)
        return EXIT_CONTENT
    except (IndexUnavailable, UndecodableInput, UnsafeTarget, Busy) as exc:
        _say(str(exc))
        return next(code for kind, code in _EXIT_FOR if isinstance(exc, kind))
    except KeyboardInterrupt:
        return 130
    except Exception as exc:
        if os.environ.get("KB_DEBUG"):
            traceback.print_exc()
        _say(f"internal error: {type(exc).__name__}: {exc} (a bug in kb {__version__}; set KB_DEBUG=1 for details and report it)")
        return EXIT_INTERNAL
