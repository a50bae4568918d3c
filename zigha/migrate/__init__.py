"""cluster.conf (cman + rgmanager) → Pacemaker: a CIB and the equivalent pcs commands.

The translation follows clufter's ``ccs2pcs`` where that is faithful and says so where
it is not: every element without a faithful counterpart becomes a :class:`ReportItem`
(``element``, ``reason``, ``severity``), nothing is dropped silently.  The rules are in
:mod:`zigha.migrate.build` and docs/pacemaker.md.

    >>> from zigha.conf import ClusterConf
    >>> from zigha.migrate import migrate
    >>> result = migrate(ClusterConf.load("examples/zigsow/cluster.conf"))  # doctest: +SKIP
    >>> [g.id for g in result.plan.groups]                                    # doctest: +SKIP
    ['http', 'named', 'mail']
    >>> result.write("cib.xml", pcs_script="cib.sh")                        # doctest: +SKIP
"""

from __future__ import annotations

import os
import tempfile
from typing import Any

import attrs

from zigha.errors import ZighaError
from zigha.migrate.model import Plan, ReportItem

__all__ = ["migrate", "migrate_file", "Migration", "MigrationError", "Plan", "ReportItem"]


class MigrationError(ZighaError):
    """The output could not be written."""


@attrs.frozen
class Migration:
    """The result: the plan, its CIB XML text and its pcs script text."""

    plan: Plan
    cib: str
    pcs_script: str

    @property
    def report(self) -> tuple:
        return self.plan.report

    def __repr__(self) -> str:  # the CIB and script texts are long: a summary reads better
        plan = self.plan
        constraints = len(plan.locations) + len(plan.orders) + len(plan.colocations)
        counts = {s: sum(1 for i in plan.report if i.severity == s)
                  for s in ("error", "warning", "info")}
        report = ", ".join(f"{n} {s}" for s, n in counts.items() if n) or "nothing"
        return (f"<Migration {plan.cluster_name or '?'}: {len(plan.nodes)} nodes, "
                f"{len(plan.groups)} groups, {len(plan.stonith)} stonith, {constraints} "
                f"constraints; report: {report}>")

    def write(self, cib_path: str, pcs_script: str | None = None) -> None:
        """Write the CIB (and the script, executable) atomically: all or nothing."""
        outputs = [(cib_path, self.cib, 0o644)]
        if pcs_script:
            outputs.append((pcs_script, self.pcs_script, 0o755))
        staged = []
        path = cib_path
        try:
            for path, text, mode in outputs:
                directory = os.path.dirname(os.path.abspath(path))
                fd, tmp = tempfile.mkstemp(prefix=".zigha-migrate-", dir=directory)
                staged.append((tmp, path))
                with os.fdopen(fd, "w", encoding="utf-8") as handle:
                    handle.write(text)
                os.chmod(tmp, mode)
            for tmp, path in staged:
                os.replace(tmp, path)
        except OSError as exc:
            for tmp, _ in staged:
                if os.path.exists(tmp):
                    os.unlink(tmp)
            raise MigrationError(f"cannot write: {exc.strerror}", file=path) from exc


def migrate(conf: Any, *, monitor_interval: int | None = None) -> Migration:
    """Translate a ``zigha.conf.ClusterConf``.  ``monitor_interval`` (seconds) replaces
    the rgmanager status intervals on every monitor op (faster detection in tests)."""
    from zigha.migrate.build import build_plan
    from zigha.migrate.cib import render_cib
    from zigha.migrate.pcs import render_pcs

    plan = build_plan(conf, monitor_interval)
    return Migration(plan, render_cib(plan), render_pcs(plan))


def migrate_file(path: str, cib_path: str, pcs_script: str | None = None, *,
                 monitor_interval: int | None = None) -> Migration:
    """Load cluster.conf at ``path``, translate it, write the outputs."""
    from zigha.conf import ClusterConf

    result = migrate(ClusterConf.load(path), monitor_interval=monitor_interval)
    result.write(cib_path, pcs_script)
    return result
