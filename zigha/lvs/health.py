"""Health checks for real servers, like piranha's nanny, ldirectord and keepalived.

Per service, the desired-state file says how to check (``check = tcp | http |
send-expect | program``) and what to do with a failing server (``on_failure =
quiesce``: ``ipvsadm -e ... -w 0``, existing connections continue; ``remove``:
``ipvsadm -d``).  A server goes down after ``fall`` failed checks in a row and comes
back, with its configured weight, after ``rise`` good ones.

* ``tcp``: a TCP connect to the real server (``check_port`` or the server's port).
* ``http``: ``GET check_path`` (Host header ``check_host``); good when the status is
  below 400 and, if ``check_expect`` is set, the body contains it.
* ``send-expect``: connect, send ``check_send``, read until ``check_expect`` appears
  (``"*"`` accepts any answer, as in piranha).
* ``program``: run ``check_program`` with ``%h`` replaced by the server address (through
  the runner); good when it exits 0 and, if ``check_expect`` is set, its output
  contains it (``"*"``: any output).

The state (held servers, rise/fall counters) is kept in a JSON file
(``/run/zigha/lvs-held.json`` by default) that ``zigha lvs apply`` reads, so an apply
never brings back a server the checker holds out, and one-pass runs from cron keep
their counters.

Library::

    >>> from zigha.lvs.health import check_once
    >>> result = check_once("examples/zigsow/lvs/director.lvs")   # doctest: +SKIP
    >>> [(r.real, r.ok, r.up) for r in result.results]            # doctest: +SKIP
"""

from __future__ import annotations

import http.client
import json
import os
import shlex
import socket
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Callable

import attrs

from zigha.lvs import ipvsadm
from zigha.lvs.apply import DEFAULT_HELD_FILE, service_id
from zigha.lvs.desired import DesiredState, HealthCheck, load_desired
from zigha.lvs.model import RealServer, VirtualService
from zigha.lvs.rules import real_rule
from zigha.runner import default_runner

READ_LIMIT = 65536


def _connect(host: str, port: int, timeout: float) -> socket.socket:
    return socket.create_connection((host, port), timeout=timeout)


def probe(check: HealthCheck, real: RealServer, runner=None) -> tuple[bool, str]:
    """Run one check against one real server: ``(healthy, detail)``; never raises."""
    host = real.host
    port = check.port or (real.port if isinstance(real.port, int) else 0) or 80
    try:
        if check.kind == "tcp":
            _connect(host, port, check.timeout).close()
            return True, f"connected to {real.host}:{port}"
        if check.kind == "http":
            conn = http.client.HTTPConnection(host, port, timeout=check.timeout)
            try:
                conn.request("GET", check.path, headers={"Host": check.host or host})
                response = conn.getresponse()
                body = response.read(READ_LIMIT).decode("utf-8", "replace")
            finally:
                conn.close()
            if response.status >= 400:
                return False, f"HTTP {response.status}"
            if check.expect and check.expect != "*" and check.expect not in body:
                return False, f"HTTP {response.status}, {check.expect!r} not in the page"
            return True, f"HTTP {response.status}"
        if check.kind == "send-expect":
            return _send_expect(check, host, port)
        if check.kind == "program":
            argv = shlex.split((check.program or "").replace("%h", host))
            result = (runner or default_runner()).run(argv, timeout=check.timeout)
            if result.rc != 0:
                return False, f"{argv[0]} exited {result.rc}"
            if check.expect and (result.stdout.strip() == "" if check.expect == "*"
                                 else check.expect not in result.stdout):
                return False, f"{argv[0]}: {check.expect!r} not in its output"
            return True, f"{argv[0]} exited 0"
        return False, f"unknown check {check.kind!r}"
    except (OSError, http.client.HTTPException, ValueError) as exc:
        return False, f"{type(exc).__name__}: {exc}"
    except Exception as exc:  # a check must never stop the loop (e.g. a program timeout)
        return False, f"{type(exc).__name__}: {exc}"


def _send_expect(check: HealthCheck, host: str, port: int) -> tuple[bool, str]:
    with _connect(host, port, check.timeout) as sock:
        if check.send:
            sock.sendall(check.send.encode("utf-8"))
        if not check.expect:
            return True, "connected"
        received = b""
        deadline = time.monotonic() + check.timeout
        while len(received) < READ_LIMIT and time.monotonic() < deadline:
            chunk = sock.recv(4096)
            if not chunk:
                break
            received += chunk
            if check.expect == "*" or check.expect.encode("utf-8") in received:
                return True, f"got {check.expect!r}"
        return False, f"{check.expect!r} not received"


@attrs.frozen
class RealResult:
    service: str
    real: str
    ok: bool
    up: bool
    detail: str
    action: str | None = None

    def to_dict(self) -> dict:
        return attrs.asdict(self)


@attrs.frozen
class PassResult:
    """One pass: every server's check result, the ``ipvsadm -R`` lines run, stderr."""

    results: tuple[RealResult, ...]
    lines: tuple[str, ...] = ()
    stderr: str = ""

    def to_dict(self) -> dict:
        return {"results": [r.to_dict() for r in self.results], "lines": list(self.lines),
                "stderr": self.stderr}


def _load(path) -> dict:
    if not path:
        return {}
    try:
        return json.loads(Path(path).read_text())
    except FileNotFoundError:
        return {}


class Checker:
    """Keeps rise/fall counters between passes; :meth:`run_once` does one pass."""

    def __init__(self, desired: DesiredState, runner=None,
                 held_file: str | os.PathLike | None = DEFAULT_HELD_FILE,
                 probe_fn: Callable = probe) -> None:
        self.desired = desired
        self.runner = runner
        self.held_file = held_file
        self.probe = probe_fn
        saved = _load(held_file)
        self.held = {(i["service"], i["real"]): i["action"] for i in saved.get("held", [])}
        # counters: id -> [oks in a row, failures in a row]
        self.counts = {tuple(k.split("|", 1)): v for k, v in saved.get("counts", {}).items()}

    def _targets(self) -> list[tuple[VirtualService, HealthCheck, RealServer]]:
        return [(svc, check, real) for svc in self.desired.services
                if (check := self.desired.check_for(svc)) for real in svc.reals]

    def run_once(self) -> PassResult:
        targets = self._targets()
        with ThreadPoolExecutor(max_workers=min(32, max(1, len(targets)))) as pool:
            outcomes = list(pool.map(lambda t: self.probe(t[1], t[2], self.runner), targets))
        results, lines = [], []
        for (svc, check, real), (ok, detail) in zip(targets, outcomes):
            key = (service_id(svc), real.address)
            oks, fails = self.counts.get(key, [0, 0])
            oks, fails = (oks + 1, 0) if ok else (0, fails + 1)
            self.counts[key] = [oks, fails]
            up = key not in self.held
            action = None
            if up and fails >= check.fall:
                action = check.on_failure
                self.held[key] = action
                lines.append(real_rule("-d", svc, real) if action == "remove"
                             else real_rule("-e", svc, attrs.evolve(real, weight=0)))
                up = False
            elif not up and oks >= check.rise:
                action = "restore"
                lines.append(real_rule("-a" if self.held.pop(key) == "remove" else "-e", svc, real))
                up = True
            results.append(RealResult(service_id(svc), real.address, ok, up, detail, action))
        stderr = ""
        if lines:
            stderr = ipvsadm.restore("".join(line + "\n" for line in lines), self.runner).stderr
        self._save()
        return PassResult(tuple(results), tuple(lines), stderr)

    def _save(self) -> None:
        if not self.held_file:
            return
        target = Path(self.held_file)
        target.parent.mkdir(parents=True, exist_ok=True)
        data = {"held": [{"service": s, "real": r, "action": a}
                         for (s, r), a in sorted(self.held.items())],
                "counts": {f"{s}|{r}": v for (s, r), v in sorted(self.counts.items())}}
        tmp = target.with_name(target.name + ".tmp")
        tmp.write_text(json.dumps(data, indent=1) + "\n")
        os.replace(tmp, target)


def _desired(source) -> DesiredState:
    return source if isinstance(source, DesiredState) else load_desired(source)


def check_once(source, runner=None, held_file=DEFAULT_HELD_FILE,
               probe_fn: Callable = probe) -> PassResult:
    """One health-check pass over a desired state (or its file); counters persist in
    ``held_file`` so repeated one-pass runs (cron) behave like the loop."""
    return Checker(_desired(source), runner, held_file, probe_fn).run_once()


def watch(source, runner=None, held_file=DEFAULT_HELD_FILE, passes: int | None = None,
          interval: float | None = None, sleep: Callable = time.sleep,
          on_pass: Callable[[PassResult], None] | None = None,
          probe_fn: Callable = probe) -> None:
    """Check in a loop (``passes`` times, or forever), reloading a desired-state file
    when it changes; ``on_pass`` receives each :class:`PassResult`."""
    checker = Checker(_desired(source), runner, held_file, probe_fn)
    done = 0
    while passes is None or done < passes:
        if not isinstance(source, DesiredState):
            checker.desired = load_desired(source)
        result = checker.run_once()
        if on_pass:
            on_pass(result)
        done += 1
        checks = [c for s in checker.desired.services if (c := checker.desired.check_for(s))]
        if passes is None or done < passes:
            sleep(interval or min((c.interval for c in checks), default=6.0))
