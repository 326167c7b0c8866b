"""Message templates from code (``kb import``): lines of code blocks (and inline code) that are
clearly error messages become the advisory's top-level ``messages:``, volatile values (GUIDs,
timestamps, request ids, opaque tokens, addresses) turned into ``{{slots}}``; candidates that are
not kept (commands, configuration, too little text …) are reported with the reason."""

from __future__ import annotations

import re
from collections import Counter

from markdown_it.token import Token

from ..content.model import Placeholder, Template, template_problems
from .common import _JA_CHAR_RE, MAX_MESSAGE_CHARS, _words, slugify
from .report import ArticleResult, _short

_CODE_LANGS = _words(
    "powershell ps ps1 pwsh bash sh shell zsh cmd bat batch json xml yaml yml ini toml sql python py js javascript ts typescript "
    "csharp cs c cpp java go ruby rb php html css kusto kql vb vbnet http-request graphql dockerfile makefile"
)


def find_messages(tokens: list[Token], res: ArticleResult, found: list[tuple[str, str, str]]) -> None:
    """Add to ``found`` the messages quoted in the code blocks and inline code of ``tokens`` (code in
    a programming or shell language aside), as (id hint, kind, template); candidates not kept go to
    ``res.skipped_messages``."""
    for t in tokens:
        if t.type in ("fence", "code_block"):
            info = (t.info or "").strip().split()[0].lower() if t.type == "fence" and t.info else ""
            if info in _CODE_LANGS:
                continue
            for raw in t.content.split("\n"):
                candidate(res, found, raw, "console" if info in ("console", "shell-session", "output", "terminal") else "", inline=False)
        elif t.type == "inline" and t.children:
            for c in t.children:
                if c.type == "code_inline":
                    candidate(res, found, c.content, "", inline=True)


def candidate(res: ArticleResult, found: list[tuple[str, str, str]], raw: str, kind_hint: str, inline: bool) -> None:
    """One line of code: its template into ``found`` when it is clearly an error message, else (when
    it looked like one) the reason into ``res.skipped_messages``."""
    line = raw.strip()
    if not line or not _ERROR_HINT_RE.search(line):
        return
    quoted = re.fullmatch(r"""(["'「“])([^"'「」“”]+)(["'」”])""", line)
    if quoted:
        line = quoted.group(2).strip()
    why = _not_a_message(line, inline)
    if why:
        res.skipped_messages.append(f"{why}: {_short(line, 50)}")
        return
    built = build_template(line)
    if isinstance(built, str):
        res.skipped_messages.append(f"{built}: {_short(line, 50)}")
        return
    tpl, kind, id_hint = built
    found.append((id_hint, kind_hint or kind, tpl))


_HEX_CODE_RE = re.compile(r"\b0x[0-9A-Fa-f]{8}\b")
_AADSTS_RE = re.compile(r"\bAADSTS\d{4,}\b")
_NDR_RE = re.compile(r"(?<![\d.])([245]\d\d)[ -]#?([245]\.\d{1,3}\.\d{1,3})(?![\d.])")
_HTTP_PHRASES = (
    "Bad Request|Unauthorized|Payment Required|Forbidden|Not Found|Method Not Allowed|Not Acceptable|Proxy Authentication Required|"
    "Request Timeout|Conflict|Gone|Precondition Failed|Payload Too Large|Request Entity Too Large|Unsupported Media Type|"
    "Too Many Requests|Internal Server Error|Not Implemented|Bad Gateway|Service Unavailable|Gateway Timeout"
)
_HTTP_RE = re.compile(rf"(?<![\d.])\(?([45]\d\d)\)?[ \t]*[-:]?[ \t]*(?:{_HTTP_PHRASES})\b", re.I)
_STOP_RE = re.compile(r"\bSTOP\s*:?\s*0x[0-9A-Fa-f]{8}\b")
_EXCEPTION_RE = re.compile(r"\b(?:[A-Z][A-Za-z0-9]*\.)*([A-Z][A-Za-z0-9]*Exception)\b")
_ERROR_WORD_RE = re.compile(
    r"(?<![\w-])(?:error|fatal|exception)\s*[:：]|エラー\s*[:：]|\berr(?:or)?[_ ]?code\s*[=:]\s*-?\w+|エラー\s?コード\s*[:：]?\s*-?[0-9A-Za-z]+",
    re.I,
)
_ERROR_HINT_RE = re.compile(
    "|".join(p.pattern for p in (_HEX_CODE_RE, _AADSTS_RE, _NDR_RE, _HTTP_RE, _STOP_RE, _EXCEPTION_RE)) + r"|" + _ERROR_WORD_RE.pattern,
    re.I,
)
"""A line that may be an error message: it has an error code, a status, or says error/exception."""

_PROMPT_RE = re.compile(r"^(?:PS(?:\s+[^>]*)?>|[A-Za-z]:\\[^>]*>|[$#%>]\s|\w+@[\w.-]+[:~][^$#]*[$#]\s)")
_CMDLET_RE = re.compile(r"^(?:\$[\w:]+\s*=\s*)?[A-Z][a-z]+-[A-Z][A-Za-z0-9]+(?:\s|$)")
_COMMAND_RE = re.compile(
    r"^(?:sudo|apt(?:-get)?|yum|dnf|pip3?|npm|npx|git|curl|wget|ssh|scp|cd|ls|dir|xcopy|robocopy|del|rm|mv|cp|echo|setx|export|reg|"
    r"netsh|sc|powershell|pwsh|cmd|msiexec|dism|sfc|chkdsk|ipconfig|nslookup|ping|tracert|manage-bde|certutil|bcdedit|wevtutil|"
    r"schtasks|taskkill|icacls|az|kubectl|docker|systemctl|journalctl|python3?|java|dotnet|regsvr32|rundll32|gpupdate|dsregcmd|"
    r"whoami|mkdir|cat|tail|grep|findstr)(?:\.exe)?(?:\s|$)",
    re.I,
)
_FLAG_RE = re.compile(r"(?:^|\s)--?[A-Za-z][\w-]*(?:[:=]\S*)?(?=\s|$)")
_CONFIG_RE = re.compile(
    r"""^(?:["'{<]|\[\s*["{\d\]]|\[[\w .-]+\]$|[\w.$@-]+\s*=(?!=)|//|/\*|\*\s|;|-\s+\w+:|\w+\(.*\)\s*[;{]?$)|[;{]\s*$|"\s*:\s*|=>|\{\s*["]"""
)
_TS_PREFIX_RE = re.compile(
    r"^\[?(?:\d{4}[-/]\d{1,2}[-/]\d{1,2}|\d{1,2}/\d{1,2}/\d{4})(?:[ T,]+\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:\s*(?:Z|UTC|GMT|[AP]M|[+-]\d{2}:?\d{2}))*)?\]?[\s,:|-]*"
    r"|^\[?\d{1,2}:\d{2}:\d{2}(?:[.,]\d+)?\]?[\s,:|-]+"
)
_SYSLOG_PREFIX_RE = re.compile(r"^(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)\s+\d{1,2}\s+\d{2}:\d{2}:\d{2}\s+\S+\s+")
_GUID_RE = re.compile(r"\{?\b[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}\b\}?")
_DATETIME_RE = re.compile(
    r"\b(?:\d{4}[-/]\d{1,2}[-/]\d{1,2}|\d{1,2}/\d{1,2}/\d{4})(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:\s?(?:Z|UTC|GMT|[AP]M|[+-]\d{2}:?\d{2}))?Z?)?"
    r"|\b\d{1,2}:\d{2}:\d{2}(?:[.,]\d+)?(?:\s?(?:Z|UTC|GMT|[AP]M))?"
)
_LABELED_ID_RE = re.compile(
    r"\b(?:request|correlation|trace|activity|session|tracking|client[ -]request|operation|incident|transaction)[ _-]?id\s*[:=#]?\s*([^\s,;:()\[\]{}]+)",
    re.I,
)
_OPAQUE_RE = re.compile(r"(?<![\w.-])(?=[\w-]*\d)(?=[\w-]*[A-Za-z])[A-Za-z0-9_-]{24,}(?![\w-])|(?<![\w.-])[0-9A-Fa-f]{16,}(?![\w-])")
_EMAIL_RE = re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_IPV4_RE = re.compile(r"(?<![\d.])(?:\d{1,3}\.){3}\d{1,3}(?![\d.])")


def _not_a_message(line: str, inline: bool) -> str | None:
    """Why ``line`` is not taken as a message (a command, configuration, code, too short or long), or None."""
    if len(line) > MAX_MESSAGE_CHARS:
        return "too long"
    if _PROMPT_RE.match(line) or _CMDLET_RE.match(line) or _COMMAND_RE.match(line) or _FLAG_RE.search(line):
        return "looks like a command"
    if _CONFIG_RE.search(line):
        return "looks like code or configuration"
    if re.fullmatch(r"\S+", line):
        return "a single token"
    words = re.findall(r"[A-Za-z]{3,}", line)
    cjk = _JA_CHAR_RE.findall(line)
    if len(words) + len(cjk) // 2 < (4 if inline else 3):
        return "too little text"
    return None


def build_template(line: str) -> tuple[str, str, str] | str:
    """(template, kind, id hint) for a message line, or why it cannot be one.

    A leading timestamp is dropped; GUIDs become ``guid`` slots, date/times ``text`` slots, request
    and correlation ids, long opaque tokens, e-mail and IPv4 addresses ``word`` slots (each with the
    original as example); everything else, error codes included, stays literal (``{{``/``}}`` doubled).
    """
    kind = "app-log"
    text = line
    m = _SYSLOG_PREFIX_RE.match(text)
    if m:
        text, kind = text[m.end() :], "syslog"
    else:
        m = _TS_PREFIX_RE.match(text)
        if m and m.end() > 0:
            text = text[m.end() :]
    text = text.strip()
    if _STOP_RE.search(text):
        kind = "stop-code"
    elif _HTTP_RE.search(text) and kind == "app-log":
        kind = "http"
    spans: list[tuple[int, int, str, str]] = []  # (start, end, name base, type)

    def add(a: int, b: int, name: str, typ: str) -> None:
        if a < b and all(b <= s or a >= e for s, e, _n, _t in spans):
            spans.append((a, b, name, typ))

    for g in _GUID_RE.finditer(text):
        a, b = g.span()
        val = g.group()
        if val.startswith("{") != val.endswith("}"):  # one brace only: keep it literal
            a, b = (a + 1, b) if val.startswith("{") else (a, b - 1)
        add(a, b, "guid", "guid")
    for d in _DATETIME_RE.finditer(text):
        add(d.start(), d.end(), "time", "text")
    for li in _LABELED_ID_RE.finditer(text):
        add(li.start(1), li.end(1), "id", "word")
    for o in _OPAQUE_RE.finditer(text):
        if not (_AADSTS_RE.fullmatch(o.group()) or _HEX_CODE_RE.fullmatch(o.group())):
            add(o.start(), o.end(), "id", "word")
    for e in _EMAIL_RE.finditer(text):
        add(e.start(), e.end(), "user", "word")
    for ip in _IPV4_RE.finditer(text):
        if all(int(x) <= 255 for x in ip.group().split(".")) and not re.search(r"(?i)(?:version|ver\.?|v|バージョン)\s*$", text[: ip.start()]):
            add(ip.start(), ip.end(), "ip", "word")
    spans.sort()
    if "{{{" in text or "}}}" in text:
        return "has runs of three braces"
    parts: list[str] = []
    expected: list[Placeholder] = []
    used: Counter[str] = Counter()
    pos = 0
    for a, b, base, typ in spans:
        literal = text[pos:a]
        if literal.endswith("{") or text[b : b + 1] == "}":
            return "a brace next to a value that varies"
        parts.append(_escape_braces(literal))
        used[base] += 1
        name = base if used[base] == 1 else f"{base}{used[base]}"
        example = text[a:b]
        parts.append(f"{{{{{name}:{typ}={example}}}}}")
        expected.append(Placeholder(name, typ, example))
        pos = b
    parts.append(_escape_braces(text[pos:]))
    tpl = "".join(parts)
    parsed = Template.parse(tpl)
    if list(parsed.placeholders) != expected or parsed.render() != text:
        return "its braces cannot be written as a template"
    problems = template_problems(parsed)
    if problems:
        return "not specific enough (" + problems[0][0].split(":")[0][:60] + ")"
    return tpl, kind, _message_id_hint(text)


def _escape_braces(literal: str) -> str:
    return literal.replace("{{", "{{{{").replace("}}", "}}}}")


def _message_id_hint(text: str) -> str:
    for rx, fmt in ((_AADSTS_RE, "{0}"), (_STOP_RE, "stop-{0}"), (_HEX_CODE_RE, "{0}")):
        m = rx.search(text)
        if m:
            return slugify(fmt.format(re.sub(r"(?i)^stop\s*:?\s*", "", m.group())))
    m = _NDR_RE.search(text)
    if m:
        return slugify(f"{m.group(1)}-{m.group(2)}")
    m = _HTTP_RE.search(text)
    if m:
        return f"http-{m.group(1)}"
    m = _EXCEPTION_RE.search(text)
    if m:
        return slugify(m.group(1))
    return ""
