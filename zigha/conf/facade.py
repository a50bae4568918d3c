"""``ClusterConf``: cluster.conf as an lxml tree (the source of truth) with typed views.

The tree keeps comments, ordering, whitespace and unknown elements, so a load
followed by a save changes only what was edited (and config_version).  The typed
views (:mod:`zigha.conf.model`) are computed from the tree on demand and cached
until the next edit.

>>> conf = ClusterConf.load("examples/zigsow/cluster.conf")     # doctest: +SKIP
>>> [n.name for n in conf.nodes]                                  # doctest: +SKIP
['h1.zigsow.net', 'h2.zigsow.net', 'h3.zigsow.net']
>>> conf.service_ips("http")                                      # doctest: +SKIP
['192.168.10.246']
"""

from __future__ import annotations

import hashlib
import os
import re
from typing import Any, Union

from zigha import xmlutil
from zigha.conf import parse
from zigha.conf.edits import EditsMixin
from zigha.errors import ConfigError

DEFAULT_PATH = "/etc/cluster/cluster.conf"
_DECLARATION = re.compile(r"\A\s*(<\?xml[^>]*\?>)")
_PROLOG_ITEM = re.compile(r"\s+|<\?.*?\?>|<!--.*?-->", re.S)


def split_prolog(text: str) -> str:
    """The text before the root element: declaration, comments, PIs and the blank
    lines between them (libxml2 keeps the nodes but not that whitespace)."""
    pos = 0
    while True:
        match = _PROLOG_ITEM.match(text, pos)
        if not match or match.end() == pos:
            return text[:pos]
        pos = match.end()

PathLike = Union[str, "os.PathLike[str]"]


class UnknownNameError(ConfigError, KeyError):
    """A lookup by name (service, node, domain …) found nothing."""

    def __str__(self) -> str:  # KeyError would quote the message
        return ConfigError.__str__(self)


def content_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class ClusterConf(EditsMixin):
    """One cluster.conf document.  Build it with :meth:`load` or :meth:`from_string`.

    Attributes:
        path: the file it was loaded from (``None`` for :meth:`from_string`).
        loaded_hash: SHA-256 of the bytes read at load time; :meth:`save` refuses to
            overwrite a file whose content no longer has this hash.
        last_schema: the RelaxNG file the last :meth:`validate`/:meth:`save` used.
    """

    def __init__(self, tree: Any, *, path: str | None = None, raw: bytes = b"") -> None:
        self._tree = tree
        self.path = path
        self.loaded_hash: str | None = content_hash(raw) if path is not None else None
        text = raw.decode(tree.docinfo.encoding or "utf-8", errors="replace").lstrip("\ufeff")
        match = _DECLARATION.match(text)
        self._declaration = match.group(1) if match else None
        self._trailing_newline = text.endswith("\n") if text else True
        self._prolog = split_prolog(text) if text else None
        self.loaded_version = self.config_version if raw else 0
        self.last_schema: str | None = None
        self._views: dict[str, Any] = {}

    # -- construction -------------------------------------------------------------

    @classmethod
    def load(cls, path: PathLike = DEFAULT_PATH) -> ClusterConf:
        """Read and parse ``path``.  Malformed or unsafe XML raises ConfigError with
        file:line:column; an unreadable file raises ConfigError too."""
        name = os.fspath(path)
        try:
            with open(name, "rb") as handle:
                raw = handle.read()
        except OSError as exc:
            raise ConfigError(f"cannot read: {exc.strerror or exc}", file=name) from exc
        return cls._from_bytes(raw, name)

    @classmethod
    def from_string(cls, text: str | bytes, *, file: str | None = None) -> ClusterConf:
        """Parse a document held in memory (``file`` only names it in errors)."""
        raw = xmlutil.to_bytes(text)
        conf = cls._from_bytes(raw, file)
        conf.path = None
        conf.loaded_hash = None
        return conf

    @classmethod
    def _from_bytes(cls, raw: bytes, name: str | None) -> ClusterConf:
        tree = xmlutil.parse(raw, file=name)
        root = tree.getroot()
        if root.tag != "cluster":
            raise ConfigError(
                f"the root element is <{root.tag}>, not <cluster>",
                file=name, line=root.sourceline, path=f"/{root.tag}",
            )
        return cls(tree, path=name, raw=raw)

    @classmethod
    def new(cls, name: str, config_version: int = 1) -> ClusterConf:
        """An empty cluster laid out like ``ccs --createcluster NAME`` writes it."""
        text = (
            f'<cluster config_version="{int(config_version)}" name="{_attr(name)}">\n'
            "  <fence_daemon/>\n  <clusternodes/>\n  <cman/>\n  <fencedevices/>\n"
            "  <rm>\n    <failoverdomains/>\n    <resources/>\n  </rm>\n</cluster>\n"
        )
        return cls.from_string(text)

    # -- serialisation ----------------------------------------------------------------

    @property
    def root(self) -> Any:
        """The ``<cluster>`` lxml element (edit it and call :meth:`touch`)."""
        return self._tree.getroot()

    def to_string(self) -> str:
        """The document as text: the original XML declaration (if any), top-level
        comments, and the tree exactly as held."""
        from lxml import etree

        root = self.root
        parts = []
        before = []
        node = root.getprevious()
        while node is not None:
            before.append(node)
            node = node.getprevious()
        prolog = self._prolog
        if prolog is not None and prolog.count("<!--") + prolog.count("<?") - bool(self._declaration) == len(before):
            head = prolog  # the top-level comments are never edited: keep their text verbatim
        else:
            head_parts = [self._declaration] if self._declaration else []
            head_parts += [etree.tostring(n, encoding="unicode", with_tail=False) for n in reversed(before)]
            head = "".join(p + "\n" for p in head_parts)
        parts.append(head + etree.tostring(root, encoding="unicode", with_tail=False))
        node = root.getnext()
        while node is not None:
            parts.append(etree.tostring(node, encoding="unicode", with_tail=False))
            node = node.getnext()
        text = "\n".join(parts)
        return text + "\n" if self._trailing_newline else text

    def to_bytes(self) -> bytes:
        return xmlutil.to_bytes(self.to_string())

    def copy(self) -> ClusterConf:
        return ClusterConf.from_string(self.to_string())

    def touch(self) -> None:
        """Forget cached views after the tree was changed directly."""
        self._views.clear()

    def _view(self, key: str, build: Any) -> Any:
        if key not in self._views:
            self._views[key] = build(self.root)
        return self._views[key]

    # -- typed views --------------------------------------------------------------------

    @property
    def name(self) -> str | None:
        """``cluster/@name`` (None when absent)."""
        return self.root.get("name")

    @property
    def config_version(self) -> int:
        """``cluster/@config_version`` read with atoi like cman (0 when absent)."""
        return parse.c_atoi(self.root.get("config_version"))

    @property
    def cman(self):
        return self._view("cman", parse.read_cman)

    @property
    def quorumd(self):
        return self._view("quorumd", parse.read_quorumd)

    @property
    def rm(self):
        return self._view("rm", parse.read_rm_options)

    @property
    def nodes(self) -> tuple:
        return self._view("nodes", parse.read_nodes)

    @property
    def fence_devices(self) -> tuple:
        return self._view("fence_devices", parse.read_fence_devices)

    @property
    def failover_domains(self) -> tuple:
        return self._view("failover_domains", parse.read_failover_domains)

    @property
    def resources(self) -> tuple:
        return self._view("resources", parse.read_resources)

    @property
    def services(self) -> tuple:
        return self._view("services", parse.read_services)

    @property
    def vms(self) -> tuple:
        return self._view("vms", parse.read_vms)

    # -- lookups ------------------------------------------------------------------------

    def node(self, name: str):
        for node in self.nodes:
            if node.name == name:
                return node
        raise UnknownNameError(f"no cluster node named {name!r}", file=self.path)

    def failover_domain(self, name: str):
        for domain in self.failover_domains:
            if domain.name is not None and domain.name.lower() == name.lower():
                return domain
        raise UnknownNameError(f"no failover domain named {name!r}", file=self.path)

    def service(self, name: str):
        """The service (or vm) ``name``; accepts "http", "service:http" or "vm:guest"."""
        kind, _, bare = name.partition(":") if ":" in name else ("", "", name)
        pools = {"service": self.services, "vm": self.vms}.get(kind, self.services + self.vms)
        for group in pools:
            if group.name == bare:
                return group
        raise UnknownNameError(f"no service named {name!r}", file=self.path)

    def service_ips(self, name: str) -> list:
        """IP addresses of the ``<ip>`` resources in the service's tree, in tree order,
        without a ``/prefix`` suffix."""
        return [
            parse.strip_prefix(node.attrs["address"])
            for node in self.service(name).walk()
            if node.type == "ip" and node.attrs.get("address")
        ]

    def value_notes(self) -> list:
        """Warnings about values read with atoi/expand_time (part of validate())."""
        return list(parse.collect_notes(self.root))

    # -- validation, saving, diff -------------------------------------------------------

    def validate(self, schema: PathLike | None = None, *, semantic: bool = True) -> list:
        """Every problem: RelaxNG findings against ``schema`` (default: the system's
        /usr/share/cluster/cluster.rng, else the copy bundled with zigha) plus the
        rules the schema misses.  Sets :attr:`last_schema`."""
        from zigha.conf import validate as checks

        schema_path = checks.choose_schema(schema)
        self.last_schema = schema_path
        findings = checks.schema_findings(self.root, schema_path)
        if semantic:
            findings.extend(checks.semantic_findings(self))
        return findings

    def errors(self, schema: PathLike | None = None) -> list:
        return [f for f in self.validate(schema) if f.is_error]

    def save(self, path: PathLike | None = None, *, schema: PathLike | None = None,
             bump: bool = True, backup: bool = True, force: bool = False) -> str:
        """Validate, bump config_version, and write atomically under a lock.

        See :func:`zigha.conf.store.save` for the guarantees.  Returns the path written.
        """
        from zigha.conf import store

        return store.save(self, path, schema=schema, bump=bump, backup=backup, force=force)

    def diff(self, other: ClusterConf) -> list:
        from zigha.conf import diff

        return diff.diff(self, other)

    def summary(self) -> dict:
        """Plain data for ``zigha conf show``."""
        return {
            "name": self.name,
            "config_version": self.config_version,
            "cman": self.cman.to_dict(),
            "quorumd": None if self.quorumd is None else self.quorumd.to_dict(),
            "rm": self.rm.to_dict(),
            "nodes": [n.to_dict() for n in self.nodes],
            "fence_devices": [d.to_dict() for d in self.fence_devices],
            "failover_domains": [d.to_dict() for d in self.failover_domains],
            "resources": [r.to_dict() for r in self.resources],
            "services": [s.to_dict() for s in self.services],
            "vms": [v.to_dict() for v in self.vms],
        }

    def __repr__(self) -> str:
        where = f" from {self.path}" if self.path else ""
        return (f"<ClusterConf {self.name!r} version {self.config_version}{where}: "
                f"{len(self.nodes)} nodes, {len(self.services)} services>")


def _attr(value: str) -> str:
    return value.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")
