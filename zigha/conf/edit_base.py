"""Layout-preserving tree helpers and the guard every cluster.conf edit runs under."""

from __future__ import annotations

import copy
import re
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, NoReturn

from zigha.conf import parse
from zigha.errors import EditError
from zigha.xmlutil import child_elements, element_path, first_child

_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9._-]*$")
#: agents whose instances ccs mirrors into <unfence> (ccs --addfenceinst)
UNFENCE_AGENTS = ("fence_scsi", "fence_sanlock")


def xml_value(value: Any) -> str | None:
    """Python value -> attribute text: bools as "1"/"0", None stays None."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "1" if value else "0"
    return str(value)


def _indent_before(el: Any) -> str:
    prev = el.getprevious()
    text = prev.tail if prev is not None else el.getparent().text
    text = text or ""
    return text.rsplit("\n", 1)[1] if "\n" in text else ""


def _unit(root: Any) -> str:
    for child in root:
        indent = _indent_before(child)
        if indent:
            return indent
    return "  "


def append_child(parent: Any, tag: str, attrs: Mapping[str, Any] | None = None) -> Any:
    """Append ``<tag attrs/>`` to ``parent`` with the indentation of its siblings."""
    clean = {k: xml_value(v) for k, v in dict(attrs or {}).items() if v is not None}
    child = parent.makeelement(tag, clean)
    kids = list(parent)
    if kids:
        last = kids[-1]
        step = kids[-2].tail if len(kids) > 1 else parent.text
        closing = last.tail
        last.tail = step if step is not None else closing
        child.tail = closing
    else:
        root = parent.getroottree().getroot()
        own = "" if parent is root else _indent_before(parent)
        parent.text = "\n" + own + _unit(root)
        child.tail = "\n" + own
    parent.append(child)
    return child


def remove_child(el: Any) -> None:
    """Remove ``el`` keeping the layout of the siblings around it."""
    parent = el.getparent()
    prev = el.getprevious()
    if el.getnext() is None:
        if prev is not None:
            prev.tail = el.tail
        else:
            parent.text = None
    parent.remove(el)


def ensure_child(parent: Any, tag: str) -> Any:
    found = first_child(parent, tag)
    return found if found is not None else append_child(parent, tag)


class EditBase:
    """Machinery shared by the edit mixins: guard, refusal, element lookups."""

    root: Any
    _tree: Any

    if TYPE_CHECKING:  # provided by ClusterConf, the class these mixins are part of
        def touch(self) -> None: ...
        def node(self, name: str) -> Any: ...

    # -- machinery --------------------------------------------------------------------

    def _semantic_errors(self) -> set:
        from zigha.conf.validate import semantic_findings

        return {(f.code, f.path, f.message) for f in semantic_findings(self) if f.is_error}

    def _guarded(self, what: str, change: Callable[[], Any]) -> Any:
        before = {(c, p) for c, p, _ in self._semantic_errors()}
        snapshot = copy.deepcopy(self._tree)
        try:
            result = change()
        except BaseException:
            self._tree = snapshot
            self.touch()
            raise
        self.touch()
        new = sorted(e for e in self._semantic_errors() if (e[0], e[1]) not in before)
        if new:
            self._tree = snapshot
            self.touch()
            code, path, message = new[0]
            raise EditError(f"{what} refused: {message} [{code}]", path=path)
        return result

    def _refuse(self, message: str, element: Any = None, hint: str | None = None) -> NoReturn:
        if element is None or isinstance(element, str):
            path = element
        else:
            path = element_path(element)
        raise EditError(message, path=path, hint=hint)

    def _rm(self) -> Any:
        return ensure_child(self.root, "rm")

    def _node_el(self, name: str) -> Any:
        for el in parse.node_elements(self.root):
            if el.get("name") == name:
                return el
        self._refuse(f"no cluster node named {name!r}", first_child(self.root, "clusternodes"))

    def _domain_el(self, name: str) -> Any:
        for el in parse.domain_elements(self.root):
            if (el.get("name") or "").lower() == name.lower():
                return el
        self._refuse(f"no failover domain named {name!r}", "/cluster/rm/failoverdomains")

    def _group_el(self, name: str, tag: str = "service") -> Any:
        bare = name.split(":", 1)[1] if name.startswith(f"{tag}:") else name
        for el in parse.group_elements(self.root, tag):
            if parse._merged_group_attrs(self.root, el).get("name") == bare:
                return el
        self._refuse(f"no {tag} named {bare!r}", "/cluster/rm")

    def _method_el(self, node: str, method: str) -> Any:
        fence = first_child(self._node_el(node), "fence")
        for el in [] if fence is None else child_elements(fence, "method"):
            if el.get("name") == method:
                return el
        self._refuse(f"node {node!r} has no fence method {method!r}", self._node_el(node))
