"""rgmanager resource types → Pacemaker agents, one function per type.

Each translator returns ``(standard, provider, type, params)`` and consumes the
cluster.conf attributes it maps; whatever attribute is left is reported by the caller,
so nothing is dropped silently.  Mappings follow clufter's ccs2pcs where it has one
(jnpkrn/clufter, ``filters/ccs2ccsflat``/``ccs-artefacts``) and the parameter lists of
resource-agents 4.12 (../shared/reference/agents-metadata/heartbeat-*.xml).
"""

from __future__ import annotations

import os
import zlib
from typing import Callable

#: depth-0 status interval (s) of the rgmanager agents (../shared/reference/agents-metadata)
MONITOR_INTERVAL = {"ip": 20, "fs": 60, "clusterfs": 60, "netfs": 60, "apache": 60,
                    "named": 60, "script": 30, "lvm": 60, "nfsclient": 60, "mysql": 30,
                    "postgres-8": 30, "tomcat-6": 30, "vm": 30}
DEFAULT_MONITOR_INTERVAL = 60
#: rgmanager's start timeouts where the metadata has one (fs/clusterfs: 900 s)
START_TIMEOUT = {"fs": 900, "clusterfs": 900}

#: attributes rgmanager itself reads on any resource (reslist.c), never agent parameters
GENERIC = ("__independent_subtree", "__enforce_timeouts", "__max_failures",
           "__failure_expire_time", "__max_restarts", "__restart_expire_time")

ZIGHA_TYPES = {"zigha-httpd": "httpd", "zigha-named": "named", "zigha-postfix": "postfix"}


class Unsupported(Exception):
    """The type has no Pacemaker counterpart zigha can write."""


class Attrs(dict):
    """A resource's attributes; :meth:`take` marks one as translated."""

    def take(self, name: str, default=None):
        return self.pop(name, default)


def _flag(value) -> bool:
    try:
        return int(str(value).strip() or "0") != 0
    except ValueError:
        return str(value).strip().lower() in ("yes", "true", "on")


def _copy(attrs: Attrs, params: list, mapping: dict) -> None:
    for old, new in mapping.items():
        value = attrs.take(old)
        if value not in (None, ""):
            params.append((new, value))


def ip(attrs: Attrs, ctx) -> tuple:
    address = attrs.take("address", "")
    params: list[tuple[str, str]] = []
    if "/" in address:
        address, prefix = address.split("/", 1)
        params = [("ip", address), ("cidr_netmask", prefix)]
    else:
        params = [("ip", address)]
    _copy(attrs, params, {"prefer_interface": "nic"})
    return "ocf", "heartbeat", "IPaddr2", params


def fs(attrs: Attrs, ctx) -> tuple:
    params: list[tuple[str, str]] = []
    _copy(attrs, params, {"device": "device", "mountpoint": "directory", "fstype": "fstype",
                          "options": "options"})
    if not any(name == "fstype" for name, _ in params):
        ctx.warn("no fstype: fs.sh probes the device, Filesystem needs fstype= set by hand")
    if _flag(attrs.take("force_unmount", "0")):
        params.append(("force_unmount", "true"))
    attrs.take("name")
    return "ocf", "heartbeat", "Filesystem", params


def netfs(attrs: Attrs, ctx) -> tuple:
    host, export = attrs.take("host", ""), attrs.take("export", "")
    params = [("device", f"{host}:{export}")]
    _copy(attrs, params, {"mountpoint": "directory", "options": "options"})
    params.append(("fstype", attrs.take("fstype", "nfs")))
    if _flag(attrs.take("force_unmount", "0")):
        params.append(("force_unmount", "true"))
    attrs.take("name")
    return "ocf", "heartbeat", "Filesystem", params


def nfsclient(attrs: Attrs, ctx) -> tuple:
    directory = attrs.take("path") or ctx.inherited("path")
    params = [("clientspec", attrs.take("target", "")), ("directory", directory or "")]
    _copy(attrs, params, {"options": "options"})
    fsid = ctx.inherited("fsid")
    if not fsid:
        fsid = str(zlib.crc32((directory or "").encode()) & 0x7FFFFFFF)
        ctx.info(f"exportfs needs fsid=: derived {fsid} from the path (fs.sh made one up too)")
    params.append(("fsid", fsid))
    attrs.take("name")
    attrs.take("allow_recover")
    return "ocf", "heartbeat", "exportfs", params


def script(attrs: Attrs, ctx) -> tuple:
    path = attrs.take("file", "")
    name = os.path.basename(path)
    if os.path.dirname(path) not in ("/etc/init.d", "/etc/rc.d/init.d"):
        ctx.warn(f"lsb:{name} runs /etc/init.d/{name}: install {path} there (or write an OCF agent)")
    attrs.take("name")
    return "lsb", None, name, []


def apache(attrs: Attrs, ctx) -> tuple:
    root = attrs.take("server_root", "/etc/httpd")
    config = attrs.take("config_file", "conf/httpd.conf")
    params = [("configfile", os.path.join(root, config))]
    _copy(attrs, params, {"httpd_options": "options", "httpd": "httpd"})
    ctx.info("heartbeat apache runs the config as written: apache.sh rewrote Listen to the "
             "service IPs; make the config listen on them")
    attrs.take("name")
    attrs.take("shutdown_wait")
    return "ocf", "heartbeat", "apache", params


def named(attrs: Attrs, ctx) -> tuple:
    params = [("named_config", attrs.take("config_file", "/etc/named.conf"))]
    _copy(attrs, params, {"named_options": "named_options"})
    ctx.info("heartbeat named uses named.conf as written: named.sh rewrote listen-on to the "
             "service IPs and the working directory")
    attrs.take("name")
    attrs.take("shutdown_wait")
    return "ocf", "heartbeat", "named", params


def mysql(attrs: Attrs, ctx) -> tuple:
    params: list[tuple[str, str]] = []
    _copy(attrs, params, {"config_file": "config", "mysqld_options": "additional_parameters"})
    attrs.take("name")
    attrs.take("shutdown_wait")
    return "ocf", "heartbeat", "mysql", params


def postgres(attrs: Attrs, ctx) -> tuple:
    params: list[tuple[str, str]] = []
    _copy(attrs, params, {"config_file": "config", "postmaster_user": "pgdba",
                          "postmaster_options": "start_opt"})
    attrs.take("name")
    attrs.take("shutdown_wait")
    return "ocf", "heartbeat", "pgsql", params


def lvm(attrs: Attrs, ctx) -> tuple:
    params: list[tuple[str, str]] = []
    _copy(attrs, params, {"vg_name": "vgname"})
    params.append(("vg_access_mode", "tagging"))
    if attrs.get("lv_name"):
        ctx.warn("LVM-activate activates the whole volume group, not one lv_name")
    attrs.take("name")
    return "ocf", "heartbeat", "LVM-activate", params


def zigha_agent(rtype: str) -> Callable:
    def translate(attrs: Attrs, ctx) -> tuple:
        params = [(k, attrs.take(k)) for k in list(attrs) if not k.startswith("__")
                  and k != "service_name"]
        attrs.take("service_name")
        ctx.info(f"ocf:zigha:{ZIGHA_TYPES[rtype]} runs its config as written under Pacemaker "
                 "(no service IPs to bind to): make it listen on the service IPs or on all")
        return "ocf", "zigha", ZIGHA_TYPES[rtype], params
    return translate


def same_name(ocf_type: str) -> Callable:
    """Types whose heartbeat agent has the same parameters (SAPInstance, SAPDatabase)."""
    def translate(attrs: Attrs, ctx) -> tuple:
        params = [(k, attrs.take(k)) for k in list(attrs) if not k.startswith("__")]
        ctx.info(f"parameters copied unchecked to ocf:heartbeat:{ocf_type}")
        return "ocf", "heartbeat", ocf_type, params
    return translate


TRANSLATORS = {
    "ip": ip, "fs": fs, "clusterfs": fs, "netfs": netfs, "nfsclient": nfsclient,
    "script": script, "apache": apache, "named": named, "mysql": mysql,
    "postgres-8": postgres, "lvm": lvm,
    "SAPInstance": same_name("SAPInstance"),
    "SAPDatabase": same_name("SAPDatabase"),
    **{t: zigha_agent(t) for t in ZIGHA_TYPES},
}

#: types with no resource of their own in Pacemaker, and why
ABSORBED = {
    "nfsexport": ("info", "no primitive: each nfsclient below becomes an ocf:heartbeat:exportfs "
                  "(the NFS server itself needs ocf:heartbeat:nfsserver or the host's nfsd)"),
}

UNSUPPORTED = {
    "drbd": "DRBD needs a promotable clone of ocf:linbit:drbd: not generated",
    "smb": "Samba has no maintained OCF agent in resource-agents 4.12: not translated",
    "samba": "Samba has no maintained OCF agent in resource-agents 4.12: not translated",
    "openldap": "no OCF agent for openldap in resource-agents 4.12: not translated",
    "oracledb": "ocf:heartbeat:oracle + oralsnr need sid/home/user set by hand: not translated",
    "orainstance": "ocf:heartbeat:oracle needs sid/home/user set by hand: not translated",
    "oralistener": "ocf:heartbeat:oralsnr needs sid/home/listener set by hand: not translated",
    "tomcat-5": "ocf:heartbeat:tomcat takes other parameters (catalina_home, java_home): not translated",
    "tomcat-6": "ocf:heartbeat:tomcat takes other parameters (catalina_home, java_home): not translated",
    "nfsserver": "ocf:heartbeat:nfsserver keeps its state elsewhere (nfs_shared_infodir): not translated",
    "ASEHAagent": "no Sybase ASE agent in resource-agents 4.12: not translated",
}
