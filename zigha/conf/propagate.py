"""Activate a new cluster.conf on the running cluster (RHEL 6 cman).

Two ways, as rhcs-cli.md §4.3 and cluster-conf.md §6 describe:

* ``method="ricci"``: ``cman_tool version -r``.  cman_tool validates the file, runs
  ``ccs_sync`` to push it to every node through ricci (TCP 11111), then tells cman.
  ccs_sync can stop at a ``Password:`` prompt; stdin is closed and a timeout is
  always set, so that shows as :class:`RicciAuthRequired` or a timeout, never a hang.
* ``method="copy"``: copy the file to every other node first (scp to a temporary
  name, then an atomic ``mv`` over /etc/cluster/cluster.conf through ssh, both in
  BatchMode so no prompt can block), then ``cman_tool version -r -S`` (no ccs_sync).

Both start with ``ccs_config_validate -q -f FILE`` (the schema check of exactly this
file) and end by reading ``cman_tool version`` to confirm the running version.
Every failure maps to a subclass of :class:`PropagationError` carrying the message
the real tool printed.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from typing import Any, cast

import attrs

from zigha.errors import CommandError, CommandTimeout, ParseError
from zigha.runner import default_runner

REMOTE_PATH = "/etc/cluster/cluster.conf"
REMOTE_TEMP = "/etc/cluster/.cluster.conf.zigha-new"
VALIDATE_TIMEOUT = 60.0
RELOAD_TIMEOUT = 120.0
COPY_TIMEOUT = 60.0
SSH_OPTIONS = ("-o", "BatchMode=yes", "-o", "ConnectTimeout=10")
_VERSION = re.compile(r"^\s*(\d+\.\d+\.\d+) config (\d+)\s*$")


class PropagationError(CommandError):
    """Validating, distributing or activating the configuration failed."""


class ConfigInvalid(PropagationError):
    """ccs_config_validate (or cman_tool's own check) rejected the file."""


class ConfigVersionNotNewer(PropagationError):
    """config_version is not greater than the running one: bump it."""


class SyncFailed(PropagationError):
    """ccs_sync could not push the file through ricci."""


class RicciAuthRequired(SyncFailed):
    """ricci asked for a password (``ccs -h NODE`` authentication is missing)."""


class CopyFailed(PropagationError):
    """Copying the file to a node failed; nothing was reloaded."""


class CmanNotRunning(PropagationError):
    """cman_tool could not talk to cman."""


#: cman_tool stderr text -> (error class, what it means); from cman_tool main.c
_RELOAD_MESSAGES = (
    ("Not reloading, config version older or equal the running config", ConfigVersionNotNewer,
     "bump config_version above the running one"),
    ("Unable to retrive the new config version", PropagationError,
     "config_version cannot be read from the file"),
    ("Not reloading, generic error running ccs_config_validate", PropagationError,
     "try again with cman_tool version -r -d -d to see why"),
    ("Not reloading, configuration is not valid", ConfigInvalid, "run zigha conf validate FILE"),
    ("You have not authenticated to the ricci daemon", RicciAuthRequired,
     "authenticate to ricci (ccs -h NODE -p PASSWORD) or push with method='copy'"),
    ("Password:", RicciAuthRequired,
     "authenticate to ricci (ccs -h NODE -p PASSWORD) or push with method='copy'"),
    ("ccs_sync failed", SyncFailed, "distribute the file yourself and use method='copy' (-S)"),
    ("Error loading configuration in corosync/cman", PropagationError,
     "cman refused the new file; see the cluster log"),
    ("Cannot open connection to cman", CmanNotRunning, "start cman first"),
    ("Cluster software not started", CmanNotRunning, "start cman first"),
)


@attrs.frozen
class PushResult:
    path: str
    method: str
    version: int
    copied_to: tuple = ()
    messages: str = ""

    def to_dict(self) -> dict:
        return attrs.asdict(self)


def parse_version(text: str) -> tuple:
    """``cman_tool version`` output -> (protocol version, config version)."""
    for line in text.splitlines():
        match = _VERSION.match(line)
        if match:
            return match.group(1), int(match.group(2))
    raise ParseError("no '<x.y.z> config <N>' line", tool="cman_tool version",
                     excerpt=text.strip()[:200])


def running_version(runner: Any = None, timeout: float = 30.0) -> int:
    """The config_version cman is running (``cman_tool version``)."""
    runner = runner or default_runner()
    argv = ["cman_tool", "version"]
    result = runner.run(argv, timeout=timeout)
    if result.rc != 0:
        raise _reload_error(result, "cman_tool version failed")
    return parse_version(result.stdout)[1]


def validate_file(path: str, runner: Any = None, timeout: float = VALIDATE_TIMEOUT) -> None:
    """``ccs_config_validate -q -f PATH``; raises ConfigInvalid with xmllint's lines."""
    runner = runner or default_runner()
    result = runner.run(["ccs_config_validate", "-q", "-f", path], timeout=timeout)
    if result.rc == 0:
        return
    output = (result.stdout + result.stderr).strip()
    if result.rc == 255:
        raise PropagationError.from_result(
            f"ccs_config_validate could not check {path}: {_first_line(output) or 'status 255'}",
            result)
    problems = [line for line in output.splitlines() if line.strip() and
                line.strip() != "Configuration fails to validate"]
    detail = problems[0] if problems else f"status {result.rc}"
    raise ConfigInvalid.from_result(f"{path} fails to validate: {detail}", result,
                                    hint="run zigha conf validate FILE for every problem")


def _first_line(text: str) -> str:
    return next((line.strip() for line in text.splitlines() if line.strip()), "")


def _reload_error(result: Any, fallback: str) -> PropagationError:
    text = result.stderr + "\n" + result.stdout
    for needle, cls, hint in _RELOAD_MESSAGES:
        if needle in text:
            line = next((ln.strip() for ln in text.splitlines() if needle in ln), needle)
            return cast(PropagationError, cls.from_result(line, result, hint=hint))
    return cast(PropagationError, PropagationError.from_result(
        f"{fallback}: {_first_line(text) or f'status {result.rc}'}", result))


def copy_to_nodes(path: str, nodes: Sequence[str], runner: Any = None,
                  timeout: float = COPY_TIMEOUT) -> tuple:
    """Copy ``path`` to REMOTE_PATH on every node: scp to a temporary name, then an
    atomic mv, so a node never sees a half-copied file."""
    runner = runner or default_runner()
    done: list = []
    for node in nodes:
        steps = (
            ["scp", "-q", *SSH_OPTIONS, path, f"{node}:{REMOTE_TEMP}"],
            ["ssh", *SSH_OPTIONS, node, "mv", "-f", REMOTE_TEMP, REMOTE_PATH],
        )
        for argv in steps:
            try:
                result = runner.run(argv, timeout=timeout)
            except CommandTimeout as exc:
                raise CopyFailed(f"copying to {node}: no answer within {timeout:g} s",
                                 argv=argv, hint="nothing was reloaded") from exc
            if result.rc != 0:
                raise CopyFailed.from_result(
                    f"copying to {node} failed: {_first_line(result.stderr) or f'status {result.rc}'}",
                    result, hint=f"nothing was reloaded; copied so far: {', '.join(done) or 'none'}")
        done.append(node)
    return tuple(done)


def push(conf_or_path: Any = REMOTE_PATH, *, method: str = "ricci", nodes: Sequence[str] | None = None,
         local_node: str | None = None, runner: Any = None, timeout: float = RELOAD_TIMEOUT,
         verify: bool = True) -> PushResult:
    """Validate the file and make the cluster run it (see the module docstring).

    ``conf_or_path`` is a saved ClusterConf or a path.  With ``method="copy"`` the
    file goes to ``nodes`` (default: every clusternode except ``local_node``, which
    defaults to this host's name).
    """
    from zigha.conf.facade import ClusterConf

    if method not in ("ricci", "copy"):
        raise ValueError(f"method must be 'ricci' or 'copy', not {method!r}")
    runner = runner or default_runner()
    if isinstance(conf_or_path, ClusterConf):
        if conf_or_path.path is None:
            raise PropagationError("save the configuration to a file before pushing it")
        conf, path = conf_or_path, conf_or_path.path
        from zigha.conf.facade import content_hash

        if content_hash(conf.to_bytes()) != conf.loaded_hash:
            raise PropagationError("the configuration has unsaved changes: save() it before pushing",
                                   file=path)
    else:
        path = os.fspath(conf_or_path)
        conf = ClusterConf.load(path)
    validate_file(path, runner)
    copied: tuple = ()
    argv = ["cman_tool", "version", "-r"]
    if method == "copy":
        if nodes is None:
            me = local_node or os.uname().nodename
            nodes = [n.name for n in conf.nodes if n.name and n.name not in (me, me.split(".")[0])]
        copied = copy_to_nodes(path, nodes, runner)
        argv.append("-S")
    try:
        result = runner.run(argv, timeout=timeout)  # stdin=None: the runner closes stdin
    except CommandTimeout as exc:
        raise CommandTimeout(
            f"cman_tool version -r: no answer within {timeout:g} s (ccs_sync may be waiting "
            "for a ricci password); the reload state is unknown",
            argv=argv, timeout=timeout, hint="check cman_tool version, or push with method='copy'",
        ) from exc
    if result.rc != 0:
        raise _reload_error(result, "cman_tool version -r failed")
    if verify:
        now = running_version(runner)
        if now != conf.config_version:
            raise PropagationError(
                f"cman runs config version {now}, the file has {conf.config_version}",
                argv=["cman_tool", "version"], hint="check the cluster log for reload errors")
    return PushResult(path=path, method=method, version=conf.config_version, copied_to=copied,
                      messages=(result.stdout + result.stderr).strip())
