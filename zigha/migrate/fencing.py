"""Fence devices and per-node fence methods → stonith resources and a fencing topology.

* each ``<fencedevice>`` becomes a ``stonith:<agent>`` primitive with the device's
  attributes; the nodes' instances add ``pcmk_host_map`` (``node:port``) or
  ``pcmk_host_list``; a device used in ``<unfence>`` gets ``provides=unfencing``;
* a node's methods, in order, become fencing levels 1, 2, … (left out when every node
  has exactly one method: the topology would add nothing);
* fence_manual / fence_ack_manual / fence_pcmk are not devices Pacemaker can use: they
  are reported and left out.
"""

from __future__ import annotations

from zigha.migrate.model import FencingLevel, Op, Primitive

#: fence instance attributes that name the victim's port on the device
PORT_ATTRS = ("port", "plug", "nodename", "ipport")
NOT_FENCE_AGENTS = {"fence_manual": "fence_manual needs an operator; Pacemaker has no counterpart",
                    "fence_ack_manual": "fence_ack_manual is not a fence agent",
                    "fence_pcmk": "fence_pcmk hands fencing to Pacemaker: configure the real devices there"}


def fencing(builder) -> tuple:
    """Fence devices → stonith primitives (+ fencing levels); ``builder`` is the Builder."""
    devices = {}
    for dev in builder.conf.fence_devices:
        where = f"/cluster/fencedevices/fencedevice[@name='{dev.name}']"
        if not dev.agent:
            builder.note(where, "fence device without agent: skipped", "error")
            continue
        if dev.agent in NOT_FENCE_AGENTS:
            builder.note(where, NOT_FENCE_AGENTS[dev.agent] + ": skipped", "error")
            continue
        devices[dev.name] = {"dev": dev, "id": builder.new_id(dev.name), "hosts": [],
                             "map": [], "unfence": False}
    levels = []
    for node in builder.conf.nodes:
        where = f"/cluster/clusternodes/clusternode[@name='{node.name}']"
        index = 0
        for method in node.fence_methods:
            used = []
            for inst in method.devices:
                entry = devices.get(inst.device)
                if entry is None:
                    continue
                extra = dict(inst.attrs)
                port = next((extra.pop(k) for k in PORT_ATTRS if k in extra), None)
                if node.name not in entry["hosts"]:
                    entry["hosts"].append(node.name)
                if port is not None:
                    entry["map"].append(f"{node.name}:{port}")
                if extra:
                    builder.note(f"{where}/fence/method[@name='{method.name}']",
                              f"per-node attributes {sorted(extra)} of device {inst.device} "
                              "have no place in one stonith resource: not translated")
                used.append(entry["id"])
            if used:
                index += 1
                levels.append(FencingLevel(builder.new_id(f"fl-{node.name}-{index}"),
                                           node.name, index, tuple(used)))
        for inst in node.unfence:
            if inst.device in devices:
                devices[inst.device]["unfence"] = True
    stonith = []
    for entry in devices.values():
        dev = entry["dev"]
        params = [(k, v) for k, v in dev.attrs.items() if k not in ("name", "agent")]
        if entry["map"]:
            params.append(("pcmk_host_map", ";".join(entry["map"])))
        elif entry["hosts"]:
            params.append(("pcmk_host_list", " ".join(entry["hosts"])))
        meta = (("provides", "unfencing"),) if entry["unfence"] else ()
        stonith.append(Primitive(entry["id"], "stonith", dev.agent, params=tuple(params),
                                 meta=meta, ops=(Op("monitor", 60, 20),),
                                 source=f"/cluster/fencedevices/fencedevice[@name='{dev.name}']"))
    if len(levels) == len(builder.conf.nodes) and all(lv.index == 1 for lv in levels):
        levels = []  # one method per node: the topology adds nothing
    return stonith, levels
