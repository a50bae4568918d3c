"""``crm_mon --output-as=xml`` → :class:`zigha.status.ClusterStatus` (pure), and the live read.

The document (Pacemaker 2.1, ``crm_mon`` XML output, api-version 2.x; the older
``crm_mon --as-xml`` has a ``<crm_mon>`` root and the same sections)::

    <pacemaker-result api-version="2.25" request="crm_mon --output-as=xml">
      <summary><current_dc present="true" name="h2" id="2" with_quorum="true"/>…</summary>
      <nodes><node name="h1" id="1" online="true" is_dc="false" unclean="false" …/></nodes>
      <resources>
        <group id="http" number_resources="2" managed="true" disabled="false">
          <resource id="http-ip" role="Started" active="true" failed="false" …>
            <node name="h1" id="1" cached="true"/></resource>…</group>
        <clone id="fs-clone">…</clone>
      </resources>
      <failures><failure op_key="x_monitor_5000" node="h2" exitstatus="error" …/></failures>
      <status code="0" message="OK"/>
    </pacemaker-result>

How the rgmanager words are chosen for a group (or a top-level primitive; clones,
bundles and stonith devices are not services):

* every member active on one node → ``started`` there (``owner``);
* some members active, the group wanted up → ``starting``; wanted down → ``stopping``;
* nothing active: target-role Stopped (``disabled="true"``) → ``disabled``; a member
  failed or blocked → ``failed``; otherwise ``stopped`` (Pacemaker has nowhere to put it);
* ``managed="false"`` (is-managed=false, Pacemaker's freeze) → the ``frozen`` flag.

Members: ``rgmanager`` is True where Pacemaker's controller runs (an online member that
can run services, what clustat's flag means to scripts); ``rgmanager_master`` marks the
DC.  ``other_flags`` keeps ``DC``, ``standby``, ``maintenance``, ``unclean``, ``pending``,
``shutdown``.  Failed actions become ``notices``.  crm_mon prints no cluster name, so
``cluster_name`` is what the caller passes.
"""

from __future__ import annotations

import html
from typing import Any

from zigha.errors import CommandError, ParseError
from zigha.status.model import ClusterStatus, Member, ServiceState, ServiceStatus

TOOL = "crm_mon --output-as=xml"
DEFAULT_TIMEOUT = 30.0
_NODE_FLAGS = ("standby", "maintenance", "unclean", "pending", "shutdown")
_TRANSITION_ROLES = {"Starting": ServiceState.STARTING, "Stopping": ServiceState.STOPPING,
                     "Migrating": ServiceState.MIGRATING}


class CrmMonError(CommandError):
    """crm_mon could not report (cluster not running here, not connected)."""

    exit_code = 3


def _true(value: str | None) -> bool:
    return (value or "").strip().lower() in ("true", "1", "yes")


def _fail(message: str, element: Any = None) -> ParseError:
    line = getattr(element, "sourceline", None)
    excerpt = None
    if element is not None:
        excerpt = "<" + str(element.tag) + "".join(
            f' {k}="{v}"' for k, v in list(element.attrib.items())[:4]) + ">"
    return ParseError(message, tool=TOOL, line=line, excerpt=excerpt)


def _root(text: str | bytes) -> Any:
    from lxml import etree

    raw = text.encode() if isinstance(text, str) else text
    start = raw.find(b"<")
    if start < 0:
        raise ParseError("no XML in the output", tool=TOOL, line=1,
                         excerpt=raw[:60].decode(errors="replace"))
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    try:
        root = etree.fromstring(raw[start:], parser)
    except etree.XMLSyntaxError as exc:
        line = exc.position[0] if exc.position else None
        raise ParseError(f"malformed XML: {exc.msg}", tool=TOOL, line=line) from exc
    if root.tag not in ("pacemaker-result", "crm_mon"):
        raise _fail(f"not a crm_mon report: root element <{root.tag}>", root)
    return root


def _members(root: Any) -> tuple:
    members = []
    for node in root.iterfind("nodes/node"):
        name = node.get("name")
        if not name:
            raise _fail("<node> without a name", node)
        raw_id = node.get("id")
        nodeid = int(raw_id) if raw_id and raw_id.isdigit() else None
        online = _true(node.get("online"))
        flags = [f for f in _NODE_FLAGS if _true(node.get(f))]
        is_dc = _true(node.get("is_dc"))
        if is_dc:
            flags.insert(0, "DC")
        if node.get("type") not in (None, "member"):
            flags.append(node.get("type"))
        members.append(Member(name=name, nodeid=nodeid, online=online,
                              rgmanager=online and not _true(node.get("pending")),
                              rgmanager_master=is_dc, other_flags=tuple(flags)))
    return tuple(members)


def _primitives(element: Any) -> list:
    return [r for r in element.iterfind("resource")]


def _service(element: Any) -> ServiceStatus:
    ident = element.get("id")
    if not ident:
        raise _fail(f"<{element.tag}> without an id", element)
    members = [element] if element.tag == "resource" else _primitives(element)
    active_nodes = []
    failed = blocked = transition = None
    for rsc in members:
        if rsc.get("role") is None and rsc.get("active") is None:
            raise _fail("<resource> without role or active", rsc)
        if _true(rsc.get("active")):
            for node in rsc.iterfind("node"):
                if node.get("name") and node.get("name") not in active_nodes:
                    active_nodes.append(node.get("name"))
        failed = failed or _true(rsc.get("failed"))
        blocked = blocked or _true(rsc.get("blocked"))
        transition = transition or _TRANSITION_ROLES.get(rsc.get("role", ""))
    active = sum(_true(r.get("active")) for r in members)
    wanted_down = _true(element.get("disabled")) or (
        bool(members) and all(r.get("target_role", "").lower() == "stopped" for r in members))
    if transition is not None:
        state = transition
    elif members and active == len(members):
        state = ServiceState.STARTED
    elif active:
        state = ServiceState.STOPPING if wanted_down else ServiceState.STARTING
    elif wanted_down:
        state = ServiceState.DISABLED
    elif failed or blocked:
        state = ServiceState.FAILED
    else:
        state = ServiceState.STOPPED
    owner = active_nodes[0] if active_nodes else None
    flags = []
    if not _true(element.get("managed", "true")):
        flags.append("frozen")
    if len(active_nodes) > 1:
        flags.append("partial")
    return ServiceStatus(name=f"service:{ident}", state=state,
                         owner=owner if state.running or state is ServiceState.MIGRATING else None,
                         last_owner=owner if not state.running else None,
                         state_raw=state.value, flags=tuple(flags))


def _failures(root: Any) -> tuple:
    notices = []
    for failure in root.iterfind("failures/failure"):
        # Pacemaker 2.1.5 escapes the agent's exit reason once more than the XML needs
        # ("Service zigha-httpd:httpd &gt; Service Is Not Running" seen on the lab)
        reason = html.unescape(failure.get("exitreason") or "")
        text = (f"failed action: {failure.get('op_key')} on {failure.get('node')} returned "
                f"'{failure.get('exitstatus')}'" + (f" ({reason})" if reason else ""))
        notices.append(text)
    return tuple(notices)


def parse_crm_mon_xml(text: str | bytes, cluster_name: str | None = None) -> ClusterStatus:
    """Parse ``crm_mon --output-as=xml`` (or ``--as-xml``) into a ClusterStatus.

    Raises ParseError (with the line) for anything that is not such a report.
    """
    root = _root(text)
    status = root.find("status")
    if status is not None and status.get("code") not in (None, "0"):
        raise _fail(f"crm_mon reported an error: {status.get('message')}", status)
    summary = root.find("summary")
    if summary is None:
        raise _fail("no <summary> section", root)
    dc = summary.find("current_dc")
    quorate = None
    if dc is not None and _true(dc.get("present")):
        quorate = _true(dc.get("with_quorum"))
    services = []
    resources = root.find("resources")
    for element in (resources if resources is not None else ()):
        if not isinstance(element.tag, str):
            continue
        if element.tag == "group":
            services.append(_service(element))
        elif element.tag == "resource":
            agent = element.get("resource_agent", "")
            if not agent.startswith("stonith:"):
                services.append(_service(element))
    return ClusterStatus(cluster_name=cluster_name, quorate=quorate, members=_members(root),
                         services=tuple(services), services_available=resources is not None,
                         notices=_failures(root))


def crm_mon(runner=None, timeout: float | None = None,
            cluster_name: str | None = None) -> ClusterStatus:
    """Run ``crm_mon --output-as=xml`` here and parse it.

    Raises :class:`CrmMonError` when crm_mon cannot report (no cluster running here),
    ParseError for output that is not a report.
    """
    from zigha import tools
    from zigha.runner import default_runner

    runner = runner or default_runner()
    argv = [tools.find("crm_mon") or "crm_mon", "--output-as=xml"]
    result = runner.run(argv, timeout=DEFAULT_TIMEOUT if timeout is None else timeout)
    out = result.stdout or ""
    if result.rc == 0 and "<summary" in out:
        return parse_crm_mon_xml(out, cluster_name)
    message = ""
    if "<status" in out:
        try:
            status = _root(out).find("status")
            message = status.get("message", "") if status is not None else ""
            errors = [e.text for e in (status.iterfind("errors/error") if status is not None else ())]
            message = "; ".join(filter(None, [message, *errors]))
        except ParseError:
            message = ""
    if not message:
        lines = (result.stderr or "").strip().splitlines()
        message = lines[-1] if lines else "no output"
    raise CrmMonError.from_result(f"crm_mon failed (exit {result.rc}): {message}", result)
