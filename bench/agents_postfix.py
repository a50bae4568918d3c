"""bench/agents.py rows for postfix: zigha-postfix beside ocf:heartbeat:postfix.

Postfix runs from a configuration directory of its own (smtpd on 127.0.0.1 port 19925,
this area's ports).  A non-default ``config_dir`` must be listed in the default main.cf's
``alternate_config_directories``; the host's /etc/postfix/main.cf is not changed, so
the commands that read it — zigha's ``start``/``stop`` and *every* heartbeat action
(heartbeat/postfix validates on each call) — run under ``unshare -m`` with a copy that
has the line bind-mounted over it.  That wrapper costs the heartbeat side a few ms;
zigha's ``status`` needs no main.cf and runs without it.
"""

from __future__ import annotations

import contextlib
import shutil
import subprocess
from pathlib import Path

from agents import HEARTBEAT, ROOT, Case

PORT = 19925


def _wrapped(default_main: Path, argv: list) -> list:
    script = f'mount --make-rprivate / && mount --bind {default_main} /etc/postfix/main.cf && exec "$@"'
    return ["unshare", "-m", "sh", "-c", script, "-", *argv]


@contextlib.contextmanager
def case(workdir: Path):
    for path in (workdir.parent, workdir):
        path.chmod(0o755)
    conf, spool, data = workdir / "conf", workdir / "spool", workdir / "data"
    for directory in (conf, spool, data):
        directory.mkdir()
    shutil.chown(data, "postfix", "postfix")
    (conf / "main.cf").write_text(
        "compatibility_level = 3.6\nmyhostname = mail.zigha.test\nmydestination =\n"
        f"queue_directory = {spool}\ndata_directory = {data}\n"
        "inet_interfaces = 127.0.0.1\ninet_protocols = ipv4\n"
        "alias_maps =\nalias_database =\ndefault_transport = error\nrelay_transport = error\n")
    master = [f"{PORT}      inet" + line[len("smtp      inet"):]
              if line.startswith("smtp      inet") else line
              for line in Path("/etc/postfix/master.cf").read_text().splitlines()]
    (conf / "master.cf").write_text("\n".join(master) + "\n")
    default_main = workdir / "default-main.cf"
    default_main.write_text(Path("/etc/postfix/main.cf").read_text()
                            + f"\nalternate_config_directories = {conf}\n")
    zenv = {"OCF_ROOT": "/usr/lib/ocf", "OCF_RA_VERSION_MAJOR": "1", "OCF_RA_VERSION_MINOR": "1",
            "OCF_RESOURCE_INSTANCE": "bench", "OCF_RESKEY_config_dir": str(conf),
            "OCF_RESKEY_CRM_meta_timeout": "20000", "ZIGHA_OCF_RUN_DIR": str(workdir / "run")}
    agent = str(ROOT / "agents" / "postfix")
    started = subprocess.run(_wrapped(default_main, [agent, "start"]), env=zenv,
                             capture_output=True, text=True)
    if started.returncode != 0:
        raise RuntimeError(f"zigha-postfix start failed: {started.stderr}")
    henv = {"OCF_ROOT": "/usr/lib/ocf", "OCF_RA_VERSION_MAJOR": "1", "OCF_RA_VERSION_MINOR": "1",
            "OCF_RESOURCE_INSTANCE": "bench", "OCF_RESKEY_config_dir": str(conf),
            "OCF_RESKEY_CRM_meta_timeout": "20000", "OCF_RESKEY_CRM_meta_interval": "10000"}
    try:
        yield Case("postfix", agent, zenv,
                   _wrapped(default_main, [f"{HEARTBEAT}/postfix", "monitor"]), henv,
                   ["heartbeat postfix monitor: validation (postconf, su, postfix check) + "
                    "`postfix status`, under an unshare -m wrapper for main.cf; zigha depth "
                    "10: pid/proc + SMTP greeting on every smtpd address"])
    finally:
        subprocess.run(_wrapped(default_main, [agent, "stop"]), env=zenv, capture_output=True)
