"""bench/agents.py rows for named: zigha-named beside ocf:heartbeat:named.

named listens on 127.0.0.1 port 19953 (this area's ports) with one zone; zigha-named
starts it from the configuration as it is (Pacemaker mode).  The heartbeat ``monitor``
finds the same daemon (``pgrep -f 'named.*-c <config>'``) and asks ``host -p 19953
www.zigha.test 127.0.0.1`` — one DNS query, like zigha's depth 10 (needs Debian's
bind9-host for ``host``).
"""

from __future__ import annotations

import contextlib
import subprocess
from pathlib import Path

from agents import HEARTBEAT, ROOT, Case

PORT = 19953
ZONE = """$TTL 300
@ IN SOA ns.zigha.test. admin.zigha.test. ( 1 3600 600 86400 300 )
@ IN NS ns.zigha.test.
ns IN A 127.0.0.1
www IN A 192.0.2.80
"""


@contextlib.contextmanager
def case(workdir: Path):
    workdir.chmod(0o755)
    (workdir / "db.zigha").write_text(ZONE)
    config = workdir / "named.conf"
    pid_file = workdir / "named.pid"
    config.write_text(
        f'options {{ directory "{workdir}"; pid-file "{pid_file}";\n'
        f"  listen-on port {PORT} {{ 127.0.0.1; }}; listen-on-v6 {{ none; }};\n"
        "  recursion no; dnssec-validation no; };\n"
        "controls { };\n"
        'zone "zigha.test" { type master; file "db.zigha"; };\n')
    zenv = {"OCF_ROOT": "/usr/lib/ocf", "OCF_RA_VERSION_MAJOR": "1", "OCF_RA_VERSION_MINOR": "1",
            "OCF_RESOURCE_INSTANCE": "bench", "OCF_RESKEY_config_file": str(config),
            "OCF_RESKEY_CRM_meta_timeout": "20000", "ZIGHA_OCF_RUN_DIR": str(workdir / "run")}
    agent = str(ROOT / "agents" / "named")
    started = subprocess.run([agent, "start"], env=zenv, capture_output=True, text=True)
    if started.returncode != 0:
        raise RuntimeError(f"zigha-named start failed: {started.stderr}")
    henv = {"OCF_ROOT": "/usr/lib/ocf", "OCF_RA_VERSION_MAJOR": "1", "OCF_RA_VERSION_MINOR": "1",
            "OCF_RESOURCE_INSTANCE": "bench", "OCF_RESKEY_named_config": str(config),
            "OCF_RESKEY_named_pidfile": str(pid_file), "OCF_RESKEY_named_user": "root",
            "OCF_RESKEY_host_options": f"-p {PORT}",
            "OCF_RESKEY_monitor_request": "www.zigha.test",
            "OCF_RESKEY_monitor_response": "192.0.2.80", "OCF_RESKEY_monitor_ip": "127.0.0.1",
            "OCF_RESKEY_CRM_meta_timeout": "20000", "OCF_RESKEY_CRM_meta_interval": "10000"}
    try:
        yield Case("named", agent, zenv, [f"{HEARTBEAT}/named", "monitor"], henv,
                   ["heartbeat named monitor: pgrep + `host` query; zigha depth 10: pid/proc "
                    "+ one UDP DNS query per listening address"])
    finally:
        subprocess.run([agent, "stop"], env=zenv, capture_output=True)
