"""Render tables back into the exact text ipvsadm 1.31 prints (for round trips and demos).

The widths are ipvsadm's printf formats (../shared/reference/lvs.md §3.2, §3.5,
§3.6): ``"  -> %-28s %-7s %-6d %-10u %-10u"`` for a real server in the default view,
``%-33s`` plus 9-character number fields in the stats and rate views, and so on.
Counters that were parsed from an abbreviated field (``exact`` False) are abbreviated
again, so ``parse(render(parse(text)))`` equals ``parse(text)``.

The printf formats are kept as ipvsadm's C source writes them (``%-28s``...), so they
can be compared with it line by line (hence the ``noqa: UP031``).
"""

from __future__ import annotations

from zigha.lvs.model import Counters, IpvsTable, RealServer, VirtualService
from zigha.lvs.rules import is_full_mask, render_save

TITLES = {
    "default": ("Prot LocalAddress:Port Scheduler Flags",
                "  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn"),
    "tun-info": ("Prot LocalAddress:Port Scheduler Flags",
                 "  -> RemoteAddress:Port           Forward TunnelInfo    Weight ActiveConn InActConn"),
    "stats": ("%-33s %8s %8s %8s %8s %8s" % ("Prot LocalAddress:Port", "Conns", "InPkts",  # noqa: UP031
                                             "OutPkts", "InBytes", "OutBytes"),
              "  -> RemoteAddress:Port"),
    "rate": ("%-33s %8s %8s %8s %8s %8s" % ("Prot LocalAddress:Port", "CPS", "InPPS",  # noqa: UP031
                                            "OutPPS", "InBPS", "OutBPS"),
             "  -> RemoteAddress:Port"),
    "thresholds": ("%-33s %-10s %-10s %-10s %-10s" % ("Prot LocalAddress:Port", "Uthreshold",  # noqa: UP031
                                                      "Lthreshold", "ActiveConn", "InActConn"),
                   "  -> RemoteAddress:Port"),
    "persistent-conn": ("%-33s %-9s %-11s %-10s %-10s" % ("Prot LocalAddress:Port", "Weight",  # noqa: UP031
                                                          "PersistConn", "ActiveConn",
                                                          "InActConn"),
                        "  -> RemoteAddress:Port"),
}


def largenum(value: int | None, exact: bool) -> str:
    """One 9-character counter field (ipvsadm's ``print_largenum``)."""
    value = value or 0
    if exact:
        text = str(value)
        return f"{text:>9}" if len(text) <= 8 else " " + text
    for limit, divisor, suffix in ((10**8, 1, ""), (10**9, 10**3, "K"), (10**11, 10**6, "M"),
                                   (10**14, 10**9, "G")):
        if value < limit:
            return f"{value // divisor:>8}{suffix}" if suffix else f"{value:>9}"
    return f"{value // 10**12:>8}T"


def _counters(counters: Counters | None, names: tuple[str, ...], plain: int = 0) -> str:
    counters = counters or Counters()
    out = []
    for index, name in enumerate(names):
        value = getattr(counters, name)
        if index < plain:
            out.append(" %8d" % (value or 0))  # noqa: UP031
        else:
            out.append(largenum(value, counters.exact))
    return "".join(out)


def service_line(svc: VirtualService, view: str) -> str:
    name = svc.name
    if len(name) > 33 and not svc.ipv6:
        name = name[:33]  # ipvsadm cuts IPv4 names to 33 characters
    if view == "stats":
        return f"{name:<33}" + _counters(svc.stats, Counters.STATS)
    if view == "rate":
        return f"{name:<33}" + _counters(svc.rate, Counters.RATE, plain=3)
    words = [name, svc.scheduler or "wlc"]
    if svc.sched_flags:
        words.append("(" + ",".join(svc.sched_flags) + ")")
    if svc.persistent is not None:
        words += ["persistent", str(svc.persistent)]
        if not is_full_mask(svc.netmask):
            words += ["mask", str(svc.netmask)]
        if svc.pe:
            words += ["pe", svc.pe]
    if svc.ops:
        words.append("ops")
    words.extend(svc.flags)
    return " ".join(words)


def real_line(real: RealServer, view: str) -> str:
    address = real.address
    if len(address) > 28 and not real.ipv6:
        address = address[:28]
    n = lambda v: v or 0  # noqa: E731 - columns a parsed view lacks print as 0
    if view == "stats":
        return f"  -> {address:<28}" + _counters(real.stats, Counters.STATS)
    if view == "rate":
        return f"  -> {address:<28}" + _counters(real.rate, Counters.RATE, plain=3)
    if view == "thresholds":
        return "  -> %-28s %-10u %-10u %-10u %-10u" % (  # noqa: UP031
            address, n(real.upper_threshold), n(real.lower_threshold), n(real.active),
            n(real.inactive))
    if view == "persistent-conn":
        return "  -> %-28s %-9u %-11u %-10u %-10u" % (  # noqa: UP031
            address, n(real.weight), n(real.persistent_conns), n(real.active), n(real.inactive))
    if view == "tun-info":
        return "  -> %-28s %-7s %-13s %-6d %-10u %-10u" % (  # noqa: UP031
            address, real.forward or "Route", real.tunnel_info or "n/a", n(real.weight),
            n(real.active), n(real.inactive))
    return "  -> %-28s %-7s %-6d %-10u %-10u" % (  # noqa: UP031
        address, real.forward or "Route", n(real.weight), n(real.active), n(real.inactive))


def render_list(table: IpvsTable, view: str | None = None) -> str:
    """The listing of ``table`` in ``view`` (default: the table's own view)."""
    view = view or table.view
    if view == "save":
        return render_save(table.services)
    if view not in TITLES:
        raise ValueError(f"cannot render the {view!r} view")
    out = []
    if table.version is not None:
        out.append(f"IP Virtual Server version {table.version} (size={table.size or 0})")
    out.extend(TITLES[view])
    for svc in table.services:
        out.append(service_line(svc, view))
        out.extend(real_line(real, view) for real in svc.reals)
    return "".join(line + "\n" for line in out)
