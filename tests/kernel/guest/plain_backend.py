"""Plain commands standing in for zigha's pieces (development of the harness only)."""

from __future__ import annotations

import time

from lvs_steps import node_address, node_names
from scenario import Guest, StepFailed


class Backend:
    def __init__(self, g: Guest) -> None:
        self.g = g

    def prepare_realserver(self, name: str) -> dict:
        g = self.g
        g.run(["sysctl", "-qw", "net.ipv4.conf.lo.arp_ignore=1", "net.ipv4.conf.lo.arp_announce=2",
               "net.ipv4.conf.all.arp_ignore=1", "net.ipv4.conf.all.arp_announce=2"], name, check=True)
        return g.run(["ip", "addr", "add", f"{g.plan['vip']}/32", "dev", "lo"], name)

    def agent(self, name: str, action: str) -> dict:
        conf = "/etc/cluster/httpd/httpd.conf"
        if action == "monitor":
            return self.g.run(["sh", "-c", "kill -0 $(cat /var/run/cluster/httpd/httpd.pid) 2>/dev/null || exit 7"],
                              name)
        result = self.g.run(["apache2", "-f", conf, "-k", action], name)
        if action == "stop":
            time.sleep(1)
        return result

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
