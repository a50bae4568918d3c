"""The one hardened XML parser zigha uses, plus small lxml helpers.

cluster.conf is read as root by tools that may be pointed at any file, so parsing
refuses everything that can make a parser fetch, expand or balloon:

* no DTD loading and no network access (XXE: ``<!ENTITY x SYSTEM "file:///etc/shadow">``);
* no entity expansion; a document carrying a DOCTYPE or an entity reference is
  refused outright (billion laughs), since a real cluster.conf never has either;
* no ``huge_tree``: libxml2 keeps its size and depth limits.

Syntax errors come back as :class:`ConfigSyntaxError` with ``file:line:column``: both a
:class:`~zigha.errors.ConfigError` (the file cannot be used) and a
:class:`~zigha.errors.ParseError` (the text cannot be read), so either ``except`` catches it.
"""

from __future__ import annotations

import re
from typing import Any

from zigha.errors import ConfigError, ParseError

_ENCODING_DECL = re.compile(r"""^\s*<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")


class ConfigSyntaxError(ConfigError, ParseError):
    """The document is not well-formed XML, or carries a DOCTYPE or an entity."""


def _etree() -> Any:
    from lxml import etree  # deferred: `import zigha` must stay cheap

    return etree


def make_parser(**overrides: Any) -> Any:
    """A new lxml parser with the safe settings (comments and PIs are kept)."""
    etree = _etree()
    options: dict[str, Any] = dict(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=False,
        remove_pis=False,
        remove_blank_text=False,
    )
    options.update(overrides)
    return etree.XMLParser(**options)


def to_bytes(text: str | bytes) -> bytes:
    """Encode ``text`` in the encoding its XML declaration names (UTF-8 by default)."""
    if isinstance(text, bytes):
        return text
    match = _ENCODING_DECL.match(text)
    encoding = match.group(1) if match else "utf-8"
    try:
        return text.encode(encoding)
    except (LookupError, UnicodeEncodeError) as exc:
        raise ConfigError(f"cannot encode the document as {encoding}: {exc}") from exc


def parse(data: str | bytes, file: str | None = None) -> Any:
    """Parse ``data`` safely and return the lxml ElementTree.

    Raises :class:`ConfigSyntaxError` for malformed XML (with line and column), for a
    DOCTYPE/DTD, and for entity references.
    """
    etree = _etree()
    raw = to_bytes(data)
    if not raw.strip():
        raise ConfigSyntaxError("the document is empty", file=file, line=1, column=1)
    try:
        root = etree.fromstring(raw, make_parser())
    except etree.XMLSyntaxError as exc:
        line, column = exc.position if exc.position else (None, None)
        message = exc.msg or str(exc)
        # libxml2 appends "(<string>, line N)"; the location is carried separately.
        message = re.sub(r",? ?(\(<string>, )?line \d+(, column \d+)?\)?$", "", message).strip()
        raise ConfigSyntaxError(f"malformed XML: {message}", file=file, line=line, column=column) from exc
    tree = root.getroottree()
    docinfo = tree.docinfo
    if docinfo.internalDTD is not None or docinfo.externalDTD is not None or docinfo.doctype:
        raise ConfigSyntaxError(
            "a DOCTYPE/DTD is not allowed in cluster.conf (entity expansion and external "
            "loading are refused)",
            file=file,
            line=1,
        )
    for node in root.iter(etree.Entity):
        raise ConfigSyntaxError(
            f"entity reference {node.text} is not allowed (entities are never expanded)",
            file=file,
            line=node.sourceline,
        )
    return tree


def c14n(tree_or_data: Any, with_comments: bool = True) -> bytes:
    """Canonical XML (C14N 1.0) of a tree, an element, or a document text."""
    etree = _etree()
    if isinstance(tree_or_data, (str, bytes)):
        tree_or_data = parse(tree_or_data)
    return etree.tostring(tree_or_data, method="c14n", with_comments=with_comments)


def element_path(element: Any) -> str:
    """A readable path to ``element``: ``/cluster/rm/service[@name='http']/ip[2]``.

    Steps use ``[@name='…']`` (or ``[@ref='…']``) when that identifies the element
    among its same-tag siblings, else a 1-based position when there are several,
    else the bare tag.
    """
    steps = []
    node = element
    while node is not None:
        tag = node.tag if isinstance(node.tag, str) else "comment()"
        name = node.get("name") if isinstance(node.tag, str) else None
        parent = node.getparent()
        same = [] if parent is None else [c for c in parent if c.tag == node.tag]
        ref = node.get("ref") if isinstance(node.tag, str) else None
        if parent is None:
            steps.append(tag)
        elif name is not None and "'" not in name and _unique(same, "name", name):
            steps.append(f"{tag}[@name='{name}']")
        elif ref is not None and "'" not in ref and _unique(same, "ref", ref):
            steps.append(f"{tag}[@ref='{ref}']")
        else:
            steps.append(f"{tag}[{same.index(node) + 1}]" if len(same) > 1 else tag)
        node = parent
    return "/" + "/".join(reversed(steps))


def _unique(siblings: list, attr: str, value: str) -> bool:
    return sum(1 for s in siblings if s.get(attr) == value) == 1


def child_elements(element: Any, tag: str | None = None) -> list:
    """Element children (no comments/PIs), optionally only those with ``tag``."""
    return [c for c in element if isinstance(c.tag, str) and (tag is None or c.tag == tag)]


def first_child(element: Any, tag: str) -> Any:
    for child in element:
        if child.tag == tag:
            return child
    return None
