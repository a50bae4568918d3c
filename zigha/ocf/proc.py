"""Pid files and processes, read from /proc (no ``ps``, no shelling out).

A pid file is trusted only when the process it names *is* the daemon (§6.3 item 20 of
../shared/reference/agents.md): alive and not a zombie, running one of the expected
executables (``/proc/<pid>/exe``), and started no later than the pid file was written
(``/proc/<pid>/stat`` start time vs. the file's mtime).  A reused pid fails one of these,
so status reports it stale (1), start removes the file and stop never signals it.

Signals go through a pidfd (``os.pidfd_open``) opened *after* the identity check, so a
pid reused between check and kill cannot be hit.

>>> from zigha.ocf import proc
>>> proc.pid_state("/var/run/cluster/zigha-httpd/zigha-httpd:web.pid", ["/usr/sbin/apache2"])
... # doctest: +SKIP
('running', 4242)
"""

from __future__ import annotations

import os

RUNNING = "running"
NO_PID_FILE = "no-pid-file"
STALE = "stale"

#: how much later than the pid file's mtime a process may have started and still count
#: (the daemon may write its pid file before some clock rounding; 1 tick = 10 ms)
START_SLACK = 2.0


def read_pid(path: str):
    """The pid in ``path`` (first word), ``None`` when missing, empty or not a number."""
    try:
        with open(path, "rb") as handle:
            words = handle.read(64).split()
    except (FileNotFoundError, NotADirectoryError):
        return None
    if not words or not words[0].isdigit():
        return None
    pid = int(words[0])
    return pid if pid > 0 else None


def _stat_fields(pid: int):
    try:
        with open(f"/proc/{pid}/stat", "rb") as handle:
            data = handle.read()
    except (FileNotFoundError, ProcessLookupError, NotADirectoryError):
        return None
    # comm may hold spaces and parentheses: the fields start after the last ')'
    head, _, rest = data.rpartition(b")")
    return head.partition(b"(")[2], rest.split()


def exe_of(pid: int):
    """The executable of ``pid`` (``/proc/<pid>/exe``, " (deleted)" stripped), ``None``
    when the process is gone or unreadable."""
    try:
        path = os.readlink(f"/proc/{pid}/exe")
    except OSError:
        return None
    return path[:-10] if path.endswith(" (deleted)") else path


_boot_time = None


def boot_time() -> float:
    global _boot_time
    if _boot_time is None:
        with open("/proc/stat", "rb") as handle:
            for line in handle:
                if line.startswith(b"btime "):
                    _boot_time = float(line.split()[1])
                    break
            else:  # pragma: no cover
                _boot_time = 0.0
    return _boot_time


def start_time(fields) -> float:
    """Process start (epoch seconds) from the fields after ``comm`` in /proc/pid/stat."""
    ticks = int(fields[19])  # field 22 overall: starttime, in clock ticks since boot
    return boot_time() + ticks / os.sysconf("SC_CLK_TCK")


class Process:
    """A live process: pid, ppid, comm, exe, start time (epoch s), state letter."""

    __slots__ = ("pid", "ppid", "comm", "exe", "started", "state")

    def __init__(self, pid, ppid, comm, exe, started, state) -> None:
        self.pid, self.ppid, self.comm, self.exe = pid, ppid, comm, exe
        self.started, self.state = started, state

    def __repr__(self) -> str:
        return f"<Process {self.pid} {self.exe or self.comm} ppid={self.ppid} state={self.state}>"


def process(pid: int):
    """The :class:`Process` for ``pid``, ``None`` when gone or a zombie."""
    parsed = _stat_fields(pid)
    if parsed is None:
        return None
    comm, fields = parsed
    state = fields[0].decode()
    if state in ("Z", "X"):
        return None
    return Process(pid, int(fields[1]), comm.decode(errors="replace"), exe_of(pid),
                   start_time(fields), state)


def same_file(a: str, b: str) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return os.path.realpath(a) == os.path.realpath(b)


def is_instance(proc, executables, since=None) -> bool:
    """Whether ``proc`` runs one of ``executables`` and started by ``since`` (epoch s)."""
    if proc is None:
        return False
    if proc.exe is not None:
        if not any(proc.exe == e or same_file(proc.exe, e) for e in executables if e):
            return False
    elif not any(proc.comm == os.path.basename(e)[:15] for e in executables if e):
        return False  # /proc/pid/exe unreadable (not root): fall back to the name
    return since is None or proc.started <= since + START_SLACK


def pid_state(pid_file: str, executables):
    """``(state, pid)``: :data:`RUNNING`, :data:`NO_PID_FILE` or :data:`STALE` (the file
    names a dead process, an empty/garbled file, or another program)."""
    try:
        mtime = os.stat(pid_file).st_mtime
    except (FileNotFoundError, NotADirectoryError):
        return NO_PID_FILE, None
    pid = read_pid(pid_file)
    if pid is None:
        return STALE, None
    if is_instance(process(pid), executables, since=mtime):
        return RUNNING, pid
    return STALE, pid


def remove(path: str) -> bool:
    """Delete ``path`` if present; whether it was there."""
    try:
        os.unlink(path)
        return True
    except FileNotFoundError:
        return False


def all_processes():
    """Every live process (zombies left out)."""
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            found = process(int(entry))
            if found is not None:
                yield found


def cmdline(pid: int) -> list:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as handle:
            return [a.decode(errors="replace") for a in handle.read().split(b"\0") if a]
    except OSError:
        return []


def descendants(pid: int, table=None) -> list:
    """The processes below ``pid`` (children, grandchildren, ...)."""
    table = list(all_processes()) if table is None else table
    found, frontier = [], {pid}
    while frontier:
        children = [p for p in table if p.ppid in frontier]
        found.extend(children)
        frontier = {p.pid for p in children}
    return found


def _namespaces(pid) -> tuple:
    ids: list[str | None] = []
    for kind in ("mnt", "net"):
        try:
            ids.append(os.readlink(f"/proc/{pid}/ns/{kind}"))
        except OSError:
            ids.append(None)
    return tuple(ids)


def same_node(pid: int, mine=None) -> bool:
    """Whether ``pid`` lives in this process's mount and network namespaces.

    Nodes that share one kernel (containers, or test nodes made of namespaces) see each
    other's processes; a daemon in another mount or network namespace belongs to another
    node and is never ours to clean up.  When a namespace cannot be read (not root),
    the process is not excluded.
    """
    mine = _namespaces("self") if mine is None else mine
    theirs = _namespaces(pid)
    return all(a is None or b is None or a == b for a, b in zip(mine, theirs))


def find(executables, argv_words=()) -> list:
    """Live processes of this node running one of ``executables`` whose command line
    contains every word of ``argv_words`` (leftovers of an instance, e.g. its config
    file path).  Processes in other mount or network namespaces are left out."""
    matches = []
    mine = _namespaces("self")
    for proc in all_processes():
        if proc.pid == os.getpid() or not is_instance(proc, executables):
            continue
        if not same_node(proc.pid, mine):
            continue
        args = cmdline(proc.pid)
        if all(any(word in a for a in args) for word in argv_words):
            matches.append(proc)
    return matches


def _socket_inodes(pid: int) -> set:
    inodes: set[str] = set()
    try:
        names = os.listdir(f"/proc/{pid}/fd")
    except OSError:
        return inodes
    for name in names:
        try:
            target = os.readlink(f"/proc/{pid}/fd/{name}")
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    return inodes


def _address(hex_address: str) -> str:
    import _socket

    raw = bytes.fromhex(hex_address)
    # /proc/net/tcp{,6} print each 32-bit word in host (little-endian) order
    packed = b"".join(raw[i:i + 4][::-1] for i in range(0, len(raw), 4))
    family = _socket.AF_INET if len(packed) == 4 else _socket.AF_INET6
    return _socket.inet_ntop(family, packed)


def listening(pid: int) -> list:
    """``(address, port)`` of the TCP sockets process ``pid`` listens on, read from
    ``/proc/<pid>/fd`` and ``/proc/<pid>/net/tcp{,6}`` (what the daemon really bound,
    whatever its config says)."""
    inodes = _socket_inodes(pid)
    found = []
    for table in ("tcp", "tcp6"):
        try:
            with open(f"/proc/{pid}/net/{table}") as handle:
                rows = handle.read().splitlines()[1:]
        except OSError:
            continue
        for row in rows:
            fields = row.split()
            if len(fields) > 9 and fields[3] == "0A" and fields[9] in inodes:
                hex_address, _, hex_port = fields[1].partition(":")
                entry = (_address(hex_address), int(hex_port, 16))
                if entry not in found:
                    found.append(entry)
    return found
