"""The watchdog loop: observe, decide (pure), persist, act, log.

Every poll: ``cman_tool status`` and ``cman_tool nodes`` (quorum, names, membership),
``fence_tool ls -n`` (victims), the override FIFO, probes of every other watched node, the
storage target's sessions and the heartbeat sectors.  The decision is
:func:`zigha.fence.watchdog.decide`; its new state is saved **before** any acknowledgement
runs.  Every decision with its reasons goes to syslog (address injectable; a host:port
means UDP).
"""

from __future__ import annotations

import logging
import logging.handlers
import os
import sys
import time
from typing import Any, Callable

from zigha.errors import CommandError, ZighaError
from zigha.fence import evidence
from zigha.fence.ack import fence_ack_manual
from zigha.fence.config import load_state, save_state
from zigha.fence.fencetool import FencedNotRunningError, fence_tool_ls
from zigha.fence.model import Evidence, NodeObservation, Observation, WatchdogConfig, same_name
from zigha.fence.pending import override_pending
from zigha.fence.probes import probe_node
from zigha.fence.watchdog import ActionKind, Decision, ack_not_delivered, decide

LOGGER = "zigha.fence.watchdog"


class _SyslogHandler(logging.handlers.SysLogHandler):
    """A syslog that goes away (daemon stopped) costs one stderr line per record, not a
    traceback."""

    def handleError(self, record: logging.LogRecord) -> None:
        sys.stderr.write(f"zigha-fence: syslog unreachable: {record.getMessage()}\n")


def syslog_logger(address: str) -> logging.Logger:
    """A logger to syslog at ``address`` (a socket path, or host:port for UDP)."""
    log = logging.getLogger(LOGGER)
    log.setLevel(logging.INFO)
    for old in list(log.handlers):
        log.removeHandler(old)
    target: Any = address
    if ":" in address and not address.startswith("/"):
        host, port = address.rsplit(":", 1)
        target = (host, int(port))
    try:
        if isinstance(target, str) and not os.path.exists(target):
            # SysLogHandler would accept the path and print a traceback at every record
            raise FileNotFoundError(target)
        handler: logging.Handler = _SyslogHandler(
            address=target, facility=logging.handlers.SysLogHandler.LOG_DAEMON)
    except OSError:
        handler = logging.StreamHandler()
        log.addHandler(handler)
        log.propagate = False  # the CLI's stderr handler would print each line twice
        log.warning("syslog at %s unreachable: logging to stderr", address)
        return log
    handler.setFormatter(logging.Formatter("zigha-fence[%(process)d]: %(message)s"))
    log.addHandler(handler)
    log.propagate = True
    return log


class Watchdog:
    def __init__(self, config: WatchdogConfig, *, runner: Any = None,
                 log: logging.Logger | None = None, clock: Callable[[], float] = time.time,
                 persist: bool = True) -> None:
        from zigha.runner import default_runner

        self.config = config
        self.runner = runner or default_runner()
        self.log = log or logging.getLogger(LOGGER)
        self.clock = clock
        self.persist = persist and not config.dry_run
        self.state = load_state(config.state_dir) if self.persist else load_state_or_empty(config)
        self.heartbeat_counter: int | None = None

    # -- observing -----------------------------------------------------------------
    def observe(self) -> Observation:
        from zigha.status import cman_nodes, cman_status

        cfg = self.config
        started = self.clock()
        local = quorate = None
        ids: dict[str, int] = {}
        members: dict[str, bool] = {}
        try:
            status = cman_status(runner=self.runner)
            local, quorate = status.node_name, status.quorate
            for row in cman_nodes(runner=self.runner):
                ids[row.name.lower()] = row.nodeid
                members[row.name.lower()] = bool(row.member)
        except (CommandError, ZighaError) as exc:
            self.log.warning("cman not readable: %s", exc)
        names = {v: k for k, v in ids.items()}
        victim_now: str | None = None
        victims: tuple[str, ...] = ()
        try:
            domain = fence_tool_ls(runner=self.runner)
            victim_now = names.get(domain.victim_now) if domain.victim_now else None
            victims = tuple(names[i] for i in domain.victims if i in names)
        except FencedNotRunningError:
            pass
        except (CommandError, ZighaError) as exc:
            self.log.warning("fenced not readable: %s", exc)
        sessions = None
        if cfg.storage is not None:
            sessions = evidence.query_sessions(cfg.storage.command, cfg.storage.format,
                                               runner=self.runner, timeout=cfg.storage.timeout)
            if sessions is None:
                self.log.warning("storage target query failed: %s", " ".join(cfg.storage.command))
        self._write_heartbeat(local, ids)
        nodes = []
        for node in cfg.nodes:
            if same_name(node.name, local):
                continue
            nodes.append(NodeObservation(
                name=node.name,
                probes=probe_node(node, timeout=cfg.probe_timeout, runner=self.runner),
                member=members.get(node.name.lower()),
                storage=evidence.storage_evidence(sessions, (node.initiator or "", node.address))
                if node.initiator else Evidence.UNKNOWN,
                heartbeat_counter=self._read_heartbeat(node, ids),
            ))
        # fenced re-creates the FIFO right after each agent retry: look for a moment
        pending = override_pending(cfg.override_path, wait=0.5 if victim_now else 0.0)
        return Observation(self.clock(), local, quorate, pending,
                           victim_now, victims, tuple(nodes), started_at=started)

    def _slot(self, name: str, ids: dict[str, int]) -> int | None:
        node = self.config.node(name)
        if node is not None and node.heartbeat_slot is not None:
            return node.heartbeat_slot
        return ids.get(name.lower())

    def _read_heartbeat(self, node, ids) -> int | None:
        hb = self.config.heartbeat
        slot = self._slot(node.name, ids)
        if hb is None or slot is None:
            return None
        try:
            record = evidence.read_heartbeat(hb.device, slot, hb.offset)
        except (OSError, ZighaError) as exc:
            self.log.warning("heartbeat of %s unreadable: %s", node.name, exc)
            return None
        if record is None or not same_name(record.node, node.name):
            return None
        return record.counter

    def _write_heartbeat(self, local: str | None, ids) -> None:
        hb = self.config.heartbeat
        if hb is None or not hb.write or local is None or self.config.dry_run:
            return
        slot = self._slot(local, ids)
        if slot is None:
            return
        try:
            if self.heartbeat_counter is None:
                record = evidence.read_heartbeat(hb.device, slot, hb.offset)
                self.heartbeat_counter = record.counter if record else 0
            self.heartbeat_counter += 1
            evidence.write_heartbeat(hb.device, slot, local, self.heartbeat_counter, hb.offset)
        except (OSError, ZighaError) as exc:
            self.log.warning("cannot write own heartbeat: %s", exc)

    # -- deciding and acting -------------------------------------------------------
    def step(self, observation: Observation) -> Decision:
        decision = decide([observation], self.config, self.state)
        self.state = decision.state
        if self.persist:
            save_state(self.config.state_dir, self.state)
        for action in decision.actions:
            self._act(action)
        return decision

    def _act(self, action) -> None:
        failing = "; ".join(action.reasons)
        if action.kind is ActionKind.NONE:
            self.log.debug("%s: no action (%s)", action.node, failing)
            return
        if action.kind is ActionKind.NOTIFY:
            self.log.warning("%s: NOT acknowledging: %s", action.node, failing)
            self._hook(action.code or "notify", action.node, failing)
            return
        if action.warning:
            self.log.critical("WARNING %s", action.warning)
        if self.config.dry_run:
            self.log.warning("%s: DRY RUN, would acknowledge the fence: %s", action.node, failing)
            return
        self.log.warning("%s: acknowledging the fence: %s", action.node, failing)
        try:
            result = fence_ack_manual(action.node, runner=self.runner,
                                      timeout=self.config.ack_timeout,
                                      confirm_timeout=self.config.confirm_timeout,
                                      override_path=self.config.override_path)
        except ZighaError as exc:
            self.log.error("%s: acknowledgement failed: %s", action.node, exc)
            self.state = ack_not_delivered(self.state, action.node)
        else:
            level = logging.WARNING if result.ok else logging.ERROR
            self.log.log(level, "%s: acknowledgement %s: %s", action.node,
                         result.outcome.value, result.message)
            if not result.written:
                self.state = ack_not_delivered(self.state, action.node)
            if not result.ok:
                self._hook("ack-" + result.outcome.value, action.node, result.message)
        if self.persist:
            save_state(self.config.state_dir, self.state)

    def _hook(self, code: str, node: str, message: str) -> None:
        if not self.config.hook:
            return
        try:
            self.runner.run([*self.config.hook, code, node, message], timeout=30)
        except CommandError as exc:
            self.log.error("notification hook failed: %s", exc)

    def run(self, *, once: bool = False, sleep: Callable[[float], None] = time.sleep,
            max_polls: int | None = None) -> Decision:
        polls = 0
        while True:
            started = time.monotonic()
            try:
                decision = self.step(self.observe())
            except Exception:  # one bad poll must not end the watchdog
                if once:
                    raise
                self.log.exception("poll failed; trying again in %gs", self.config.interval)
                decision = Decision((), self.state)
            polls += 1
            if once or (max_polls is not None and polls >= max_polls):
                return decision
            sleep(max(0.0, self.config.interval - (time.monotonic() - started)))


def load_state_or_empty(config: WatchdogConfig):
    try:
        return load_state(config.state_dir)
    except ZighaError:
        from zigha.fence.model import WatchdogState

        return WatchdogState()
