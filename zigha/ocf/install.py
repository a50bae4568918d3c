"""Install zigha's agents where rgmanager and Pacemaker look, and extend cluster.rng.

* rgmanager runs every executable at the top of ``/usr/share/cluster`` with
  ``meta-data`` and takes the type from the ``name`` attribute (agents.md §1.1): the
  agents go there as ``zigha-httpd``, ``zigha-named``, ``zigha-postfix``.
* Pacemaker runs ``/usr/lib/ocf/resource.d/<provider>/<type>`` (§4.2): ``ocf:zigha:httpd``
  is ``/usr/lib/ocf/resource.d/zigha/httpd``.
* Each installed file is the five-line launcher of :mod:`zigha.ocf.launch` with the
  interpreter and the import path recorded: the directory holding the ``zigha`` package
  and those holding attrs, sh and lxml.  Started with ``-IS`` it needs no PATH, no
  .pth file and no venv activation.  The interpreter must be executable by ``nobody``
  (ocf-tester runs ``meta-data`` as nobody): when the running one is not (a pyenv under
  /root), Debian's /usr/bin/python3 of the same X.Y is used with the same import path.
* cluster.rng is extended from the agents' metadata (:mod:`zigha.ocf.schema`) and written
  where ``ccs_config_validate``/cman's validation read it (``/usr/share/cluster/cluster.rng``,
  through its symlink to /var/lib/cluster on RHEL 6.1+), or to ``schema=PATH``.

>>> from zigha.ocf import install
>>> result = install.install(prefix="/tmp/pkgroot")          # doctest: +SKIP
>>> install.schema_path("/tmp/pkgroot")                       # doctest: +SKIP
'/tmp/pkgroot/usr/share/cluster/cluster.rng'
"""

from __future__ import annotations

import importlib.util
import os
import stat
import sys

from zigha.agents import AGENTS

RGMANAGER_DIR = "/usr/share/cluster"
OCF_DIR = "/usr/lib/ocf/resource.d/zigha"
SCHEMA = "/usr/share/cluster/cluster.rng"
BUNDLED_SCHEMA = os.path.join(os.path.dirname(os.path.dirname(__file__)), "data", "cluster.rng")
CREATED_MARK = "<!-- zigha agents: schema created from zigha's bundled cluster.rng -->"
LAUNCHER_MARK = "# installed by `zigha agents install`"


def _under(prefix: str, path: str) -> str:
    return os.path.join(prefix or "/", path.lstrip("/"))


def available() -> list:
    """Short names of the agents whose module is present (``httpd``, ...)."""
    return [short for short, (module, _) in AGENTS.items()
            if importlib.util.find_spec(module) is not None]


def import_path() -> list:
    """The directories an agent needs on ``sys.path``: zigha's, then its dependencies'."""
    import zigha

    paths = [os.path.dirname(os.path.dirname(os.path.abspath(zigha.__file__)))]
    for name in ("attrs", "attr", "sh", "lxml"):
        origin = _module_file(name)
        if origin is None:
            continue
        directory = os.path.dirname(origin)
        if os.path.basename(origin) == "__init__.py":
            directory = os.path.dirname(directory)
        if directory not in paths:
            paths.append(directory)
    return paths


def _module_file(name: str):
    """The file a top-level module is loaded from, or None when it is not installed.

    ``sh`` replaces itself in ``sys.modules`` with an object that has no ``__spec__``,
    so once it is imported ``find_spec`` raises; its ``__file__`` is still right.
    """
    loaded = sys.modules.get(name)
    if loaded is not None and getattr(loaded, "__file__", None):
        return loaded.__file__
    try:
        spec = importlib.util.find_spec(name)
    except ValueError:
        return None
    return spec.origin if spec is not None and spec.origin else None


def usable_by_nobody(path: str) -> bool:
    """Whether every directory above ``path`` is world-searchable and it is executable."""
    real = os.path.realpath(path)
    parts = real.split("/")
    for i in range(2, len(parts)):
        try:
            mode = os.stat("/".join(parts[:i])).st_mode
        except OSError:
            return False
        if not mode & stat.S_IXOTH:
            return False
    try:
        return bool(os.stat(real).st_mode & stat.S_IXOTH)
    except OSError:
        return False


def choose_interpreter() -> str:
    """The running interpreter if ``nobody`` can run it, else /usr/bin/python3 when it
    is the same X.Y (compiled modules such as lxml stay loadable)."""
    current = sys.executable
    if usable_by_nobody(current):
        return current
    system = "/usr/bin/python3"
    if os.path.exists(system) and usable_by_nobody(system):
        real = os.path.basename(os.path.realpath(system))
        if real == f"python{sys.version_info[0]}.{sys.version_info[1]}":
            return system
    return current


def launcher_text(short: str, interpreter: str, paths: list) -> str:
    """The installed launcher for agent ``short`` (same lines as ``agents/<short>``)."""
    module, class_name = AGENTS[short]
    root, extra = paths[0], paths[1:]
    return (f"#!{interpreter} -IS\n"
            f"# zigha-{short} (rgmanager type) / ocf:zigha:{short} (Pacemaker).  {LAUNCHER_MARK}\n"
            f"import sys\nsys.path.insert(0, {root!r}); sys.path.extend({extra!r})\n"
            f'sys.modules["zigha"] = z = type(sys)("zigha"); z.__path__ = [sys.path[0] + "/zigha"]\n'
            f"from zigha.ocf.launch import main; main({module!r}, {class_name!r})\n")


def _write(path: str, text: str, mode: int) -> None:
    os.makedirs(os.path.dirname(path), mode=0o755, exist_ok=True)
    tmp = f"{path}.zigha-tmp"
    with open(tmp, "w", encoding="utf-8") as handle:
        handle.write(text)
    os.chmod(tmp, mode)
    os.replace(tmp, path)


def schema_path(prefix: str = "/", schema=None) -> str:
    """Where the extended cluster.rng is (or will be) written: ``schema`` if given, else
    ``<prefix>/usr/share/cluster/cluster.rng`` — its target when that is a symlink."""
    if schema is not None:
        return os.fspath(schema)
    path = _under(prefix, SCHEMA)
    if os.path.islink(path):
        target = os.readlink(path)
        return _under(prefix, target) if os.path.isabs(target) else \
            os.path.join(os.path.dirname(path), target)
    return path


def agent_objects(shorts) -> list:
    from zigha.agents import load

    return [load(short)() for short in shorts]


def write_schema(path: str, shorts) -> str:
    """Extend the schema at ``path`` (or zigha's bundled copy if there is none)."""
    from zigha.ocf import schema

    try:
        with open(path, encoding="utf-8") as handle:
            base, created = handle.read(), False
        created = CREATED_MARK in base
    except FileNotFoundError:
        with open(BUNDLED_SCHEMA, encoding="utf-8") as handle:
            base, created = handle.read(), True
    base = base.replace(CREATED_MARK + "\n", "")
    text = schema.extend(base, agent_objects(shorts))
    if created:
        text = text.replace("</grammar>", CREATED_MARK + "\n</grammar>", 1) \
            if text.count("</grammar>") == 1 else text
    _write(path, text, 0o644)
    return path


def install(prefix: str = "/", rgmanager_dir: str = RGMANAGER_DIR, ocf_dir: str = OCF_DIR,
            schema=None, update_schema: bool = True, interpreter=None, agents=None) -> dict:
    """Install the launchers (and the extended schema); returns what was written."""
    shorts = list(agents or available())
    unknown = [s for s in shorts if s not in AGENTS]
    if unknown:
        raise KeyError(f"unknown agent(s): {', '.join(unknown)} (known: {', '.join(AGENTS)})")
    interpreter = interpreter or choose_interpreter()
    paths = import_path()
    written = []
    for short in shorts:
        text = launcher_text(short, interpreter, paths)
        for path in (_under(prefix, f"{rgmanager_dir}/zigha-{short}"), _under(prefix, f"{ocf_dir}/{short}")):
            _write(path, text, 0o755)
            written.append(path)
    result = {"agents": shorts, "files": written, "interpreter": interpreter,
              "import_path": paths, "schema": None}
    if update_schema:
        result["schema"] = write_schema(schema_path(prefix, schema), shorts)
    return result


def uninstall(prefix: str = "/", rgmanager_dir: str = RGMANAGER_DIR, ocf_dir: str = OCF_DIR,
              schema=None) -> dict:
    """Remove installed launchers (only files this installer wrote) and the schema additions."""
    from zigha.ocf import schema as rng

    removed = []
    for short in AGENTS:
        for path in (_under(prefix, f"{rgmanager_dir}/zigha-{short}"), _under(prefix, f"{ocf_dir}/{short}")):
            try:
                with open(path, encoding="utf-8", errors="replace") as handle:
                    ours = LAUNCHER_MARK in handle.read(4096)
            except OSError:
                continue
            if ours:
                os.unlink(path)
                removed.append(path)
    ocf = _under(prefix, ocf_dir)
    if os.path.isdir(ocf) and not os.listdir(ocf):
        os.rmdir(ocf)
    path = schema_path(prefix, schema)
    schema_result = None
    if os.path.exists(path):
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
        if CREATED_MARK in text:
            os.unlink(path)
            schema_result = "removed"
        elif rng.BEGIN_DEFINES in text:
            _write(path, rng.strip(text), 0o644)
            schema_result = "restored"
    return {"files": removed, "schema": path if schema_result else None, "schema_action": schema_result}


def listing(prefix: str = "/", rgmanager_dir: str = RGMANAGER_DIR, ocf_dir: str = OCF_DIR) -> list:
    """One row per agent: names and whether each installed file is present."""
    rows = []
    for short, (module, class_name) in AGENTS.items():
        rgm = _under(prefix, f"{rgmanager_dir}/zigha-{short}")
        ocf = _under(prefix, f"{ocf_dir}/{short}")
        rows.append({"agent": short, "type": f"zigha-{short}", "pacemaker": f"ocf:zigha:{short}",
                     "module": f"{module}:{class_name}",
                     "available": importlib.util.find_spec(module) is not None,
                     "rgmanager_file": rgm, "rgmanager_installed": os.access(rgm, os.X_OK),
                     "ocf_file": ocf, "ocf_installed": os.access(ocf, os.X_OK)})
    return rows
