"""zigha's own pieces, run the way an administrator or Pacemaker runs them.

* the director: ``zigha lvs apply FILE`` / ``zigha lvs show --json`` in the director's
  namespace, ipvsadm reached through a logging wrapper (``ZIGHA_TOOL_IPVSADM``) so the
  host can count the batches;
* the real servers: ``zigha lvs prepare-realserver VIP`` in each node;
* httpd: ``agents/httpd`` (the OCF agent) with the environment Pacemaker gives it, no
  ``service_name``: one resource name for the same web service on every node, as a
  clone would, so only the node's private /var/run/cluster and /etc/cluster keep the
  nodes apart;
* the health checker: ``zigha lvs watch FILE`` in the director's namespace.
"""

from __future__ import annotations

import json

from lvs_steps import zigha_env
from scenario import HERE, Guest, StepFailed

RESOURCE = "web"


class Backend:
    def __init__(self, g: Guest) -> None:
        self.g = g
        self.zigha = g.plan["zigha"]
        self.agent_path = str(HERE.parents[2] / "agents" / "httpd")

    def prepare_realservers(self, names: list) -> dict:
        argv = [*self.zigha, "lvs", "prepare-realserver", self.g.plan["vip"]]
        return self.g.run_each({name: (argv, name, None) for name in names})

    def agent(self, name: str, action: str) -> dict:
        return self.g.run([self.agent_path, action], name, env=self.agent_env(action), timeout=90)

    def agents(self, names: list, action: str) -> dict:
        """The same action on several nodes at once (each node's own agent call)."""
        env = self.agent_env(action)
        return self.g.run_each({name: ([self.agent_path, action], name, env) for name in names})

    def agent_env(self, action: str) -> dict:
        env = {
            "OCF_ROOT": "/usr/lib/ocf",
            "OCF_RA_VERSION_MAJOR": "1",
            "OCF_RA_VERSION_MINOR": "1",
            "OCF_RESOURCE_INSTANCE": RESOURCE,
            "OCF_RESOURCE_TYPE": "httpd",
            "OCF_RESOURCE_PROVIDER": "zigha",
            "OCF_RESKEY_crm_feature_set": "3.16.2",
            "OCF_RESKEY_CRM_meta_timeout": "60000",
            "OCF_RESKEY_server_root": "/etc/cluster/httpd",
            "OCF_RESKEY_config_file": "httpd.conf",
            "OCF_RESKEY_shutdown_wait": "10",
        }
        if action == "monitor":
            # depth 10: an HTTP request to every address httpd listens on (VIP and own)
            env.update(OCF_CHECK_LEVEL="10", OCF_RESKEY_CRM_meta_interval="10000")
        return env

    def apply(self, path: str) -> dict:
        result = self.g.run([*self.zigha, "lvs", "apply", "--json", path], "director", env=zigha_env(self.g))
        if result["rc"] != 0:
            raise StepFailed(f"zigha lvs apply exited {result['rc']}: {result['stderr'][-2000:]}")
        return {"zigha": json.loads(result["stdout"])}

    def show(self) -> dict:
        result = self.g.run([*self.zigha, "lvs", "show", "--json"], "director", env=zigha_env(self.g),
                            check=True)
        text = self.g.run([*self.zigha, "lvs", "show"], "director", env=zigha_env(self.g), check=True)
        return {"show_json": json.loads(result["stdout"]), "show_text": text["stdout"]}

    def start_checker(self):
        g = self.g
        return g.spawn([*self.zigha, "lvs", "watch", g.plan["desired"]["initial"]], "director",
                       log=g.state / "checker.log", env=zigha_env(g))

    def checker_log(self) -> str:
        return (self.g.state / "checker.log").read_text()[-20000:]

    def error_paths(self) -> dict:
        g = self.g
        before = g.run(["/usr/sbin/ipvsadm", "-S", "-n"], "director", check=True)["stdout"].splitlines()
        probe = g.run([g.plan["python"], HERE / "zigha_probe.py", json.dumps(g.plan["error_probe"])],
                      "director", env=zigha_env(g), check=True)
        return {"probe": {r["name"]: r for r in json.loads(probe["stdout"])}, "table_before": before,
                "table_after": g.run(["/usr/sbin/ipvsadm", "-S", "-n"], "director")["stdout"].splitlines()}
