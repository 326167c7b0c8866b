"""What ``kb import`` reports: one :class:`ArticleResult` per source article (its outcome and what
could not be mapped), the :class:`ImportReport` of the whole run (counts, results, the source's
``path:line`` problems) and its text report for people (:meth:`ImportReport.summary`)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from ..content.load import Problem

OUTCOMES = ("new", "updated", "unchanged", "kept", "skipped")


@dataclass
class ArticleResult:
    """What import did with one source article, and what it could not map."""

    key: str
    """The article's identity in the source (JSONL id, or path without language and extension)."""
    origin: str
    """Where it was read: ``file.jsonl:12`` or the Markdown file(s)."""
    id: str | None = None
    outcome: str = ""
    reason: str = ""
    langs: tuple[str, ...] = ()
    messages: list[str] = field(default_factory=list)
    """Message templates extracted into advisory.yaml."""
    skipped_messages: list[str] = field(default_factory=list)
    """Message candidates not kept, each with the reason."""
    links_to_text: list[str] = field(default_factory=list)
    """Targets of links and images made plain text."""
    raw_html: list[str] = field(default_factory=list)
    """HTML tags left in the Markdown (they show as text)."""
    sections: list[tuple[str, str, str | None]] = field(default_factory=list)
    """(language, heading, section type or None for free-form) of every section-starting heading."""
    unmapped: list[str] = field(default_factory=list)
    """Source fields and front-matter keys with no place in kb's format."""
    notes: list[str] = field(default_factory=list)
    counts: Counter[str] = field(default_factory=Counter)
    """anchors, title-dropped, kb-links, assets, headings-lifted, bold-headings."""

    def line(self, width: int = 220) -> str:
        """One line: the id and outcome, then what could not be mapped."""
        parts: list[str] = []

        def listed(label: str, items: list[str], n: int = 3) -> None:
            if items:
                shown = ", ".join(_short(i, 60) if i else "(empty)" for i in items[:n]) + (", …" if len(items) > n else "")
                parts.append(f"{label} {len(items)} ({shown})")

        if self.reason:
            parts.append(self.reason)
        listed("links made text", self.links_to_text)
        listed("raw HTML", sorted(set(self.raw_html)))
        listed("messages skipped", self.skipped_messages, 2)
        listed("not mapped", self.unmapped)
        free = [h for _lang, h, t in self.sections if t is None]
        typed = [f"{h}→{t}" for _lang, h, t in self.sections if t is not None]
        listed("typed sections", typed)
        listed("free-form sections", free)
        parts.extend(self.notes)
        return _short(f"{self.id or self.key} [{self.outcome}]: " + "; ".join(parts), width)

    @property
    def rank(self) -> int:
        """0 for articles with something lost or left alone, 1 for other remarks, 2 for sections only."""
        if self.reason or self.links_to_text or self.skipped_messages or self.unmapped or self.raw_html:
            return 0
        return 1 if self.notes else 2

    @property
    def remarkable(self) -> bool:
        return bool(self.reason or self.links_to_text or self.raw_html or self.skipped_messages or self.unmapped or self.notes or self.sections)


@dataclass
class ImportReport:
    """The result of :func:`import_articles`: counts, one :class:`ArticleResult` per source article,
    and the problems found in the source (each ``path:line`` with a hint)."""

    source: str
    content_dir: str
    dry_run: bool = False
    articles: list[ArticleResult] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    gone: list[str] = field(default_factory=list)
    """Ids of folders imported earlier from this source whose article is no longer in it (kept)."""

    def count(self, outcome: str) -> int:
        return sum(1 for a in self.articles if a.outcome == outcome)

    @property
    def new(self) -> int:
        return self.count("new")

    @property
    def updated(self) -> int:
        return self.count("updated")

    @property
    def unchanged(self) -> int:
        return self.count("unchanged")

    @property
    def kept(self) -> int:
        return self.count("kept")

    @property
    def skipped(self) -> int:
        return self.count("skipped")

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    def summary(self, max_articles: int = 40) -> list[str]:
        """The report for people: counts, totals of what could not be mapped, then one line per
        article with something to say (at most ``max_articles``)."""
        would = "would be " if self.dry_run else ""
        arts = self.articles
        out = [
            f"{'dry run: nothing written; ' if self.dry_run else ''}{len(arts)} article(s) from {self.source} -> {self.content_dir}",
            ", ".join(f"{would if o != 'unchanged' else ''}{o} {self.count(o)}" for o in OUTCOMES),
        ]
        c: Counter[str] = Counter()
        for a in arts:
            c.update(a.counts)
        msgs = sum(len(a.messages) for a in arts)
        skipped_msgs = sum(len(a.skipped_messages) for a in arts)
        typed = sum(1 for a in arts for s in a.sections if s[2] is not None)
        free = sum(1 for a in arts for s in a.sections if s[2] is None)
        out.append(
            f"messages: {msgs} extracted, {skipped_msgs} candidate(s) skipped; sections: {typed} typed, {free} free-form; "
            f"title headings dropped {c['title-dropped']} (first heading differs from the title, kept: {c['title-differs']}), anchors removed {c['anchors']}, kb: links {c['kb-links']}, "
            f"assets {c['assets']}, headings lifted {c['headings-lifted']}, bold lines made headings {c['bold-headings']}"
        )

        def total(items: str) -> str:
            n = sum(len(getattr(a, items)) for a in arts)
            k = sum(1 for a in arts if getattr(a, items))
            return f"{n} (in {k} article(s))"

        out.append(
            f"not mapped: links made text {total('links_to_text')}, raw HTML kept as text {total('raw_html')}, "
            f"source fields not mapped {total('unmapped')}"
        )
        if self.gone:
            out.append(f"no longer in the source (folders kept): {len(self.gone)}: {', '.join(self.gone[:10])}{' …' if len(self.gone) > 10 else ''}")
        remarkable = sorted((a for a in arts if a.remarkable), key=lambda a: a.rank)
        if remarkable:
            shown = remarkable[:max_articles]
            out.append(f"per article ({len(shown)} of {len(remarkable)} with remarks):")
            out.extend("  " + a.line() for a in shown)
            if len(remarkable) > len(shown):
                out.append(f"  … and {len(remarkable) - len(shown)} more")
        return out


def _short(text: str, width: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"
