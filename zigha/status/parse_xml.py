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
from typing import Any

from zigha.errors import ParseError
from zigha.status.model import (
    SERVICE_FLAGS,
    ClusterStatus,
    Member,
    ServiceState,
    ServiceStatus,
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

    def error(self, message: str, element: Any = None, line: int | None = None) -> ParseError:
        if element is not None and line is None:
            line = element.sourceline
        if line is not None:
            line += self.offset
        excerpt = self.lines[line - 1] if line and 0 < line <= len(self.lines) else None
        return ParseError(message, tool=TOOL, line=line, excerpt=excerpt)

    def int_attr(self, el: Any, name: str, required: bool = True, base: int = 10) -> int | None:
        value = el.get(name)
        if value is None:
            if required:
                raise self.error(f"<{el.tag}> has no {name} attribute", el)
            return None
        try:
            if base == 16:
                return int(value, 16)
            return int(value)
        except ValueError:
            raise self.error(f"<{el.tag}> {name}={value!r} is not a number", el) from None

    def bool_attr(self, el: Any, name: str, default: bool | None = False) -> bool | None:
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


_BIT = {"0": False, "1": True}
_NO_OWNER = (None, "", "none")
_STATE_BY_CODE = {state.code: state for state in ServiceState if state.code is not None}


def _optional_int(value: str | None) -> int | None:
    return None if value is None else int(value)


def _node_from(attrs: dict) -> Member:
    """A ``<node>`` from its attributes; KeyError/ValueError when it is not well-formed."""
    name = attrs["name"]
    if not name:
        raise ValueError("empty name")
    get = attrs.get
    return Member(
        name, int(attrs["nodeid"], 16), _BIT[attrs["state"]],
        _BIT[get("local", "0")], _BIT[get("estranged", "0")], _BIT[get("rgmanager", "0")],
        _BIT[get("rgmanager_master", "0")], _BIT[get("qdisk", "0")],
    )


def _group_from(attrs: dict) -> ServiceStatus:
    """A ``<group>`` from its attributes; KeyError/ValueError when it is not well-formed."""
    name = attrs["name"]
    if not name:
        raise ValueError("empty name")
    get = attrs.get
    code = int(attrs["state"])
    flags_value = _optional_int(get("flags"))
    word = get("state_str")
    state = _STATE_BY_CODE.get(code)
    if state is None:
        state = ServiceState.from_word(word) if word else ServiceState.UNKNOWN
    flags_str = get("flags_str")
    if flags_str:
        flags: tuple = tuple(flags_str.split())
    elif flags_value:
        flags = tuple(SERVICE_FLAGS.get(bit, (f"flag-0x{bit:x}", ""))[0]
                      for bit in (1 << i for i in range(32)) if flags_value & bit)
    else:
        flags = ()
    owner, last_owner = get("owner"), get("last_owner")
    return ServiceStatus(
        name, state, None if owner in _NO_OWNER else owner,
        None if last_owner in _NO_OWNER else last_owner,
        word or str(code), flags, flags_value, _optional_int(get("restarts")),
        _optional_int(get("last_transition")), get("last_transition_str"),
    )


def _node(el: Any, doc: _Doc) -> Member:
    try:
        return _node_from(dict(el.items()))
    except (KeyError, ValueError):
        pass
    if not el.get("name"):
        raise doc.error("<node> has no name", el)
    if doc.bool_attr(el, "state", default=None) is None:
        raise doc.error("<node> has no state attribute", el)
    doc.int_attr(el, "nodeid", base=16)
    for attribute in ("local", "estranged", "rgmanager", "rgmanager_master", "qdisk"):
        doc.bool_attr(el, attribute)
    raise doc.error("<node> cannot be read", el)  # not reached: a check above raises


def _group(el: Any, doc: _Doc) -> ServiceStatus:
    try:
        return _group_from(dict(el.items()))
    except (KeyError, ValueError):
        pass
    if not el.get("name"):
        raise doc.error("<group> has no name", el)
    for attribute in ("state", "flags", "restarts", "last_transition"):
        doc.int_attr(el, attribute, required=attribute == "state")
    raise doc.error("<group> cannot be read", el)  # not reached: a check above raises


class _Collector:
    """lxml parser target: keeps the attribute dicts clustat's layout puts where zigha
    reads them, without building a tree (three times faster for 1,000 services)."""

    def __init__(self) -> None:
        self.stack: list = []
        self.root = None
        self.cluster: dict | None = None
        self.quorum: dict | None = None
        self.nodes: list = []
        self.groups: list = []
        self.has_groups = False

    def start(self, tag: Any, attrib: dict) -> None:
        depth = len(self.stack)
        if depth == 0:
            self.root = tag
        elif depth == 1:
            if tag == "cluster":
                self.cluster = attrib
            elif tag == "quorum":
                self.quorum = attrib
            elif tag == "groups":
                self.has_groups = True
        elif depth == 2:
            if tag == "node" and self.stack[1] == "nodes":
                self.nodes.append(attrib)
            elif tag == "group" and self.stack[1] == "groups":
                self.groups.append(attrib)
        self.stack.append(tag)

    def end(self, tag: Any) -> None:
        self.stack.pop()

    def close(self) -> _Collector:
        return self


def _parse_fast(body: str, notices: tuple) -> ClusterStatus | None:
    """The whole document through :class:`_Collector`; None when anything is odd (the
    careful tree path then finds and names the problem)."""
    from lxml import etree

    if "&" in body or "<!" in body:
        return None  # entities and DOCTYPEs: the tree path decodes or refuses them
    try:
        parser = etree.XMLParser(target=_Collector(), resolve_entities=False, no_network=True,
                                 load_dtd=False)
        found = etree.fromstring(body.encode("utf-8", "replace"), parser)
        if len(parser.error_log) or found.root != "clustat":
            # libxml2 lets a target parser go on past some errors (namespace ones)
            return None
        cluster, quorum = found.cluster, found.quorum
        return ClusterStatus(
            cluster_name=cluster["name"] if cluster is not None else None,
            quorate=_BIT[quorum["quorate"]] if quorum is not None else None,
            members=[_node_from(attrs) for attrs in found.nodes],
            services=[_group_from(attrs) for attrs in found.groups],
            cluster_id=_optional_int(cluster.get("id")) if cluster is not None else None,
            generation=_optional_int(cluster.get("generation")) if cluster is not None else None,
            group_member=(_BIT[quorum["groupmember"]]
                          if quorum is not None and "groupmember" in quorum else None),
            services_available=found.has_groups,
            notices=notices,
        )
    except (etree.XMLSyntaxError, ValueError, KeyError, TypeError, AttributeError):
        return None


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
    from zigha.status.parse_text import is_shell_line

    if text.find('groupmember-"', 0, 2000) >= 0:
        # RHEL 4 clustat (xml_quorum_state) printed `groupmember-"0"` when inquorate
        text = text.replace('groupmember-"', 'groupmember="')

    notices = tuple(line.strip() for line in text[:start].splitlines()
                    if line.strip() and not is_shell_line(line))
    end = text.rfind("</clustat>")
    if end > start:
        end += len("</clustat>")
        after = text[end:]
        if after.strip() and all(is_shell_line(line) for line in after.splitlines()
                                 if line.strip()):
            text = text[:end] + "\n"  # a pasted transcript's next prompt or mail notice
    fast = _parse_fast(text[start:], notices)
    if fast is not None:
        return fast
    return _parse_with_tree(text, start, notices)


def _parse_with_tree(text: str, start: int, notices: tuple) -> ClusterStatus:
    """The careful path: an lxml tree, every attribute checked, errors name the line."""
    doc = _Doc(text, text[:start].count("\n"))
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
