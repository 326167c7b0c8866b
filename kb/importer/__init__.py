"""`kb import`: bring an existing knowledge base into kb's content format.

    import_articles(SOURCE, CONTENT_DIR, vendor=None, force=False, dry_run=False, other_source=None) -> ImportReport

SOURCE is a JSON Lines file (one object a line: ``id``, ``lang``, ``title``, ``body``, optional
``summary``, ``date``, ``service``/``product``, ``source``, ``url``; the same ``id`` in two languages
is one article; a ``.json`` file may hold one array of such objects instead) or a folder of Markdown files with YAML (or TOML) front matter in the usual static
site layouts: ``name.ja.md`` + ``name.en.md``; ``ja/…/name.md`` + ``en/…/name.md``; page bundles
``name/index.ja.md``; plain ``name.md`` whose language comes from the front matter
(``lang``/``language``/``locale``) or from the text.

Each article becomes ``CONTENT_DIR/<advisory-id>/`` with ``advisory.yaml`` (no cases), ``ja.md``
and/or ``en.md`` (the languages that exist), ``assets/`` (files the article links to) and
``.kb-import.json`` (bookkeeping: the source, a hash of the source article and of every file written).

The Markdown is kept as written, with these cleanups (each reported per article): a first heading
that repeats the title is dropped; HTML anchors (``<a name="x"></a>``) are removed; links to other
imported articles become ``kb:<id>``; links and images to files in the source folder are copied to
``assets/``; other relative or non-web links become plain text that keeps the link text and the
target; top-level sections written only as ``###`` are lifted to ``##``; a paragraph that is only a
bold section name (``**原因**``) becomes a ``##`` heading. Raw HTML stays (it shows as text) and is
reported. Lines of code blocks that are clearly error messages become top-level ``messages:``
templates, volatile values (GUIDs, timestamps, request ids) turned into ``{{slots}}``.

Re-runs: an article whose output is what import wrote last time is ``unchanged`` (nothing is
written); when the output changed and the folder still holds exactly what import wrote, it is
``updated``; files edited by hand since are left alone (``kept``; ``force`` overwrites them); a folder
deleted by hand after an import stays deleted (``kept``: ``CONTENT_DIR/.kb-imported.json`` lists every
advisory import wrote; ``force`` imports it again, under its id); a folder that import did not make is
never touched (``skipped``). Files someone added to an imported folder
are carried over on every rewrite. Each folder is written beside its place and renamed in, so an
interrupted import leaves either the old folder or the new one. Nothing import did not make is
ever deleted, and articles gone from the source are only reported. An article whose key was
imported before from another file that still exists is skipped and reported at its line, unless
``other_source`` says what the file is: a newer export of the same knowledge base (``"update"``: the
advisory imported before is updated) or another knowledge base (``"add"``: a new advisory beside it).

The package, one module per job (each importing only the ones above it, and from the rest of kb
only kb.content.load, kb.content.model and kb.storage; ``convert`` names ``run``'s importer for type checking only):

- ``common``: limits, :class:`SourceError`, language detection, :func:`slugify`, hashes
- ``sections``: the heading -> section table (:data:`SECTION_ALIASES`, :func:`section_type`)
- ``report``: :class:`ArticleResult`, :class:`ImportReport` and the text report
- ``sources``: reading JSON Lines and the Markdown folder layouts into source articles, with
  ``path:line`` problems
- ``markdown``: the Markdown parser, patterns and link scanner the conversion uses
- ``messages``: message templates from code blocks (:func:`build_template`)
- ``convert``: the Markdown cleanups of one article (title heading, anchors, links to
  ``kb:``/``assets/``/text, raw HTML report, heading levels)
- ``advisory``: the ``advisory.yaml`` of an article, dates (:func:`parse_date`) and the YAML style
- ``bookkeeping``: ``.kb-import.json``, the ledger ``.kb-imported.json``, re-run decisions, atomic folder writes, recovery
- ``run``: :func:`import_articles`, tying them together under the content folder's writer lock
"""

from __future__ import annotations

from .advisory import parse_date
from .bookkeeping import BOOKKEEPING, FORMAT
from .common import (
    ID_RE,
    MAX_ASSET_BYTES,
    MAX_FRONT_MATTER_BYTES,
    MAX_ID_LENGTH,
    MAX_MESSAGE_CHARS,
    MAX_SOURCE_BYTES,
    SourceError,
    detect_lang,
    slugify,
)
from .messages import build_template
from .report import OUTCOMES, ArticleResult, ImportReport
from .run import import_articles
from .sections import SECTION_ALIASES, SECTION_TYPES, section_type

__all__ = [
    "BOOKKEEPING",
    "FORMAT",
    "ID_RE",
    "MAX_ASSET_BYTES",
    "MAX_FRONT_MATTER_BYTES",
    "MAX_ID_LENGTH",
    "MAX_MESSAGE_CHARS",
    "MAX_SOURCE_BYTES",
    "OUTCOMES",
    "SECTION_ALIASES",
    "SECTION_TYPES",
    "ArticleResult",
    "ImportReport",
    "SourceError",
    "build_template",
    "detect_lang",
    "import_articles",
    "parse_date",
    "section_type",
    "slugify",
]
