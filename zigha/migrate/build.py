"""cluster.conf (zigha.conf's model) → :class:`~zigha.migrate.model.Plan`.

The rules, and why (rgmanager semantics: ../shared/reference/rgmanager-behaviour.md,
resource levels: ../shared/reference/agents.md §1.3, §1.8):

* every service (and vm) becomes a group with the service's name as id; its resources
  are listed in rgmanager's start order: a parent before its children, children level by
  level (service.sh: lvm, fs, clusterfs, netfs, nfsexport, nfsclient, ip, smb, script),
  then untyped ones in file order;
* a childless ``clusterfs`` (GFS2, mounted by every service that uses it) becomes one
  cloned Filesystem per file system, ordered before and colocated with each group;
* failover domain → ``rsc_location``: an ordered member with priority p scores
  ``1000 × (101 − p)``, an unordered member 100000 (clufter's scheme, kept below
  INFINITY so stickiness can still decide); restricted → -INFINITY on every other node;
  nofailback → ``resource-stickiness=INFINITY`` on the group; ``resource-stickiness=1``
  by default breaks ties without ever outweighing a priority step;
* recovery: restart → migration-threshold = max_restarts + 1 (and failure-timeout =
  restart_expire_time) when max_restarts is set; relocate → migration-threshold=1;
  disable → monitor on-fail=stop; restart-disable → start on-fail=stop;
* exclusive → -INFINITY colocation with every other group; autostart=0 →
  target-role=Stopped; depend → order (hard: Mandatory, soft: Optional);
* fence devices → stonith primitives with pcmk_host_map / pcmk_host_list and a fencing
  topology from each node's methods; none → stonith-enabled=false, loudly.
"""

from __future__ import annotations

import re
from typing import Any

from zigha.migrate import resources as rtypes
from zigha.migrate.fencing import fencing
from zigha.migrate.model import (
    INFINITY,
    Clone,
    Colocation,
    Group,
    Location,
    NodeEntry,
    Op,
    Order,
    Plan,
    Primitive,
    ReportItem,
)

SERVICE_LEVELS = {"lvm": 1, "fs": 2, "clusterfs": 3, "netfs": 4, "nfsexport": 5,
                  "nfsclient": 6, "ip": 7, "smb": 8, "script": 9}
FS_LEVELS = {"fs": 1, "clusterfs": 1, "nfsexport": 3}
CHILD_LEVELS = {"service": SERVICE_LEVELS, "vm": SERVICE_LEVELS, "fs": FS_LEVELS,
                "clusterfs": FS_LEVELS}
DEFAULT_STICKINESS = 1
_ID_BAD = re.compile(r"[^A-Za-z0-9_.-]")


def priority_score(priority: int | None) -> int:
    """Ordered member priority (1 best … 100) → location score; None counts as 0."""
    return 1000 * (101 - (priority or 0))


class Builder:
    def __init__(self, conf: Any, monitor_interval: int | None = None) -> None:
        self.conf = conf
        self.monitor_interval = monitor_interval
        self.report: list = []
        self.ids: set = set()
        self.clones: dict = {}
        self.locations: list = []
        self.orders: list = []
        self.colocations: list = []
        self.links: list = []  # (clone id, fs name) the service being built needs

    # -- helpers ---------------------------------------------------------------------
    def note(self, element: str, reason: str, severity: str = "warning") -> None:
        item = ReportItem(element, reason, severity)
        if item not in self.report:
            self.report.append(item)

    def new_id(self, wanted: str) -> str:
        base = _ID_BAD.sub("-", wanted) or "rsc"
        if not (base[0].isalpha() or base[0] == "_"):
            base = "r-" + base
        ident, n = base, 1
        while ident in self.ids:
            n += 1
            ident = f"{base}-{n}"
        self.ids.add(ident)
        return ident

    # -- whole cluster ---------------------------------------------------------------
    def build(self) -> Plan:
        conf = self.conf
        nodes = self.nodes()
        self.global_notes()
        stonith, levels = fencing(self)
        props = [("cluster-name", conf.name)] if conf.name else []
        if not stonith:
            props.append(("stonith-enabled", "false"))
            self.note("/cluster/fencedevices", "no usable fence device: stonith-enabled=false. "
                      "A failed node's services are recovered WITHOUT fencing it, so shared "
                      "data can be corrupted; rgmanager blocked until "
                      "fence_ack_manual instead. Configure real fencing before production",
                      "error")
        built = [(self.service(s), s) for s in (*conf.services, *conf.vms)]
        built = [(group, svc) for group, svc in built if group is not None]
        self.exclusive_and_depend(built)
        groups = [group for group, _ in built]
        return Plan(
            cluster_name=conf.name, nodes=tuple(nodes), properties=tuple(props),
            rsc_defaults=(("resource-stickiness", str(DEFAULT_STICKINESS)),),
            stonith=tuple(stonith), clones=tuple(self.clones.values()), groups=tuple(groups),
            locations=tuple(self.locations), orders=tuple(self.orders),
            colocations=tuple(self.colocations), fencing_levels=tuple(levels),
            report=tuple(self.report))

    def nodes(self) -> list:
        entries, used = [], {n.nodeid for n in self.conf.nodes if n.nodeid}
        next_id = 1
        for node in self.conf.nodes:
            where = f"/cluster/clusternodes/clusternode[@name='{node.name}']"
            nodeid = node.nodeid
            if not nodeid:
                while next_id in used:
                    next_id += 1
                nodeid = next_id
                used.add(nodeid)
                self.note(where, f"no nodeid: given {nodeid}; corosync.conf must use the same")
            entries.append(NodeEntry(nodeid, node.name))
            if node.votes != 1:
                self.note(where, f"votes={node.votes} belongs in corosync.conf "
                          "(nodelist quorum_votes), not in the CIB", "info")
        return entries

    def global_notes(self) -> None:
        conf = self.conf
        cman = conf.cman
        if cman.two_node:
            self.note("/cluster/cman", "two_node=1 becomes corosync.conf quorum { two_node: 1 } "
                      "(not part of the CIB)")
        if cman.expected_votes is not None:
            self.note("/cluster/cman", "expected_votes belongs in corosync.conf quorum "
                      "{ expected_votes }", "info")
        if conf.quorumd is not None:
            self.note("/cluster/quorumd", "qdiskd has no Pacemaker counterpart: use "
                      "corosync-qdevice (different arbitration, no disk heartbeat)")
        rm = conf.rm
        if rm.central_processing:
            self.note("/cluster/rm", "central_processing: Pacemaker always decides centrally "
                      "(the DC); rgmanager's event scripts are not translated", "info")
        if rm.disabled:
            self.note("/cluster/rm", "rm disabled=1: set every group target-role=Stopped by hand")
        if rm.status_poll_interval is not None:
            self.note("/cluster/rm", "status_poll_interval: each resource has its own monitor "
                      "interval in Pacemaker", "info")
        root = getattr(conf, "root", None)
        if root is not None:
            for tag in ("totem", "logging", "dlm", "gfs_controld", "fence_daemon", "fence_xvmd"):
                for element in root.findall(tag):
                    if len(element.attrib) or len(element):
                        self.note(f"/cluster/{tag}", f"<{tag}> settings are not part of the CIB "
                                  "(corosync.conf / daemon options)", "info")
            rm_el = root.find("rm")
            if rm_el is not None:
                for tag in ("events", "resource-defaults"):
                    if rm_el.find(tag) is not None:
                        self.note(f"/cluster/rm/{tag}", f"<{tag}> is not translated "
                                  "(rsc_defaults/alerts must be written by hand)")

    # -- services --------------------------------------------------------------------
    def service(self, svc: Any) -> Group | None:
        where = svc.path or f"/cluster/rm/{svc.kind}[@name='{svc.name}']"
        if svc.name is None:
            self.note(where, f"{svc.kind} without a name: skipped", "error")
            return None
        group_id = svc.name
        if (not group_id or _ID_BAD.search(group_id) or group_id in self.ids
                or not (group_id[0].isalpha() or group_id[0] == "_")):
            group_id = self.new_id(svc.name or svc.kind)
            self.note(where, f"name {svc.name!r} is not a valid or free CIB id: group id "
                      f"{group_id}", "error")
        else:
            self.ids.add(group_id)
        recovery_meta, on_fail = self.recovery(svc, where)
        primitives: list = []
        if svc.kind == "vm":
            primitives.append(self.vm_primitive(svc, where, on_fail))
        else:
            for node in self.ordered(svc.resources, "service"):
                primitives.extend(self.tree(node, svc, on_fail, {}))
        links, self.links = self.links, []
        if not primitives:
            # rgmanager still places and tracks a service without resources (others may
            # depend on it, it may be exclusive): keep the group NAME with a stand-in
            # primitive, since a Pacemaker group needs at least one
            what = "only a cluster file system (its clone runs on every node)" if links \
                else "no resources"
            placeholder = Primitive(self.new_id(f"{group_id}-placeholder"), "ocf", "Dummy",
                                    "heartbeat", (), (), self.ops("service", on_fail, {}),
                                    source=where)
            primitives.append(placeholder)
            self.note(where, f"{what}: the group holds {placeholder.id} "
                      "(ocf:heartbeat:Dummy) so that its placement, dependencies and "
                      "exclusivity are kept as rgmanager tracked them")
        meta = list(recovery_meta)
        if len(primitives) > 1 and svc.recovery != "disable":
            self.note(where, "a failed resource is restarted with the ones after it in the "
                      "group; rgmanager restarted the whole service", "info")
        if not svc.autostart:
            meta.append(("target-role", "Stopped"))
        self.domain(svc, group_id, where, meta)
        if svc.priority and self.conf.rm.central_processing:
            self.note(where, f"priority={svc.priority} (central processing order) is not "
                      "translated: Pacemaker's priority meta works the other way round", "info")
        for clone_id, fs_name in links:
            self.orders.append(Order(self.new_id(f"order-{clone_id}-{group_id}"), clone_id,
                                     group_id, comment=f"{svc.name} needs {fs_name}"))
            self.colocations.append(Colocation(self.new_id(f"colocation-{group_id}-{clone_id}"),
                                               group_id, clone_id, INFINITY))
        return Group(group_id, tuple(primitives), tuple(meta), source=where)

    def recovery(self, svc: Any, where: str) -> tuple:
        meta, on_fail = [], {}
        policy = svc.recovery
        if policy == "relocate":
            meta.append(("migration-threshold", "1"))
        elif policy == "restart":
            if svc.max_restarts > 0:
                meta.append(("migration-threshold", str(svc.max_restarts + 1)))
                if svc.restart_expire_time > 0:
                    meta.append(("failure-timeout", f"{svc.restart_expire_time}s"))
        elif policy == "disable":
            on_fail["monitor"] = "stop"
        elif policy == "restart-disable":
            on_fail["start"] = "stop"
            self.note(where, "restart-disable: a failed restart stops the resource "
                      "(start on-fail=stop); Pacemaker leaves it stopped, not 'disabled'", "info")
        else:
            self.note(where, f"recovery={policy!r} is not an rgmanager policy; "
                      "Pacemaker's default (restart) applies")
        if policy in ("relocate",) and svc.max_restarts:
            self.note(where, "max_restarts has no effect with recovery=relocate", "info")
        if any(key == "migration-threshold" for key, _ in meta):
            # seen on the Pacemaker tier (tests/pcmk, killed postfix under relocate)
            self.note(where, "after moving away on failures the group stays banned from that "
                      "node (fail count) until crm_resource --cleanup or failure-timeout, then "
                      "its location score brings it back; rgmanager left it on the new node "
                      "until a node joined", "info")
        return meta, on_fail

    def domain(self, svc: Any, group_id: str, where: str, meta: list) -> None:
        if not svc.domain:
            return
        domain = next((d for d in self.conf.failover_domains if d.name == svc.domain), None)
        if domain is None:
            self.note(where, f"failover domain {svc.domain!r} does not exist: no location "
                      "constraint", "error")
            return
        members = [m for m in domain.members if m[0]]
        if not members:
            return
        scores = tuple((name, priority_score(prio) if domain.ordered else 100000)
                       for name, prio in members)
        only = tuple(name for name, _ in members) if domain.restricted else None
        comment = (f"failover domain {domain.name}: ordered={int(domain.ordered)} "
                   f"restricted={int(domain.restricted)} nofailback={int(domain.nofailback)}")
        self.locations.append(Location(self.new_id(f"location-{group_id}"), group_id, scores,
                                       only, comment))
        if domain.nofailback and domain.ordered:
            meta.append(("resource-stickiness", "INFINITY"))
            if not domain.restricted:
                self.note(where, "nofailback in an unrestricted domain: rgmanager still moved "
                          "a service running outside the domain back into it; with "
                          "stickiness INFINITY Pacemaker leaves it where it runs")

    def ordered(self, nodes: tuple, parent_type: str) -> list:
        levels = CHILD_LEVELS.get(parent_type, {})
        numbered = sorted((levels[n.type], i, n) for i, n in enumerate(nodes) if n.type in levels)
        rest = [n for n in nodes if n.type not in levels]
        return [n for _, _, n in numbered] + rest

    def tree(self, node: Any, svc: Any, on_fail: dict, inherited: dict) -> list:
        where = node.path or f"{svc.path}/{node.type}"
        attrs = rtypes.Attrs(node.attrs)
        for key in rtypes.GENERIC:
            if key in attrs:
                self.note(where, f"{key}={attrs.take(key)}: rgmanager's per-resource recovery "
                          "tuning is not translated (Pacemaker restarts the failed resource "
                          "and those after it in the group)")
        inherited = dict(inherited)
        if node.type in ("fs", "clusterfs"):
            inherited["path"] = node.attrs.get("mountpoint")
            inherited["fsid"] = node.attrs.get("fsid")
        if node.type == "nfsexport" and node.attrs.get("path"):
            inherited["path"] = node.attrs["path"]
        out: list = []
        if node.type == "clusterfs" and not node.children:
            self.clone_fs(node, svc, attrs, where, on_fail)
        elif node.type in rtypes.ABSORBED:
            severity, reason = rtypes.ABSORBED[node.type]
            self.note(where, reason, severity)
        elif node.type in rtypes.TRANSLATORS:
            out.append(self.primitive(node, svc, attrs, where, on_fail, inherited))
        else:
            reason = rtypes.UNSUPPORTED.get(
                node.type, f"resource type {node.type!r} has no known Pacemaker agent: not translated")
            self.note(where, reason, "error")
        for child in self.ordered(node.children, node.type):
            out.extend(self.tree(child, svc, on_fail, inherited))
        return out

    def primitive(self, node, svc, attrs, where, on_fail, inherited) -> Primitive:
        ctx = _Ctx(self, where, inherited)
        standard, provider, ptype, params = rtypes.TRANSLATORS[node.type](attrs, ctx)
        for key, value in sorted(attrs.items()):
            self.note(where, f"attribute {key}={value!r} has no counterpart in "
                      f"{standard}:{provider + ':' if provider else ''}{ptype}: not translated",
                      "info")
        label = node.name or (params[0][1] if params else node.type)
        rid = self.new_id(f"{svc.name}-{node.type}-{label}")
        return Primitive(rid, standard, ptype, provider, tuple(params), (),
                         self.ops(node.type, on_fail, node.attrs), source=where)

    def ops(self, rtype: str, on_fail: dict, attrs: dict) -> tuple:
        interval = self.monitor_interval or rtypes.MONITOR_INTERVAL.get(
            rtype, rtypes.DEFAULT_MONITOR_INTERVAL)
        wait = attrs.get("shutdown_wait")
        stop_timeout = 60
        if wait and str(wait).isdigit():
            stop_timeout = max(60, int(wait) + 30)
        return (Op("start", 0, rtypes.START_TIMEOUT.get(rtype, 60), on_fail.get("start")),
                Op("stop", 0, stop_timeout),
                Op("monitor", interval, 30, on_fail.get("monitor")))

    def clone_fs(self, node, svc, attrs, where, on_fail) -> None:
        key = node.ref or node.attrs.get("mountpoint") or node.name
        clone = self.clones.get(key)
        if clone is None:
            ctx = _Ctx(self, where, {})
            standard, provider, ptype, params = rtypes.fs(attrs, ctx)
            for k, v in sorted(attrs.items()):
                self.note(where, f"attribute {k}={v!r} has no counterpart in Filesystem", "info")
            rid = self.new_id(node.name or "clusterfs")
            prim = Primitive(rid, standard, ptype, provider, tuple(params), (),
                             self.ops("clusterfs", {}, {}), source=where)
            clone = Clone(self.new_id(f"{rid}-clone"), prim)
            self.clones[key] = clone
            if dict(params).get("fstype", "").startswith("gfs"):
                self.note(where, "GFS2 under Pacemaker needs dlm (ocf:pacemaker:controld) and "
                          "lvmlockd clones ordered before this clone: not generated; use "
                          "no-quorum-policy=freeze with GFS2")
        if (clone.id, node.name) not in self.links:
            self.links.append((clone.id, node.name))

    def vm_primitive(self, svc, where, on_fail) -> Primitive:
        attrs = dict(svc.attrs)
        config = attrs.get("xmlfile") or f"{(svc.vm_path or '/etc/libvirt/qemu').split(':')[0]}/{svc.name}.xml"
        params = [("config", config)]
        if attrs.get("hypervisor_uri"):
            params.append(("hypervisor", attrs["hypervisor_uri"]))
        meta = (("allow-migrate", "true"),) if svc.migrate in ("live", "pause") else ()
        self.note(where, f"vm → ocf:heartbeat:VirtualDomain config={config}: check the path "
                  "(vm.sh searched path= for NAME or NAME.xml)")
        return Primitive(self.new_id(f"{svc.name}-vm"), "ocf", "VirtualDomain", "heartbeat",
                         tuple(params), meta, self.ops("vm", on_fail, {}), source=where)

    def exclusive_and_depend(self, built: list) -> None:
        """``built``: (group, service) pairs; group ids may differ from service names."""
        by_service = {svc.name: group.id for group, svc in built}
        for group, svc in built:
            if svc.exclusive:
                for other, _ in built:
                    if other.id != group.id:
                        self.colocations.append(Colocation(
                            self.new_id(f"exclusive-{other.id}-{group.id}"), other.id, group.id,
                            -INFINITY, comment=f"{group.id} is exclusive"))
                if len(built) > 1:
                    # checked with crm_simulate: the -INFINITY colocations make this group
                    # the one placed first (rgmanager-behaviour.md §2.3, §5.1, T21)
                    self.note(group.source, "exclusive: when no node is free, Pacemaker stops "
                              "other groups to run this one; rgmanager leaves an exclusive "
                              "service unplaced and keeps the others running")
            if svc.depend:
                target = by_service.get(svc.depend.split(":", 1)[-1])
                if target is None:
                    self.note(group.source, f"depend={svc.depend!r}: no such group, not translated",
                              "error")
                    continue
                soft = (svc.depend_mode or "hard") == "soft"
                self.orders.append(Order(self.new_id(f"depend-{target}-{group.id}"), target,
                                         group.id, "Optional" if soft else "Mandatory",
                                         comment=f"depend {svc.depend} ({'soft' if soft else 'hard'})"))
                if soft:
                    self.note(group.source, "depend_mode=soft → Optional order: it orders "
                              "starts done together but does not require the dependency", "info")


class _Ctx:
    def __init__(self, builder: Builder, where: str, inherited: dict) -> None:
        self.builder, self.where, self._inherited = builder, where, inherited

    def inherited(self, key: str):
        return self._inherited.get(key)

    def warn(self, reason: str) -> None:
        self.builder.note(self.where, reason, "warning")

    def info(self, reason: str) -> None:
        self.builder.note(self.where, reason, "info")


def build_plan(conf: Any, monitor_interval: int | None = None) -> Plan:
    return Builder(conf, monitor_interval).build()
