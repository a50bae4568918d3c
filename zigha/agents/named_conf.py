"""named.conf: read the few options the agent needs, and write the rgmanager variant.

BIND's configuration is a list of statements ``keyword [args] [{ ... }];`` with three
comment styles (``//``, ``#``, ``/* */``) and double-quoted strings.  The stock
``named.sh`` edits it line by line with ``grep -v '^ *listen-on'`` and inserts its own
``listen-on { <ips> };`` after the ``options {`` line (resource-agents
``rgmanager/src/resources/named.sh.in``, ``utils/named-parse-config.pl``).  That loses
multi-line statements, misses an ``options`` block kept in an included file (Debian's
``named.conf.options``) and builds a malformed list for three or more addresses.  Here the
text is tokenised, so statements are edited whole wherever they are written:

>>> conf = 'options { directory "/var/named"; listen-on port 5353 { any; }; };'
>>> read_options(conf).listen_port
5353
>>> print(rewrite_for_service(conf, ["10.0.0.1", "10.0.0.2", "10.0.0.3"],
...       working_dir="/srv/named", pid_file="/run/n.pid"))  # doctest: +NORMALIZE_WHITESPACE
options {
    directory "/srv/named";
    pid-file "/run/n.pid";
    listen-on port 5353 { 10.0.0.1; 10.0.0.2; 10.0.0.3; };
    listen-on-v6 port 5353 { none; };
    };
controls { };

Only the standard library is used: this module is imported by the agent at start time.
"""

from __future__ import annotations

import ipaddress
import os
import re
from collections.abc import Iterator, Sequence
from typing import NamedTuple

from zigha.errors import ConfigError

#: statements the rgmanager variant owns inside ``options { }``
_OWNED = ("directory", "pid-file", "listen-on", "listen-on-v6")
_SOURCES = (
    "notify-source", "notify-source-v6", "transfer-source", "transfer-source-v6",
    "query-source", "query-source-v6",
)
DEFAULT_PORT = 53
#: Debian's bind9 is built with --runstatedir=/run; named's compiled-in pid-file default
DEFAULT_PID_FILE = "/run/named/named.pid"

_TOKEN = re.compile(
    r"""
    (?P<space>\s+)
  | (?P<comment>//[^\n]*|\#[^\n]*|/\*.*?\*/)
  | (?P<string>"(?:[^"\\]|\\.)*")
  | (?P<punct>[{};])
  | (?P<word>[^\s{};"]+)
    """,
    re.VERBOSE | re.DOTALL,
)


class NamedConfError(ConfigError):
    """named.conf cannot be read (unterminated string or comment, unbalanced braces)."""


class Token(NamedTuple):
    kind: str  # "string", "punct" or "word"
    text: str
    start: int
    end: int


class Statement(NamedTuple):
    """One statement: its tokens, and where it starts and ends (``;`` included)."""

    tokens: tuple[Token, ...]
    start: int
    end: int

    @property
    def keyword(self) -> str:
        return self.tokens[0].text.lower() if self.tokens else ""


class NamedOptions(NamedTuple):
    """What the agent needs from a configuration (includes followed)."""

    pid_file: str | None
    directory: str | None
    listen_port: int
    listen_on: tuple[str, ...]  # address-match elements, "any", "none" …
    listen_on_v6: tuple[str, ...]

    def probe_addresses(self) -> list[tuple[str, int]]:
        """Where a DNS query should reach this server (first usable address first)."""
        found: list = []
        for elements, fallback in ((self.listen_on, "127.0.0.1"), (self.listen_on_v6, "::1")):
            for element in elements:
                if element in ("any", "localhost", "localnets"):
                    if not found:  # ::1 only when IPv4 gives nothing (IPv6 may be off)
                        found.append((fallback, self.listen_port))
                    break
                try:
                    ipaddress.ip_address(element)
                except ValueError:
                    continue
                found.append((element, self.listen_port))
        return found


def tokenize(text: str, file: str | None = None) -> Iterator[Token]:
    pos = 0
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if match is None:
            line = text.count("\n", 0, pos) + 1
            what = "comment" if text.startswith("/*", pos) else "string"
            raise NamedConfError(f"unterminated {what}", file=file, line=line)
        kind = match.lastgroup
        if kind == "word" and match.group().startswith("/*"):
            line = text.count("\n", 0, pos) + 1
            raise NamedConfError("unterminated comment", file=file, line=line)
        if kind in ("string", "punct", "word"):
            yield Token(kind, match.group(), match.start(), match.end())
        pos = match.end()


def statements(tokens: Sequence[Token], file: str | None = None,
               text: str | None = None) -> list[Statement]:
    """Split a token list into top-level statements (``text`` locates errors by line)."""

    def line_of(token: Token) -> int | None:
        return None if text is None else text.count("\n", 0, token.start) + 1

    found: list[Statement] = []
    current: list[Token] = []
    depth = 0
    for token in tokens:
        current.append(token)
        if token.text == "{" and token.kind == "punct":
            depth += 1
        elif token.text == "}" and token.kind == "punct":
            depth -= 1
            if depth < 0:
                raise NamedConfError("unbalanced '}'", file=file, line=line_of(token))
        elif token.text == ";" and token.kind == "punct" and depth == 0:
            found.append(Statement(tuple(current), current[0].start, token.end))
            current = []
    if depth or [t for t in current if t.text != ";"]:
        raise NamedConfError("statement not terminated (missing '}' or ';')", file=file,
                             line=line_of(current[0]))
    return found


def block_body(statement: Statement) -> tuple[int, int, list[Statement]]:
    """The inner statements of ``keyword ... { body };``: (index after '{', index of '}', list)."""
    tokens = statement.tokens
    open_at = next(i for i, t in enumerate(tokens) if t.text == "{" and t.kind == "punct")
    close_at = max(i for i, t in enumerate(tokens) if t.text == "}" and t.kind == "punct")
    return tokens[open_at].end, tokens[close_at].start, statements(tokens[open_at + 1:close_at])


def _unquote(text: str) -> str:
    return text[1:-1] if text.startswith('"') else text


def _listen(statement: Statement) -> tuple[int | None, tuple[str, ...]]:
    """(port or None, address-match elements) of a listen-on statement."""
    words = [t.text for t in statement.tokens]
    port = None
    if "port" in words[:words.index("{") if "{" in words else len(words)]:
        try:
            port = int(words[words.index("port") + 1])
        except (IndexError, ValueError):
            port = None
    if "{" not in words:
        return port, ()
    inside = words[words.index("{") + 1:]
    return port, tuple(_unquote(w) for w in inside if w not in ("{", "}", ";"))


def _include_path(statement: Statement, base_dir: str) -> str | None:
    if statement.keyword != "include" or len(statement.tokens) < 2:
        return None
    path = _unquote(statement.tokens[1].text)
    return path if os.path.isabs(path) else os.path.join(base_dir, path)


def expand_includes(text: str, base_dir: str = "/", *, file: str | None = None,
                    only_with: str = "options", _depth: int = 0) -> str:
    """``text`` with each top-level ``include`` whose file holds an ``only_with`` statement
    replaced by that file's content (recursively).  Other includes stay as they are, so
    keys and zone lists are not copied around."""
    if _depth > 16:
        raise NamedConfError("include nesting deeper than 16", file=file)
    pieces = []
    pos = 0
    for statement in statements(list(tokenize(text, file)), file, text):
        path = _include_path(statement, base_dir)
        if path is None:
            continue
        try:
            with open(path, encoding="utf-8", errors="replace") as handle:
                included = handle.read()
        except OSError:
            continue  # named itself reports a missing include; keep the statement
        inner = statements(list(tokenize(included, path)), path, included)
        if not _holds(inner, only_with, base_dir):
            continue
        pieces.append(text[pos:statement.start])
        pieces.append(f"# included from {path}\n")
        pieces.append(expand_includes(included, base_dir, file=path, only_with=only_with,
                                      _depth=_depth + 1))
        pos = statement.end
    pieces.append(text[pos:])
    return "".join(pieces)


def _holds(found: Sequence[Statement], keyword: str, base_dir: str) -> bool:
    for statement in found:
        if statement.keyword == keyword:
            return True
        path = _include_path(statement, base_dir)
        if path and os.path.isfile(path):
            try:
                with open(path, encoding="utf-8", errors="replace") as handle:
                    inner = statements(list(tokenize(handle.read(), path)), path)
            except (OSError, NamedConfError):
                continue
            if _holds(inner, keyword, base_dir):
                return True
    return False


def read_options(text: str, *, file: str | None = None) -> NamedOptions:
    """pid-file, directory and listen-on of an (include-expanded) configuration."""
    pid_file = directory = None
    port: int | None = None
    listen_on: tuple[str, ...] = ("any",)  # BIND 9.18 default: listen-on { any; }
    listen_v6: tuple[str, ...] = ("any",)
    for statement in statements(list(tokenize(text, file)), file, text):
        if statement.keyword != "options":
            continue
        for inner in block_body(statement)[2]:
            words = inner.tokens
            if inner.keyword == "pid-file" and len(words) > 1:
                pid_file = _unquote(words[1].text)
            elif inner.keyword == "directory" and len(words) > 1:
                directory = _unquote(words[1].text)
            elif inner.keyword in ("listen-on", "listen-on-v6"):
                this_port, elements = _listen(inner)
                if inner.keyword == "listen-on":
                    listen_on = elements
                else:
                    listen_v6 = elements
                if port is None and this_port is not None:
                    port = this_port
    return NamedOptions(pid_file, directory, port or DEFAULT_PORT, listen_on, listen_v6)


def _whole_lines(text: str, start: int, end: int) -> tuple[int, int]:
    """Widen ``[start, end)`` to whole lines when nothing else shares them."""
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", end)
    line_end = len(text) if line_end < 0 else line_end
    if text[line_start:start].strip() or text[end:line_end].strip():
        return start, end
    return line_start, min(line_end + 1, len(text))


def rewrite_for_service(text: str, addresses: Sequence[str], *, working_dir: str,
                        pid_file: str, update_source: bool = False,
                        file: str | None = None) -> str:
    """The rgmanager variant of an (include-expanded) configuration.

    Inside ``options``: ``directory``, ``pid-file``, ``listen-on`` and ``listen-on-v6`` are
    replaced so named serves exactly ``addresses`` (IPv4 in ``listen-on``, IPv6 in
    ``listen-on-v6``, ``none`` for an empty family) on the port the original listened on.
    With ``update_source`` the ``*-source`` statements name the first service address of
    each family.  Without a ``controls`` statement named would open its default control
    channel on 127.0.0.1 and ::1 port 953; ``controls { };`` keeps it to the service IPs.
    """
    v4 = [a for a in addresses if ipaddress.ip_address(a).version == 4]
    v6 = [a for a in addresses if ipaddress.ip_address(a).version == 6]
    top = statements(list(tokenize(text, file)), file, text)
    port = read_options(text, file=file).listen_port
    port_text = f" port {port}" if port != DEFAULT_PORT else ""

    def listen(keyword: str, family: Sequence[str]) -> str:
        listed = " ".join(f"{a};" for a in family) if family else "none;"
        return f"{keyword}{port_text} {{ {listed} }};"

    lines = [
        f'directory "{working_dir}";',
        f'pid-file "{pid_file}";',
        listen("listen-on", v4),
        listen("listen-on-v6", v6),
    ]
    owned: tuple[str, ...] = _OWNED
    if update_source:
        owned = _OWNED + _SOURCES
        if v4:
            lines += [f"notify-source {v4[0]};", f"transfer-source {v4[0]};",
                      f"query-source address {v4[0]};"]
        if v6:
            lines += [f"notify-source-v6 {v6[0]};", f"transfer-source-v6 {v6[0]};",
                      f"query-source-v6 address {v6[0]};"]
    inserted = "".join(f"\n    {line}" for line in lines)

    pieces = []
    pos = 0
    has_options = False
    for statement in top:
        if statement.keyword != "options":
            continue
        has_options = True
        body_start, _body_end, inner = block_body(statement)
        pieces.append(text[pos:body_start])
        pieces.append(inserted)
        pos = body_start
        for item in inner:
            if item.keyword in owned:
                start, end = _whole_lines(text, item.start, item.end)
                pieces.append(text[pos:start])
                pos = end
    pieces.append(text[pos:])
    result = "".join(pieces)
    if not has_options:
        result = f"options {{{inserted}\n}};\n" + result
    if not any(s.keyword == "controls" for s in top):
        result = result.rstrip("\n") + "\ncontrols { };\n"
    return result
