"""Metadata XML from an agent's declarations, in rgmanager's ra-api-1-modified flavour.

rgmanager needs ``primary``, ``inherit`` and ``<special tag="rgmanager">``, which the
heartbeat ``ra-api-1.dtd`` does not allow; ocf-tester lints with ``xmllint --valid``
against the document's own DOCTYPE (../shared/reference/agents.md §4.1).  So the
document carries the ra-api-1-modified declarations as an *internal DTD subset*: xmllint
validates against them, rgmanager's libxml2 parse ignores DTDs, and the document still
validates with ``xmllint --dtdvalid ra-api-1-modified.dtd`` (option 1 of §4.1).

Shape (agents-metadata/rgmanager-apache.xml)::

    <resource-agent name="zigha-httpd" version="rgmanager 2.0">
      <version>1.0</version> <longdesc/> <shortdesc/>
      <parameters> <parameter name="name" primary="1"> ... <content type="string"/> ...
      <actions> <action name="start" timeout="60"/> ...
      <special tag="rgmanager"/>
"""

from __future__ import annotations

from xml.sax.saxutils import escape, quoteattr

#: rgmanager/src/resources/ra-api-1-modified.dtd (resource-agents HEAD, with verify-all)
DTD_SUBSET = """\
<!ELEMENT resource-agent (version,longdesc,shortdesc,parameters,actions,special*) >
<!ATTLIST resource-agent
	name	CDATA	#REQUIRED
	version CDATA   #IMPLIED>
<!ELEMENT version (#PCDATA)>
<!ELEMENT parameters (parameter*)>
<!ELEMENT actions (action*)>
<!ELEMENT parameter (longdesc+,shortdesc+,content)>
<!ATTLIST parameter
	name	CDATA	#REQUIRED
	primary (1|0)   "0"
	required (1|0)	"0"
	inherit CDATA	""
	unique	(1|0)	"0"
	reconfig (1|0)  "0">
<!ELEMENT longdesc ANY>
<!ATTLIST longdesc
	lang	NMTOKEN	#IMPLIED>
<!ELEMENT shortdesc ANY>
<!ATTLIST shortdesc
	lang	NMTOKEN	#IMPLIED>
<!ELEMENT content EMPTY>
<!ATTLIST content
	type	(string|integer|boolean)	#REQUIRED
	default CDATA	#IMPLIED>
<!ELEMENT action EMPTY>
<!ATTLIST action
	name	(start|stop|recover|status|reconfig|monitor|reload|meta-data|validate-all|verify-all|migrate|methods)	#REQUIRED
	timeout		CDATA	#REQUIRED
	interval 	CDATA	#IMPLIED
	start-delay 	CDATA	#IMPLIED
	depth		CDATA	#IMPLIED>
<!ELEMENT special (attributes*, child*)>
<!ATTLIST special
	tag	CDATA	#REQUIRED>
<!ELEMENT attributes EMPTY>
<!ATTLIST attributes
	maxinstances CDATA "0"
	init_on_add CDATA "0"
	destroy_on_delete CDATA "0">
<!ELEMENT child EMPTY>
<!ATTLIST child
	type CDATA #REQUIRED
	forbid (1|0) "0"
	start CDATA "100"
	stop CDATA "0">
"""

ACTION_NAMES = ("start", "stop", "recover", "status", "reconfig", "monitor", "reload",
                "meta-data", "validate-all", "verify-all", "migrate", "methods")


def _attrs(pairs) -> str:
    return "".join(f" {key}={quoteattr(str(value))}" for key, value in pairs if value is not None)


def check(agent) -> None:
    """Raise ValueError when the declarations break a rule rgmanager or the DTD has."""
    primaries = [p.name for p in agent.parameters if p.primary]
    if len(primaries) != 1:
        raise ValueError(f"{agent.type_name}: exactly one primary parameter needed, got {primaries}")
    if agent.parameters[0].name != primaries[0]:
        # OCF_RESOURCE_INSTANCE is built from the first stored attribute (agents.md §1.3)
        raise ValueError(f"{agent.type_name}: the primary parameter must come first")
    names = [p.name for p in agent.parameters]
    if len(set(names)) != len(names):
        raise ValueError(f"{agent.type_name}: duplicate parameter names")
    for action in agent.actions:
        if action.name not in ACTION_NAMES:
            raise ValueError(f"{agent.type_name}: action {action.name!r} not allowed by the DTD")
    if agent.type_name.lower() in ("action", "apache", "named"):
        raise ValueError(f"{agent.type_name}: name clashes with a reserved or stock type")


def render(agent) -> str:
    """The metadata document (text, ending with a newline)."""
    check(agent)
    out = ['<?xml version="1.0"?>\n',
           "<!DOCTYPE resource-agent [\n", DTD_SUBSET, "]>\n",
           f"<resource-agent{_attrs([('name', agent.type_name), ('version', 'rgmanager 2.0')])}>\n",
           f"  <version>{escape(agent.version)}</version>\n",
           f'  <longdesc lang="en">{escape(agent.longdesc.strip())}</longdesc>\n',
           f'  <shortdesc lang="en">{escape(agent.shortdesc.strip())}</shortdesc>\n',
           "  <parameters>\n"]
    for p in agent.parameters:
        flags = [("primary", "1" if p.primary else None), ("required", "1" if p.required else None),
                 ("unique", "1" if p.unique else None), ("reconfig", "1" if p.reconfig else None),
                 ("inherit", p.inherit or None)]
        out.append(f"    <parameter{_attrs([('name', p.name)] + flags)}>\n")
        out.append(f'      <longdesc lang="en">{escape(p.longdesc.strip())}</longdesc>\n')
        out.append(f'      <shortdesc lang="en">{escape(p.shortdesc.strip())}</shortdesc>\n')
        out.append(f"      <content{_attrs([('type', p.type), ('default', p.default)])}/>\n")
        out.append("    </parameter>\n")
    out.append("  </parameters>\n  <actions>\n")
    for a in agent.actions:
        pairs = [("name", a.name), ("depth", a.depth), ("timeout", a.timeout),
                 ("interval", a.interval), ("start-delay", a.start_delay)]
        out.append(f"    <action{_attrs(pairs)}/>\n")
    out.append("  </actions>\n")
    attributes = dict(agent.special_attributes)
    if attributes or agent.special_children:
        out.append('  <special tag="rgmanager">\n')
        if attributes:
            out.append(f"    <attributes{_attrs(sorted(attributes.items()))}/>\n")
        for child in agent.special_children:
            out.append(f"    <child{_attrs(child.items())}/>\n")
        out.append("  </special>\n")
    else:
        out.append('  <special tag="rgmanager"/>\n')
    out.append("</resource-agent>\n")
    return "".join(out)
