"""What the executables in ``agents/`` run: load the agent class, run the action, exit.

A launcher is five lines (see ``agents/httpd``)::

    #!/usr/bin/python3 -IS
    import os, sys
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.realpath(__file__))))
    sys.modules["zigha"] = z = type(sys)("zigha"); z.__path__ = [sys.path[0] + "/zigha"]
    from zigha.ocf.launch import main; main("zigha.agents.httpd", "HttpdAgent")

* ``-IS``: isolated mode, no ``site``: no .pth files, no user site, no PYTHON* variables;
  start-up is ~7 ms instead of ~25 ms (or ~65 ms for a site that loads .pth files).
* The ``zigha`` package is registered as a bare namespace so that the hot path does not
  run ``zigha/__init__.py`` (its ``typing`` import alone costs ~8 ms).  Every action other
  than ``meta-data``, ``status`` and ``monitor`` first loads the real package
  (:func:`full_package`) and makes sure the dependencies (attrs, sh, lxml) import.
* ``zigha agents install`` writes the same five lines with the interpreter and the import
  path of the installation filled in (:mod:`zigha.ocf.install`), so an installed agent
  needs no PATH, no venv activation and no .pth file.
"""

from __future__ import annotations

import os
import sys

LIGHT_ACTIONS = ("meta-data", "usage", "-h", "--help", "help", "status", "monitor")
DEPENDENCIES = ("attrs", "sh")


def full_package() -> None:
    """Turn the bare ``zigha`` namespace set up by a launcher into the real package."""
    pkg = sys.modules.get("zigha")
    if pkg is None or getattr(pkg, "__file__", None):
        return
    import importlib.util

    init = os.path.join(pkg.__path__[0], "__init__.py")
    spec = importlib.util.spec_from_file_location("zigha", init,
                                                  submodule_search_locations=list(pkg.__path__))
    if spec is None or spec.loader is None:  # only if __init__.py vanished under us
        raise ImportError(f"cannot load the zigha package from {init}")
    pkg.__spec__, pkg.__file__, pkg.__loader__ = spec, init, spec.loader
    spec.loader.exec_module(pkg)


def missing_dependencies() -> list:
    import importlib.util

    return [name for name in DEPENDENCIES if importlib.util.find_spec(name) is None]


def _site_dirs_with_dependencies(version: str) -> list:
    """Site directories holding attrs and sh for Python ``version`` (a glob such as
    ``3.11`` or ``3.*``), in the usual places: /usr/local, the user's pyenv, a venv
    beside the checkout, /opt (CI tool caches)."""
    import glob
    import pwd

    home = pwd.getpwuid(os.getuid()).pw_dir
    checkout = os.path.dirname(sys.modules["zigha"].__path__[0])
    patterns = [f"/usr/local/lib/python{version}/dist-packages",
                f"/usr/local/lib/python{version}/site-packages",
                f"{home}/.pyenv/versions/*/lib/python{version}/site-packages",
                f"{checkout}/.venv/lib/python{version}/site-packages",
                f"{checkout}/venv/lib/python{version}/site-packages",
                f"/opt/*/lib/python{version}/site-packages",
                f"/opt/hostedtoolcache/Python/*/x64/lib/python{version}/site-packages"]
    found = []
    for pattern in patterns:
        for directory in sorted(glob.glob(pattern), reverse=True):
            if all(os.path.isdir(os.path.join(directory, d)) for d in DEPENDENCIES):
                found.append(directory)
    return found


def _interpreter_of(site_dir: str):
    """``<prefix>/bin/pythonX.Y`` for ``<prefix>/lib/pythonX.Y/site-packages``."""
    lib = os.path.dirname(site_dir)
    prefix = os.path.dirname(os.path.dirname(lib))
    candidate = os.path.join(prefix, "bin", os.path.basename(lib))
    return candidate if os.access(candidate, os.X_OK) else None


def ensure_dependencies() -> list:
    """Make attrs and sh importable; returns what is still missing.

    An installed launcher has their directories on ``sys.path`` already.  A launcher run
    from a checkout (``agents/httpd``) by an interpreter started with ``-S`` first gets
    its own site directories back (``site.main()``), then the first site directory of
    the same Python version that holds them.  Failing that, it re-executes itself with
    the interpreter owning such a directory for another version (once).  Only the
    actions that start processes pay for this.
    """
    missing = missing_dependencies()
    if missing and sys.flags.no_site:
        import site

        site.main()
        missing = missing_dependencies()
    if missing:
        version = f"{sys.version_info[0]}.{sys.version_info[1]}"
        for directory in _site_dirs_with_dependencies(version)[:1]:
            sys.path.append(directory)
        missing = missing_dependencies()
    if missing and not os.environ.get("ZIGHA_OCF_REEXEC"):
        for directory in _site_dirs_with_dependencies("3.*"):
            python = _interpreter_of(directory)
            if python:
                os.execve(python, [python, "-I", os.path.abspath(sys.argv[0]), *sys.argv[1:]],
                          {**os.environ, "ZIGHA_OCF_REEXEC": "1"})
    return missing


def main(module: str, class_name: str, argv=None) -> None:
    """Run ``module.class_name`` with ``sys.argv``; exits with the OCF code."""
    argv = sys.argv if argv is None else argv
    action = argv[1] if len(argv) > 1 else os.environ.get("__OCF_ACTION", "")
    agent_class = getattr(__import__(module, fromlist=[class_name]), class_name)
    if action not in LIGHT_ACTIONS:
        full_package()
        missing = ensure_dependencies()
        if missing and sys.stderr is not None:
            # not fatal here: stop needs none of them; an action that does fails with 5
            sys.stderr.write(f"{agent_class.type_name}: Python modules {', '.join(missing)} are "
                             f"not importable by {sys.executable}; `zigha agents install` "
                             "records the import path an installed agent needs\n")
    code = agent_class().run(argv)
    for stream in (sys.stdout, sys.stderr):
        if stream is not None:
            try:
                stream.flush()
            except (OSError, ValueError):
                pass
    os._exit(code)  # nothing left to clean up: skip the interpreter's teardown
