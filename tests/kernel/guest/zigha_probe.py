"""Call zigha's library inside the guest and report results and errors as JSON.

    python3 zigha_probe.py '[{"call": "zigha.lvs.read_state", "args": [], "kwargs": {}}, ...]'

One interpreter start for several calls (a start costs about a second under
emulation).  Each call is reported as ``{"call", "ok", "value"}`` or
``{"call", "ok": false, "error": {"type", "mro", "message", "str", "data"}}`` where
``mro`` lists the exception's classes (so the host can check it is, say, a
``zigha.errors.CommandError``) and ``data`` is the error's ``to_dict()``.
"""

import importlib
import json
import sys


def _plain(value):
    if hasattr(value, "to_dict"):
        return value.to_dict()
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, (str, int, float, bool, dict)) or value is None:
        return value
    return repr(value)


def call(spec: dict) -> dict:
    module_name, _, name = spec["call"].rpartition(".")
    report = {"call": spec["call"], "ok": False}
    try:
        function = getattr(importlib.import_module(module_name), name)
        report["value"] = _plain(function(*spec.get("args", []), **spec.get("kwargs", {})))
        report["ok"] = True
    except Exception as exc:  # the point is to report exactly what escaped
        report["error"] = {
            "type": f"{type(exc).__module__}.{type(exc).__qualname__}",
            "mro": [f"{c.__module__}.{c.__qualname__}" for c in type(exc).__mro__],
            "message": getattr(exc, "message", None),
            "str": str(exc),
            "data": exc.to_dict() if hasattr(exc, "to_dict") else None,
        }
    return report


def main(argv: list) -> int:
    print(json.dumps([call(spec) for spec in json.loads(argv[1])], default=repr))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
