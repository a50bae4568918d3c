"""Extend cluster.rng with zigha's resource types, as ``ccs_update_schema`` does.

cluster.rng lists the resource elements as a closed set (the CHILDREN define), so a
cluster.conf using ``<zigha-httpd>`` fails the stock schema.  RHEL 6.1+'s
``ccs_update_schema`` rebuilds the resource part from every agent's metadata through
``ra2rng.xsl`` (one ``define`` per agent) and ``ra2ref.xsl`` (one ``ref`` per agent in
CHILDREN) — ../shared/reference/agents.md §1.2, cluster-conf.md §1.2.  :func:`define`
mirrors ``ra2rng.xsl`` (resource-agents ``rgmanager/src/resources/ra2rng.xsl``): define
name = type upper-cased with ``_`` → ``-``; a ``ref`` alternative; primary or required
parameters mandatory, the others optional; the six ``__`` attributes; CHILDREN.

:func:`extend` adds the defines before ``</grammar>`` and the refs at the top of the
CHILDREN choice, between marker comments, so running it again replaces them and
:func:`strip` takes them out again.
"""

from __future__ import annotations

from xml.sax.saxutils import quoteattr

BEGIN_DEFINES = "<!-- zigha agents: begin definitions -->"
END_DEFINES = "<!-- zigha agents: end definitions -->"
BEGIN_REFS = "<!-- zigha agents: begin refs -->"
END_REFS = "<!-- zigha agents: end refs -->"

_COMMON = (
    ("__independent_subtree", "Treat this and all children as an independent subtree."),
    ("__enforce_timeouts", "Consider a timeout for operations as fatal."),
    ("__max_failures", "Maximum number of failures before returning a failure to a status check."),
    ("__failure_expire_time", "Amount of time before a failure is forgotten."),
    ("__max_restarts", "Maximum number restarts for an independent subtree before giving up."),
    ("__restart_expire_time", "Amount of time before a failure is forgotten for an independent subtree."),
)


def define_name(type_name: str) -> str:
    """``zigha-httpd`` → ``ZIGHA-HTTPD`` (ra2rng.xsl's ``capitalize`` template)."""
    return type_name.upper().replace("_", "-")


def _desc(text: str) -> str:
    return quoteattr(" ".join(text.split()))


def define(agent) -> str:
    """The RelaxNG ``define`` for one agent (text, like ra2rng.xsl's output)."""
    lines = [f'  <define name="{define_name(agent.type_name)}">',
             f'    <element name="{agent.type_name}" rha:description={_desc(agent.shortdesc)}>',
             "      <choice>", "      <group>", "        <!-- rgmanager specific stuff -->",
             f'        <attribute name="ref" rha:description="Reference to existing '
             f'{agent.type_name} resource in the resources section."/>',
             "      </group>", "      <group>"]
    for p in agent.parameters:
        attribute = f'<attribute name="{p.name}" rha:description={_desc(p.shortdesc)}/>'
        if p.required or p.primary:
            lines.append(f"        {attribute}")
        else:
            lines += ["        <optional>", f"          {attribute}", "        </optional>"]
    lines += ["      </group>", "      </choice>"]
    for name, text in _COMMON:
        lines += ["      <optional>", f'        <attribute name="{name}" rha:description="{text}"/>',
                  "      </optional>"]
    lines += ["      <optional>", '        <ref name="CHILDREN"/>', "      </optional>",
              "    </element>", "  </define>"]
    return "\n".join(lines) + "\n"


def _cut(text: str, begin: str, end: str) -> str:
    start = text.find(begin)
    if start < 0:
        return text
    stop = text.find(end, start)
    if stop < 0:
        raise ValueError(f"schema has {begin!r} without {end!r}")
    while start > 0 and text[start - 1] in " \t":
        start -= 1
    stop += len(end)
    if text[stop:stop + 1] == "\n":
        stop += 1
    return text[:start] + text[stop:]


def strip(text: str) -> str:
    """``text`` without anything :func:`extend` added."""
    return _cut(_cut(text, BEGIN_DEFINES, END_DEFINES), BEGIN_REFS, END_REFS)


def extend(text: str, agents) -> str:
    """``text`` (a cluster.rng) accepting the resource types of ``agents``.

    Raises ValueError when the text has no ``CHILDREN`` choice or no ``</grammar>``.
    """
    text = strip(text)
    children = text.find('<define name="CHILDREN">')
    choice = text.find("<choice>", children)
    end = text.rfind("</grammar>")
    if children < 0 or choice < 0 or end < 0:
        raise ValueError("not a cluster.rng: no CHILDREN choice or no </grammar>")
    defined = {define_name(a.type_name) for a in agents}
    taken = [name for name in defined if f'<define name="{name}">' in text]
    if taken:
        raise ValueError(f"the schema already defines {', '.join(sorted(taken))}")
    refs = "".join(f'        <ref name="{define_name(a.type_name)}"/>\n' for a in agents)
    defines = "".join(define(a) + "\n" for a in agents)
    at = text.index("\n", choice) + 1
    text = text[:at] + f"        {BEGIN_REFS}\n{refs}        {END_REFS}\n" + text[at:]
    end = text.rfind("</grammar>")
    return text[:end] + f"{BEGIN_DEFINES}\n{defines}{END_DEFINES}\n" + text[end:]
