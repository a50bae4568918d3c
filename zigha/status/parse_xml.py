"""``clustat -x`` -> :class:`~zigha.status.model.ClusterStatus` (pure).

The document (rgmanager/src/utils/clustat.c; ../shared/reference/rhcs-cli.md §1.5)::

    <?xml version="1.0"?>
    <clustat version="4.1.1">
      <cluster name="cluster1" id="26777" generation="188"/>
      <quorum quorate="1" groupmember="1"/>
      <nodes>
        <node name="n1" state="1" local="1" estranged="0" rgmanager="1" rgmanager_master="0" qdisk="0" nodeid="0x00000001"/>
      </nodes>
      <groups>
        <group name="service:x" state="112" state_str="started" flags="0" flags_str="" owner="n1" last_owner="none" restarts="0" last_transition="1313554514" last_transition_str="Wed Aug 17 13:15:14 2011"/>
      </groups>
    </clustat>

Quirks handled: lines such as ``Service states unavailable: ...`` before ``<?xml``
(kept as notices); ``<cluster>``/``<quorum>`` absent with ``-s``/``-m``; ``<groups>``
absent when rgmanager sent no states; RHEL 6.0 groups without ``flags``; an attribute
list wrapped over lines; clustat does not escape names, so a bare ``&`` is repaired.
"""

from __future__ import annotations

import re
from typing import Any, Optional

from zigha.errors import ParseError
from zigha.status.model import (
    SERVICE_FLAGS, ClusterStatus, Member, ServiceState, ServiceStatus,
)

TOOL = "clustat -x"
_BARE_AMP = re.compile(r"&(?!(?:amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);)")
_parser: Any = None


def _xml_parser() -> Any:
    global _parser
    if _parser is None:
        from lxml import etree  # deferred: `import zigha` stays cheap

        _parser = etree.XMLParser(
            resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False,
            remove_comments=True, remove_pis=True,
        )
    return _parser


class _Doc:
    """Line bookkeeping so errors name the line of the original text."""

    def __init__(self, text: str, offset: int) -> None:
        self.lines = text.splitlines()
        self.offset = offset

    def error(self, message: str, element: Any = None, line: Optional[int] = None) -> ParseError:
        if element is not None and line is None:
            line = element.sourceline
        if line is not None:
            line += self.offset
        excerpt = self.lines[line - 1] if line and 0 < line <= len(self.lines) else None
        return ParseError(message, tool=TOOL, line=line, excerpt=excerpt)

    def int_attr(self, el: Any, name: str, required: bool = True, base: int = 10) -> Optional[int]:
        value = el.get(name)
        if value is None:
            if required:
                raise self.error(f"<{el.tag}> has no {name} attribute", el)
            return None
        try:
            if base == 16 or value.lower().startswith("0x"):
                return int(value, 16)
            return int(value)
        except ValueError:
            raise self.error(f"<{el.tag}> {name}={value!r} is not a number", el) from None

    def bool_attr(self, el: Any, name: str, default: Optional[bool] = False) -> Optional[bool]:
        value = el.get(name)
        if value is None:
            return default
        if value not in ("0", "1"):
            raise self.error(f"<{el.tag}> {name}={value!r} is not 0 or 1", el)
        return value == "1"


def _parse_tree(body: str, doc: _Doc) -> Any:
    from lxml import etree

    try:
        return etree.fromstring(body.encode("utf-8", "replace"), _xml_parser())
    except (etree.XMLSyntaxError, ValueError) as first:
        repaired = _BARE_AMP.sub("&amp;", body)
        if repaired != body:
            try:
                return etree.fromstring(repaired.encode("utf-8", "replace"), _xml_parser())
            except (etree.XMLSyntaxError, ValueError):
                pass
        position = getattr(first, "position", None)
        line = position[0] if position else None
        message = re.sub(r",? ?\(?(<string>, )?line \d+(, column \d+)?\)?$", "",
                         getattr(first, "msg", None) or str(first))
        raise doc.error(f"malformed XML: {message.strip()}", line=line) from None


def _owner(value: Optional[str]) -> Optional[str]:
    return None if value in (None, "", "none") else value


def _node(el: Any, doc: _Doc) -> Member:
    name = el.get("name")
    if not name:
        raise doc.error("<node> has no name", el)
    state = doc.bool_attr(el, "state", default=None)
    if state is None:
        raise doc.error("<node> has no state attribute", el)
    return Member(
        name=name,
        nodeid=doc.int_attr(el, "nodeid", base=16),
        online=state,
        local=bool(doc.bool_attr(el, "local")),
        estranged=bool(doc.bool_attr(el, "estranged")),
        rgmanager=bool(doc.bool_attr(el, "rgmanager")),
        rgmanager_master=bool(doc.bool_attr(el, "rgmanager_master")),
        qdisk=bool(doc.bool_attr(el, "qdisk")),
    )


def _group(el: Any, doc: _Doc) -> ServiceStatus:
    name = el.get("name")
    if not name:
        raise doc.error("<group> has no name", el)
    code = doc.int_attr(el, "state")
    word = el.get("state_str")
    state = ServiceState.from_code(code)  # type: ignore[arg-type]
    if state is ServiceState.UNKNOWN and word:
        state = ServiceState.from_word(word)
    flags_value = doc.int_attr(el, "flags", required=False)
    flags_str = el.get("flags_str")
    if flags_str:
        flags = tuple(flags_str.split())
    elif flags_value:
        flags = tuple(SERVICE_FLAGS.get(bit, (f"flag-0x{bit:x}", ""))[0]
                      for bit in (1 << i for i in range(32)) if flags_value & bit)
    else:
        flags = ()
    return ServiceStatus(
        name=name,
        state=state,
        state_raw=word or str(code),
        owner=_owner(el.get("owner")),
        last_owner=_owner(el.get("last_owner")),
        flags=flags,
        flags_value=flags_value,
        restarts=doc.int_attr(el, "restarts", required=False),
        last_transition=doc.int_attr(el, "last_transition", required=False),
        last_transition_str=el.get("last_transition_str"),
    )


def parse_clustat_xml(text: str) -> ClusterStatus:
    """Parse ``clustat -x`` output (full, ``-s`` or ``-m``).

    Raises :class:`ParseError` naming the line for malformed XML, a root other than
    ``<clustat>``, or a required attribute that is missing or not a number.
    """
    start = text.find("<?xml")
    if start < 0:
        start = text.find("<clustat")
    if start < 0:
        raise ParseError("no <clustat> document in the output", tool=TOOL, excerpt=text[:200])
    head = text[:start]
    notices = tuple(line.strip() for line in head.splitlines() if line.strip())
    doc = _Doc(text, head.count("\n"))
    root = _parse_tree(text[start:], doc)
    if root.tag != "clustat":
        raise doc.error(f"root element is <{root.tag}>, not <clustat>", root)
    cluster_name = cluster_id = generation = None
    quorate = group_member = None
    members: list[Member] = []
    services: list[ServiceStatus] = []
    services_available = False
    for child in root:
        tag = child.tag
        if tag == "cluster":
            cluster_name = child.get("name")
            if cluster_name is None:
                raise doc.error("<cluster> has no name", child)
            cluster_id = doc.int_attr(child, "id", required=False)
            generation = doc.int_attr(child, "generation", required=False)
        elif tag == "quorum":
            quorate = doc.bool_attr(child, "quorate", default=None)
            if quorate is None:
                raise doc.error("<quorum> has no quorate attribute", child)
            group_member = doc.bool_attr(child, "groupmember", default=None)
        elif tag == "nodes":
            members.extend(_node(el, doc) for el in child if el.tag == "node")
        elif tag == "groups":
            services_available = True
            services.extend(_group(el, doc) for el in child if el.tag == "group")
    return ClusterStatus(
        cluster_name=cluster_name,
        quorate=quorate,
        members=members,
        services=services,
        cluster_id=cluster_id,
        generation=generation,
        group_member=group_member,
        services_available=services_available,
        notices=notices,
    )
