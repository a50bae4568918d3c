"""zigha's resource agents: the logic behind the executables in ``agents/``.

Each agent is a :class:`zigha.ocf.Agent` subclass in its own module.  ``AGENTS`` maps the
short name (the ``agents/`` file name and the Pacemaker type ``ocf:zigha:<short>``) to
``(module, class)``; the rgmanager type (cluster.conf element) is the class's
``type_name``, ``zigha-<short>``.  Nothing is imported here: launchers import only the one
agent they run.
"""

from __future__ import annotations

#: short name -> (module, class name)
AGENTS = {
    "httpd": ("zigha.agents.httpd", "HttpdAgent"),
    "named": ("zigha.agents.named", "NamedAgent"),
    "postfix": ("zigha.agents.postfix", "PostfixAgent"),
}


def load(short_name: str):
    """The agent class for ``httpd``, ``named`` or ``postfix`` (KeyError otherwise)."""
    import importlib

    module, class_name = AGENTS[short_name]
    return getattr(importlib.import_module(module), class_name)
