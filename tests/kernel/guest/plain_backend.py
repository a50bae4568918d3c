"""Plain commands standing in for zigha's pieces (development of the harness only)."""

from __future__ import annotations

import time

from lvs_steps import httpd_conf, node_address, node_names
from scenario import Guest, StepFailed


class Backend:
    def __init__(self, g: Guest) -> None:
        self.g = g

    def prepare_realservers(self) -> dict:
        g = self.g
        seen = {}
        for name in node_names(g):
            g.run(["sysctl", "-qw", "net.ipv4.conf.lo.arp_ignore=1", "net.ipv4.conf.lo.arp_announce=2",
                   "net.ipv4.conf.all.arp_ignore=1", "net.ipv4.conf.all.arp_announce=2"], name, check=True)
            g.run(["ip", "addr", "add", f"{g.plan['vip']}/32", "dev", "lo"], name, check=True)
            seen[name] = {
                "lo": g.run(["ip", "-4", "-o", "addr", "show", "dev", "lo"], name)["stdout"],
                "sysctl": g.run(["sysctl", "net.ipv4.conf.all.arp_ignore", "net.ipv4.conf.all.arp_announce"],
                                name)["stdout"],
            }
        return {"nodes": seen}

    def agent(self, name: str, action: str) -> dict:
        conf = "/etc/cluster/httpd/httpd.conf"
        if action == "monitor":
            return self.g.run(["sh", "-c", "kill -0 $(cat /var/run/cluster/httpd/httpd.pid) 2>/dev/null || exit 7"],
                              name)
        result = self.g.run(["apache2", "-f", conf, "-k", action], name)
        if action == "stop":
            time.sleep(1)
        return result

    def start_httpds(self) -> dict:
        g = self.g
        pages = {}
        for name in node_names(g):
            g.run(["mkdir", "-p", "/etc/cluster/httpd", "/var/run/cluster/httpd"], name, check=True)
            g.run(["tee", "/etc/cluster/httpd/httpd.conf"], name, stdin=httpd_conf(g, name), check=True)
            if self.agent(name, "start")["rc"] != 0:
                raise StepFailed(f"httpd did not start on {name}")
        for name in node_names(g):
            for _ in range(50):
                r = g.run(["curl", "-s", "--max-time", "2", f"http://{node_address(g, name)}/"], "client")
                if r["rc"] == 0:
                    break
                time.sleep(0.2)
            pages[name] = r["stdout"]
        return {"pages": pages, "monitors": {n: self.agent(n, "monitor")["rc"] for n in node_names(g)}}

    def stop_httpds(self) -> dict:
        return {"rcs": {n: self.agent(n, "stop")["rc"] for n in node_names(self.g)}}

    def apply(self, path: str) -> dict:
        g = self.g
        g.run(["/usr/sbin/ipvsadm", "-C"], "director", check=True)
        with open(path) as f:
            g.run([g.state / "ipvsadm-logged", "-R"], "director", stdin=f.read(), check=True)
        return {}

    def show(self) -> dict:
        return {"show": self.g.run(["/usr/sbin/ipvsadm", "-L", "-n"], "director")["stdout"]}

    def start_checker(self):
        g = self.g
        script = "while :; do for rs in %s; do if curl -s -o /dev/null --max-time 1 http://$rs/; then w=1; else w=0; fi; " \
                 "%s -e -t %s:80 -r $rs:80 -g -w $w; done; sleep 0.5; done" % (
                     " ".join(node_address(g, n) for n in node_names(g)), g.state / "ipvsadm-logged", g.plan["vip"])
        return g.spawn(["bash", "-c", script], "director", log=g.state / "checker.log")

    def checker_log(self) -> str:
        return (self.g.state / "checker.log").read_text()

    def error_paths(self) -> dict:
        raise StepFailed("error paths need zigha.lvs")
