"""Apache httpd configuration text: includes, ``Listen`` and ``PidFile`` (pure functions).

The stock apache.sh rewrites ``Listen``/``Port`` only in the main file
(rgmanager ``utils/httpd-parse-config.pl``), so a ``Listen 443`` in an ``Include``d
``ssl.conf`` still binds every address (../shared/reference/agents.md §2.2).  zigha
inlines the included files instead (httpd resolves every relative path against
ServerRoot, not against the including file, so inlining changes nothing else) and
rewrites every ``Listen`` in place — inside its ``<IfModule>``/``<IfDefine>`` — into one
``Listen <ip>:<port> [protocol]`` per service IP, IPv6 in brackets::

    Listen 80                 ->  Listen 192.168.10.246:80
    Listen 0.0.0.0:443 https  ->  Listen 192.168.10.246:443 https
    PidFile /run/httpd.pid    ->  ### PidFile /run/httpd.pid
"""

from __future__ import annotations

import glob
import os

MAX_DEPTH = 16


class HttpdConfError(Exception):
    """A config (or an included file) cannot be read.  ``path`` names it."""

    def __init__(self, message: str, path: str) -> None:
        super().__init__(f"{path}: {message}")
        self.path = path


def resolve(server_root: str, path: str) -> str:
    """``path`` as httpd reads it: absolute as it is, else relative to ServerRoot."""
    return path if os.path.isabs(path) else os.path.join(server_root, path)


def _words(line: str) -> list:
    words, current, quote = [], "", ""
    for char in line:
        if quote:
            if char == quote:
                quote = ""
            else:
                current += char
        elif char in "\"'":
            quote = char
        elif char.isspace():
            if current:
                words.append(current)
            current = ""
        else:
            current += char
    if current:
        words.append(current)
    return words


def _logical_lines(text: str) -> list:
    """Lines with httpd's trailing-backslash continuations joined."""
    out, pending = [], ""
    for raw in text.splitlines():
        if raw.endswith("\\"):
            pending += raw[:-1]
            continue
        out.append(pending + raw)
        pending = ""
    if pending:
        out.append(pending)
    return out


def _included_files(pattern: str, server_root: str, optional: bool, where: str) -> list:
    path = resolve(server_root, pattern)
    if os.path.isdir(path):
        found: list[str] = []
        for base, dirs, files in os.walk(path):
            dirs.sort()
            found.extend(os.path.join(base, f) for f in sorted(files))
        return found
    matches = sorted(p for p in glob.glob(path) if os.path.isfile(p))
    if not matches and not optional and not glob.has_magic(path):
        raise HttpdConfError("Include names a file that does not exist", where)
    return matches


def flatten(path: str, server_root: str, _depth: int = 0) -> list:
    """The logical lines of ``path`` with every Include/IncludeOptional inlined."""
    if _depth > MAX_DEPTH:
        raise HttpdConfError("Include nested too deeply (a loop?)", path)
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            text = handle.read()
    except OSError as exc:
        raise HttpdConfError(f"cannot read: {exc.strerror or exc}", path) from exc
    lines = []
    for line in _logical_lines(text):
        words = _words(line.strip())
        directive = words[0].lower() if words else ""
        if directive in ("include", "includeoptional") and len(words) >= 2:
            lines.append(f"### {line.strip()}  (inlined below)")
            for included in _included_files(words[1], server_root, directive == "includeoptional", path):
                lines.append(f"# --- begin {included}")
                lines.extend(flatten(included, server_root, _depth + 1))
                lines.append(f"# --- end {included}")
        else:
            lines.append(line)
    return lines


def parse_listen(words: list):
    """``(address or None, port, protocol or None)`` from a Listen directive's words."""
    target = words[1]
    protocol = words[2] if len(words) > 2 else None
    if target.startswith("["):
        address, _, port = target[1:].partition("]:")
    elif ":" in target:
        address, _, port = target.rpartition(":")
    else:
        address, port = None, target
    return (address or None), port, protocol


def format_address(ip: str, port: str) -> str:
    return f"[{ip}]:{port}" if ":" in ip else f"{ip}:{port}"


def rewrite(lines: list, ips: list, pid_file: str) -> tuple:
    """``(text, endpoints)``: every Listen bound to each of ``ips`` (duplicates dropped),
    every PidFile commented out and ``PidFile <pid_file>`` first.  ``endpoints`` lists
    ``(ip, port, protocol)`` in order."""
    out = [f'PidFile "{pid_file}"']
    seen, endpoints = set(), []
    for line in lines:
        words = _words(line.strip())
        directive = words[0].lower() if words else ""
        if directive == "pidfile":
            out.append(f"### {line.strip()}")
        elif directive in ("listen", "port") and len(words) >= 2:
            out.append(f"### {line.strip()}")
            if directive == "port":
                words = ["Listen", words[1]]
            _, port, protocol = parse_listen(words)
            for ip in ips:
                if (ip, port) in seen:
                    continue
                seen.add((ip, port))
                endpoints.append((ip, port, protocol))
                suffix = f" {protocol}" if protocol else ""
                out.append(f"Listen {format_address(ip, port)}{suffix}")
        else:
            out.append(line)
    return "\n".join(out) + "\n", endpoints


def protocols(lines: list) -> dict:
    """``{port: protocol}`` for the Listen lines that name one (``Listen 443 https``).
    Which addresses httpd really listens on is read from /proc once it runs
    (:func:`zigha.ocf.proc.listening`): ``<IfModule>``/``<IfDefine>`` decide which
    Listen lines count, and only httpd knows them for sure."""
    found: dict[str, str | None] = {}
    for line in lines:
        words = _words(line.strip())
        if len(words) >= 3 and words[0].lower() == "listen":
            _, port, protocol = parse_listen(words)
            found.setdefault(port, protocol)
    return found


def connect_address(address: str) -> str:
    """Where to connect to reach a listening socket: wildcards become loopback."""
    return {"0.0.0.0": "127.0.0.1", "::": "::1"}.get(address, address)
