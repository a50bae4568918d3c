"""apply -> re-read -> re-apply on a real kernel's IPVS table (../shared/vm, qemu).

One guest boot runs the whole scenario in one Python process (process starts are slow
under emulation) and prints a JSON report that the test checks.  Self-contained: it
needs only ../shared/vm/run-in-kernel.sh and this checkout.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

pytestmark = [pytest.mark.kernel, pytest.mark.root]

ROOT = Path(__file__).resolve().parents[2]

GUEST = textwrap.dedent('''
    import json, sys
    from zigha.lvs import ipvsadm
    from zigha.lvs.apply import apply_file, read_state
    from zigha.lvs.render import render_list

    seed, edited, foreign = sys.argv[1:4]
    report = {}
    # a service zigha does not manage (like Docker's) must survive every apply
    ipvsadm.run(["-A", "-f", "296", "-s", "rr"])
    first = apply_file(seed, held_file=None)
    report["first_lines"] = first.plan.lines
    report["first_changed"] = first.changed
    report["listing"] = render_list(ipvsadm.list_table())
    report["save_after_first"] = ipvsadm.run(["-S", "-n"]).stdout
    again = apply_file(seed, held_file=None)
    report["again_empty"] = again.plan.empty
    import contextlib, io
    from zigha.cli.main import main
    for name, argv in (("cli_show", ["lvs", "show", "--json"]),
                       ("cli_apply", ["lvs", "apply", seed, "--held-file", "/run/held.json"])):
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            report[name + "_rc"] = main(argv)
        report[name] = out.getvalue()
    edit = apply_file(edited, held_file=None)
    report["edit_lines"] = edit.plan.lines
    report["edit_stderr"] = edit.stderr
    report["edit_again_empty"] = apply_file(edited, held_file=None).plan.empty
    report["thresholds"] = [[r.address, r.upper_threshold, r.lower_threshold]
                            for s in read_state().services for r in s.reals]
    report["save_after_edit"] = ipvsadm.run(["-S", "-n"]).stdout
    pruned = apply_file(edited, held_file=None, prune=True)
    report["prune_lines"] = pruned.plan.lines
    errors = {}
    svc = read_state().services[0]
    for name, call in (("add", ipvsadm.add_service), ("delete_absent", None)):
        try:
            if call:
                call(svc)
            else:
                ipvsadm.run(["-D", "-t", "10.9.9.9:80"])
        except ipvsadm.IpvsadmError as exc:
            errors[name] = [type(exc).__name__, exc.message]
    report["errors"] = errors
    # DR real-server preparation on this (guest) host's real lo and sysctls
    from zigha.lvs.realserver import lo_addresses, prepare_realserver
    report["prep_first"] = [s.needed for s in prepare_realserver("192.168.10.249")]
    report["prep_lo"] = lo_addresses()
    report["prep_again"] = [s.needed for s in prepare_realserver("192.168.10.249")]
    report["prep_undo"] = [s.needed for s in prepare_realserver("192.168.10.249", undo=True)]
    report["prep_lo_after"] = lo_addresses()
    report["arp_after"] = open("/proc/sys/net/ipv4/conf/all/arp_ignore").read().strip()
    print("REPORT " + json.dumps(report))
''')

EDITED = """\
format = zigha-lvs 1

[service tcp 192.168.10.249:80]
scheduler = wlc
persistent = 300
forward = route
real 192.168.10.241:80 weight=3 upper=100 lower=10
real 192.168.10.243:80 weight=0
"""


def test_apply_reread_reapply_on_real_ipvs(shared, examples, tmp_path):
    script = tmp_path / "guest.py"
    script.write_text(GUEST)
    edited = tmp_path / "edited.lvs"
    edited.write_text(EDITED)
    seed = examples / "zigsow" / "lvs" / "director.lvs"
    command = (f"modprobe -a ip_vs ip_vs_rr ip_vs_wlc && "
               f"{Path(sys.executable).name} {script} {seed} {edited} unused")
    proc = subprocess.run([str(shared / "vm" / "run-in-kernel.sh"), command], cwd=ROOT,
                          capture_output=True, text=True, timeout=600)
    lines = [line for line in proc.stdout.splitlines() if line.startswith("REPORT ")]
    assert proc.returncode == 0 and lines, proc.stdout + proc.stderr
    report = json.loads(lines[0][len("REPORT "):])

    assert report["first_changed"]
    assert report["first_lines"] == [
        "-A -t 192.168.10.249:80 -s rr",
        "-a -t 192.168.10.249:80 -r 192.168.10.241:80 -g -w 1 -x 0 -y 0",
        "-a -t 192.168.10.249:80 -r 192.168.10.242:80 -g -w 1 -x 0 -y 0",
        "-a -t 192.168.10.249:80 -r 192.168.10.243:80 -g -w 1 -x 0 -y 0",
    ]
    assert "TCP  192.168.10.249:80 rr" in report["listing"]
    assert "-a -t 192.168.10.249:80 -r 192.168.10.242:80 -g -w 1" in report["save_after_first"]
    assert "-A -f 296 -s rr" in report["save_after_first"]
    assert report["again_empty"]
    assert report["cli_show_rc"] == 0 and report["cli_apply_rc"] == 0
    shown = json.loads(report["cli_show"])
    assert [(s["protocol"], s["host"], s["port"], s["scheduler"], len(s["reals"]))
            for s in shown["services"]] == [("TCP", "192.168.10.249", 80, "rr", 3),
                                            ("FWM", None, None, "rr", 0)]
    assert "nothing to do" in report["cli_apply"]
    assert report["edit_lines"] == [
        "-d -t 192.168.10.249:80 -r 192.168.10.242:80",
        "-E -t 192.168.10.249:80 -s wlc -p 300",
        "-e -t 192.168.10.249:80 -r 192.168.10.241:80 -g -w 3 -x 100 -y 10",
        "-e -t 192.168.10.249:80 -r 192.168.10.243:80 -g -w 0 -x 0 -y 0",
    ]
    assert report["edit_stderr"] == ""
    assert report["edit_again_empty"]
    assert ["192.168.10.241:80", 100, 10] in report["thresholds"]
    assert "-A -t 192.168.10.249:80 -s wlc -p 300" in report["save_after_edit"]
    assert "-A -f 296 -s rr" in report["save_after_edit"]
    assert report["prune_lines"] == ["-D -f 296"]
    assert report["errors"]["add"] == ["ServiceExistsError", "ipvsadm: Service already exists"]
    assert report["errors"]["delete_absent"] == ["NoSuchServiceError", "ipvsadm: No such service"]
    assert report["prep_first"] == [True] * 5
    assert report["prep_lo"] == {"127.0.0.1": 8, "192.168.10.249": 32}
    assert report["prep_again"] == [False] * 5
    assert report["prep_undo"] == [True] * 5
    assert report["prep_lo_after"] == {"127.0.0.1": 8} and report["arp_after"] == "0"
