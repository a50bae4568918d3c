#!/usr/bin/env python3
"""Add a member to the cluster: its clusternode, its place in the failover domains,
validation, a safe save and, when asked, activation with ``cman_tool version -r``.

Growing the seed's cluster from h1-h3 to h4 by hand meant editing cluster.conf,
remembering to bump config_version, copying the file to every node and running
``cman_tool version -r``; a typo found its way to all nodes at once.  This script does the
same with the checks a careful admin makes:

* the edit is refused if it would break the file (duplicate name or nodeid, two_node with
  a third node ...), and the whole file is validated (schema + rules) before anything is
  written: with an error nothing is written;
* the save bumps config_version once, keeps the previous file as cluster.conf.bak, writes
  atomically and refuses if someone else changed the file since it was read;
* nothing touches the running cluster unless ``--push`` is given (the new node needs the
  file on every member before it joins: cluster-conf.md §6 in ../shared/reference);
* ``--dry-run`` shows the changes and the diff of the file and writes nothing.

    python3 examples/add_node.py --conf examples/zigsow/cluster.conf --dry-run
    python3 examples/add_node.py h4.zigsow.net               # /etc/cluster/cluster.conf, no push
    python3 examples/add_node.py h4.zigsow.net --push        # then cman_tool version -r

By default the new member joins every failover domain at the lowest priority (after the
members already listed), so it takes over only when the others are gone; ``--domain
NAME[:PRIORITY]`` picks domains and priorities instead, ``--no-domains`` none.
Exit status: 0 done (or nothing to do), 1 validation errors or the file changed meanwhile,
2 bad input, 3 a cluster tool failed, 4 timeout (activation state unknown).
"""

from __future__ import annotations

import argparse
import difflib
import sys

from zigha.conf import ClusterConf
from zigha.errors import (
    CommandError,
    CommandTimeout,
    ConfigError,
    SaveConflictError,
    ValidationError,
    ZighaError,
)

SEED_NODE = "h4.zigsow.net"


def domain_places(conf: ClusterConf, requested: list, node: str) -> list:
    """``[(domain, priority or None)]``: the requested ``NAME[:PRIORITY]`` entries, or every
    domain with the node after its current members (no priority in unordered domains)."""
    if requested:
        places = []
        for item in requested:
            name, _, priority = item.partition(":")
            places.append((name, int(priority) if priority else None))
        return places
    places = []
    for domain in conf.failover_domains:
        if any(member == node for member, _ in domain.members):
            continue
        priorities = [p for _, p in domain.members if p is not None]
        priority = min(max(priorities, default=0) + 1, 100) if domain.ordered else None
        places.append((domain.name, priority))
    return places


def add_member(conf: ClusterConf, node: str, nodeid, votes, places: list) -> None:
    conf.add_node(node, nodeid=nodeid, votes=votes)
    for domain, priority in places:
        conf.add_failover_domain_node(domain, node, priority)


def new_findings(before: list, after: list) -> list:
    seen = {(f.code, f.message) for f in before}
    return [f for f in after if (f.code, f.message) not in seen]


def quorum_note(conf: ClusterConf) -> str:
    votes = sum(n.votes for n in conf.nodes) + (conf.quorumd.votes if conf.quorumd else 0)
    expected = conf.cman.expected_votes
    note = f"{len(conf.nodes)} nodes, {votes} votes: quorum needs {votes // 2 + 1}"
    if expected is not None and expected != votes:
        note += (f"; <cman expected_votes=\"{expected}\"> is set explicitly: check it "
                 f"(zigha conf set-cman FILE expected_votes={votes})")
    return note


def text_diff(old: str, new: str, path: str) -> str:
    lines = difflib.unified_diff(old.splitlines(True), new.splitlines(True),
                                 f"{path}", f"{path} (new)", n=2)
    return "".join(lines)


def run(args: argparse.Namespace, runner=None, out=print) -> int:
    conf = ClusterConf.load(args.conf)
    before_text = conf.to_string()
    before_findings = conf.validate(args.schema)
    if args.node in {n.name for n in conf.nodes}:
        out(f"{args.node} is already a node of {conf.name} in {args.conf}: nothing to change")
        if not args.push:
            return 0
    else:
        original = ClusterConf.from_string(before_text, file=args.conf)
        add_member(conf, args.node, args.nodeid, args.votes,
                   [] if args.no_domains else domain_places(conf, args.domain, args.node))
        findings = conf.validate(args.schema)
        errors = [f for f in findings if f.is_error]
        for finding in new_findings(before_findings, findings):
            # new elements have no line in the file yet: name the element instead
            out(finding.format(args.conf) if finding.line else
                f"{args.conf}: {finding.severity}: {finding.message} [{finding.path}]")
        if args.dry_run:
            conf.set_config_version(conf.config_version + 1)  # what save() will write
            out(f"would change {args.conf} (nothing written, --dry-run):")
            for change in original.diff(conf):
                out(f"  {change}")
            out(quorum_note(conf))
            out(text_diff(before_text, conf.to_string(), args.conf).rstrip("\n"))
            return 1 if errors else 0
        if errors:
            out(f"{args.conf}: not saved: {len(errors)} error(s)")
            return 1
        conf.save(schema=args.schema)
        out(f"{args.conf}: added {args.node} (config_version {conf.config_version}; "
            f"previous file kept as {args.conf}.bak)")
        out(quorum_note(conf))
    if args.dry_run:
        return 0
    if not args.push:
        out("not activated: copy the file to every member and run cman_tool version -r, "
            "or run again with --push")
        return 0
    from zigha.conf.propagate import push

    result = push(args.conf, method=args.method, runner=runner, timeout=args.timeout)
    where = f" (copied to {', '.join(result.copied_to)})" if result.copied_to else ""
    out(f"cluster runs config_version {result.version}{where}")
    return 0


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("node", nargs="?", default=SEED_NODE, help=f"default {SEED_NODE}")
    p.add_argument("--conf", default="/etc/cluster/cluster.conf")
    p.add_argument("--nodeid", type=int, help="default: the lowest free one")
    p.add_argument("--votes", type=int)
    p.add_argument("--domain", action="append", default=[], metavar="NAME[:PRIORITY]",
                   help="join this failover domain (repeatable; default: every domain, last)")
    p.add_argument("--no-domains", action="store_true", help="join no failover domain")
    p.add_argument("--schema", metavar="RNG", help="cluster.rng to validate against")
    p.add_argument("--dry-run", action="store_true", help="show the diff, write nothing")
    p.add_argument("--push", action="store_true",
                   help="then activate: ccs_config_validate, cman_tool version -r")
    p.add_argument("--method", choices=("ricci", "copy"), default="ricci",
                   help="copy: scp to every member, then cman_tool version -r -S")
    p.add_argument("--timeout", type=float, default=120.0)
    return p


def main(argv=None, runner=None) -> int:
    args = parser().parse_args(argv)
    try:
        return run(args, runner=runner)
    except BrokenPipeError:  # | head
        sys.stderr.close()
        return 0
    except SaveConflictError as exc:
        print(f"add_node: {exc}: nothing written; run it again", file=sys.stderr)
        return 1
    except ValidationError as exc:
        print(f"add_node: {exc}", file=sys.stderr)
        return 1
    except ConfigError as exc:
        print(f"add_node: {exc}", file=sys.stderr)
        return 2
    except CommandTimeout as exc:
        print(f"add_node: {exc}", file=sys.stderr)
        return 4
    except CommandError as exc:
        print(f"add_node: {exc}", file=sys.stderr)
        return 3
    except (ZighaError, ValueError) as exc:
        print(f"add_node: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
