"""The seed's director and real servers, step by step, inside the guest kernel.

Each ``step_*`` function returns the data the host-side tests assert on
(tests/kernel/test_seed_lvs_kernel.py); a step raises StepFailed when it cannot go on.
The order follows what an administrator would do: network and shared storage, real
servers prepared for direct routing, httpd started through the agent on each node,
the director's table applied and edited, then the client and the health checker.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

from scenario import HERE, Guest, StepFailed

IPVSADM_LOG = "ipvsadm-calls.log"


# ------------------------------------------------------------------ helpers --
def node_names(g: Guest) -> list:
    return [n["name"] for n in g.plan["nodes"]]


def node_address(g: Guest, name: str) -> str:
    return next(n["address"] for n in g.plan["nodes"] if n["name"] == name)


def saved_table(g: Guest) -> list:
    """The director's table as ``ipvsadm -S -n`` lines (the real ipvsadm, no wrapper)."""
    result = g.run(["/usr/sbin/ipvsadm", "-S", "-n"], "director", check=True)
    return [line for line in result["stdout"].splitlines() if line.strip()]


def ipvsadm_calls(g: Guest, since: float = 0.0) -> list:
    """Every ipvsadm invocation zigha made through the logging wrapper, after ``since``.

    Each is ``{"time": t, "argv": [...], "stdin": [lines]}`` (stdin only for -R).
    """
    path = g.state / IPVSADM_LOG
    calls = []
    if not path.exists():
        return calls
    for line in path.read_text().splitlines():
        if line.startswith("@@call "):
            _, stamp, *argv = line.split(" ")
            calls.append({"time": float(stamp), "argv": argv, "stdin": []})
        elif calls and line != "@@end":
            calls[-1]["stdin"].append(line)
    return [c for c in calls if c["time"] >= since]


def zigha_env(g: Guest) -> dict:
    return {"ZIGHA_TOOL_IPVSADM": str(g.state / "ipvsadm-logged")}


def write_ipvsadm_wrapper(g: Guest) -> None:
    wrapper = g.state / "ipvsadm-logged"
    wrapper.write_text(
        "#!/bin/sh\n"
        "# logs each call (and the stdin of -R) then runs the real ipvsadm\n"
        f"log={g.state / IPVSADM_LOG}\n"
        'stamp=$(date +%s.%N)\n'
        'if [ "$1" = -R ] || [ "$1" = --restore ]; then\n'
        '  batch=$(mktemp); cat > "$batch"\n'
        '  { echo "@@call $stamp $*"; cat "$batch"; echo "@@end"; } >> "$log"\n'
        '  /usr/sbin/ipvsadm "$@" < "$batch"; rc=$?; rm -f "$batch"; exit $rc\n'
        "fi\n"
        'echo "@@call $stamp $*" >> "$log"\n'
        'exec /usr/sbin/ipvsadm "$@"\n'
    )
    wrapper.chmod(0o755)


def wait_for(predicate, timeout: float, interval: float = 0.25):
    deadline = time.time() + timeout
    while True:
        value = predicate()
        if value or time.time() > deadline:
            return value
        time.sleep(interval)


def read_requests(path: Path) -> list:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


# -------------------------------------------------------------------- steps --
def step_topology(g: Guest) -> dict:
    g.state.mkdir(parents=True, exist_ok=True)
    write_ipvsadm_wrapper(g)
    specs = [f"{n['name']}={n['address']}" for n in g.plan["nodes"]]
    g.run(["bash", HERE / "topology.sh", g.state, g.plan["vip"], g.plan["client"],
           g.plan["director"], *specs], check=True, timeout=180)
    mounts = {}
    for name in node_names(g):
        g.holders[name] = (g.state / f"{name}.pid").read_text().strip()
        # each node writes the same path in its private /etc/cluster; the others
        # must not see it
        g.run(["sh", "-c", f"echo {name} > /etc/cluster/owner"], name, check=True)
        mounts[name] = [line for line in Path(f"/proc/{g.holders[name]}/mounts").read_text().splitlines()
                        if " /run/cluster " in line or " /etc/cluster " in line or " gfs2 " in line]
    owners = {name: g.run(["cat", "/etc/cluster/owner"], name)["stdout"].strip() for name in node_names(g)}
    root_sees = g.run(["cat", "/etc/cluster/owner"])
    return {
        "node_mounts": mounts,
        "etc_cluster_owner": owners,
        "root_etc_cluster_owner_rc": root_sees["rc"],
        "gfs2_loop": (g.state / "gfs2.loop").read_text().strip(),
        "mkfs_gfs2": (g.state / "mkfs.gfs2.log").read_text(),
    }


def run_lvs_scenario(g: Guest) -> None:
    from zigha_backend import Backend

    b = Backend(g)

    g.step("topology", lambda: step_topology(g))
    g.step("realservers", lambda: step_realservers(g, b), "topology")
    g.step("httpd_start", lambda: step_httpd_start(g, b), "realservers")
    g.step("apply", lambda: step_apply(g, b, "initial"), "topology")
    g.step("show", lambda: b.show(), "apply")
    g.step("reapply", lambda: step_apply(g, b, "initial"), "apply")
    for variant in ("weight", "remove", "scheduler"):
        g.step(f"converge_{variant}", lambda v=variant: step_apply(g, b, v), "apply")
    g.step("converge_back", lambda: step_apply(g, b, "initial"), "apply")
    g.step("round_robin", lambda: step_round_robin(g), "converge_back", "realservers", "httpd_start")
    g.step("health", lambda: step_health(g, b), "round_robin")
    g.step("errors", b.error_paths, "topology")
    g.step("httpd_stop", lambda: step_httpd_stop(g, b), "httpd_start")


ARP_KEYS = ("all.arp_ignore", "all.arp_announce", "lo.arp_ignore", "lo.arp_announce")


def step_realservers(g: Guest, b) -> dict:
    prepared = b.prepare_realservers(node_names(g))
    nodes = {}
    for name in node_names(g):
        if prepared[name]["rc"] != 0:
            raise StepFailed(f"real-server preparation failed on {name}: {prepared[name]['stderr'][-1000:]}")
        sysctl = g.run(["sysctl", *(f"net.ipv4.conf.{k}" for k in ARP_KEYS)], name, check=True)
        arp = {}
        for line in sysctl["stdout"].splitlines():
            key, _, value = line.partition(" = ")
            arp[key.replace("net.ipv4.conf.", "")] = value.strip()
        nodes[name] = {
            "lo": g.run(["ip", "-4", "-o", "addr", "show", "dev", "lo"], name, check=True)["stdout"],
            "eth0": g.run(["ip", "-4", "-o", "addr", "show", "dev", "eth0"], name, check=True)["stdout"],
            "arp": arp,
            "prepare": prepared[name],
        }
    return {"nodes": nodes}


def fetch(g: Guest, url: str, attempts: int = 50) -> dict:
    """GET ``url`` from the client namespace, retrying while the server comes up."""
    for _ in range(attempts):
        result = g.run(["curl", "-s", "-S", "--max-time", "2", url], "client")
        if result["rc"] == 0:
            break
        time.sleep(0.2)
    return result


def step_httpd_start(g: Guest, b) -> dict:
    pages = {}
    for name in node_names(g):
        g.run(["mkdir", "-p", "/etc/cluster/httpd", "/var/run/cluster/httpd"], name, check=True)
        g.run(["tee", "/etc/cluster/httpd/httpd.conf"], name, stdin=httpd_conf(g, name), check=True)
    starts = b.agents(node_names(g), "start")
    for name, start in starts.items():
        if start["rc"] != 0:
            raise StepFailed(f"the agent did not start httpd on {name}: {start['stderr'][-1000:]}")
    for name in node_names(g):
        pages[name] = fetch(g, f"http://{node_address(g, name)}/")["stdout"]
    monitors = b.agents(node_names(g), "monitor")
    return {"starts": {n: r["rc"] for n, r in starts.items()}, "pages": pages,
            "monitors": {n: r["rc"] for n, r in monitors.items()},
            "pids": {n: httpd_pids(g, n) for n in node_names(g)}}


def httpd_pids(g: Guest, name: str) -> list:
    """apache2 processes whose network namespace is node ``name``'s."""
    own = os.readlink(f"/proc/{g.holders[name]}/ns/net")
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if (entry / "comm").read_text().strip() == "apache2" and os.readlink(entry / "ns/net") == own:
                pids.append(int(entry.name))
        except OSError:
            continue
    return sorted(pids)


def step_httpd_stop(g: Guest, b) -> dict:
    stops = {name: r["rc"] for name, r in b.agents(node_names(g), "stop").items()}
    monitors = {name: r["rc"] for name, r in b.agents(node_names(g), "monitor").items()}
    return {"stops": stops, "monitors": monitors, "left": {n: httpd_pids(g, n) for n in node_names(g)}}


def step_apply(g: Guest, b, variant: str) -> dict:
    before = saved_table(g)
    since = time.time()
    applied = b.apply(g.plan["desired"][variant])
    after = saved_table(g)
    return {
        "variant": variant, "table_before": before, "table_after": after,
        "ipvsadm_calls": ipvsadm_calls(g, since), **applied,
    }


def step_round_robin(g: Guest) -> dict:
    out = g.state / "round-robin.jsonl"
    count = 3 * len(g.plan["nodes"])
    g.run(["/usr/bin/python3", "-I", "-S", HERE / "client.py", f"http://{g.plan['vip']}/", out, count, 0],
          "client", check=True, timeout=120)
    time.sleep(2.5)  # IPVS folds per-CPU counters into the stats every 2 s
    stats = g.run(["/usr/sbin/ipvsadm", "-L", "-n", "--stats", "--exact"], "director", check=True)
    return {"requests": read_requests(out), "stats": stats["stdout"]}


def step_health(g: Guest, b) -> dict:
    """Stop h2's httpd through its agent while the client keeps asking the VIP."""
    victim = g.plan["victim"]
    victim_address = node_address(g, victim)
    requests_path = g.state / "health.jsonl"
    stop_file = g.state / "client.stop"
    events = {}

    def weight_of_victim():
        for line in saved_table(g):
            if line.startswith("-a ") and f"-r {victim_address}:" in line:
                return int(line.split("-w ")[1].split()[0])
        return None  # absent: removed from the table

    def requests_after(t: float) -> list:
        return [r for r in read_requests(requests_path) if r["start"] >= t]

    checker = b.start_checker()
    client = g.spawn(["/usr/bin/python3", "-I", "-S", HERE / "client.py", f"http://{g.plan['vip']}/",
                      requests_path, stop_file, 0.05], "client")
    try:
        events["client_started"] = time.time()
        if not wait_for(lambda: len(requests_after(0)) >= 9, 60):
            raise StepFailed("the client got no answers before the stop")
        pids_before = {name: httpd_pids(g, name) for name in node_names(g)}
        events["stop"] = time.time()
        stop = b.agent(victim, "stop")
        events["stopped"] = time.time()
        pids_after = {name: httpd_pids(g, name) for name in node_names(g)}
        monitors = {name: r["rc"] for name, r in b.agents(node_names(g), "monitor").items()}
        if not wait_for(lambda: weight_of_victim() in (0, None), 60):
            raise StepFailed(f"the health checker did not take {victim} out within 60 s")
        events["quiesced_seen"] = time.time()
        wait_for(lambda: len(requests_after(events["quiesced_seen"])) >= 12, 60)
        events["start"] = time.time()
        start = b.agent(victim, "start")
        events["started"] = time.time()
        if not wait_for(lambda: (weight_of_victim() or 0) > 0, 60):
            raise StepFailed(f"the health checker did not bring {victim} back within 60 s")
        events["restored_seen"] = time.time()
        wait_for(lambda: len(requests_after(events["restored_seen"])) >= 9, 60)
    finally:
        stop_file.touch()
        try:
            client.wait(timeout=20)
        except Exception:
            g.stop_background(client)
        g.stop_background(checker)
    return {
        "victim": victim, "events": events, "requests": read_requests(requests_path),
        "agent_stop": stop["rc"], "agent_start": start["rc"], "monitors_after_stop": monitors,
        "pids_before_stop": pids_before, "pids_after_stop": pids_after,
        "checker_log": b.checker_log(),
        "ipvsadm_calls": [c for c in ipvsadm_calls(g, events["client_started"]) if c["argv"][:1] != ["-S"]],
    }


def httpd_conf(g: Guest, name: str) -> str:
    """A small apache2 config for node ``name``: listens on the VIP and on the
    node's own address, DocumentRoot on the shared GFS2 filesystem."""
    modules = "/usr/lib/apache2/modules"
    return "\n".join([
        f"ServerName {name}",
        f"Listen {g.plan['vip']}:80",
        f"Listen {node_address(g, name)}:80",
        "PidFile /var/run/cluster/httpd/httpd.pid",
        "ErrorLog /var/run/cluster/httpd/error.log",
        "Mutex file:/var/run/cluster/httpd default",
        "DefaultRuntimeDir /var/run/cluster/httpd",
        "User www-data",
        "Group www-data",
        f"LoadModule mpm_event_module {modules}/mod_mpm_event.so",
        f"LoadModule authz_core_module {modules}/mod_authz_core.so",
        f"LoadModule dir_module {modules}/mod_dir.so",
        f"LoadModule mime_module {modules}/mod_mime.so",
        "TypesConfig /etc/mime.types",
        "StartServers 1",
        "ServerLimit 1",
        "ThreadsPerChild 8",
        "MaxRequestWorkers 8",
        "KeepAlive Off",
        f"DocumentRoot /srv/www/{name}",
        "DirectoryIndex index.html",
        "<Directory /srv/www>",
        "    Require all granted",
        "</Directory>",
        "",
    ])
