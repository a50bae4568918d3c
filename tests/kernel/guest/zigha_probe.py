"""Call zigha's library inside the guest and report results and errors as JSON.

    python3 zigha_probe.py '[{"name": "duplicate", "expr": "ipvsadm.add_service(svc)"}, ...]'

Each ``expr`` is a Python expression evaluated with ``lvs`` (zigha.lvs), ``ipvsadm``
(zigha.lvs.ipvsadm), ``model`` (zigha.lvs.model), ``attrs`` and the names bound by
earlier entries that have ``"bind"`` (the value is kept under that name).  One
interpreter start serves several calls (a start costs about a second under
emulation).  Each entry is reported as ``{"name", "ok", "value"}`` or
``{"name", "ok": false, "error": {"type", "mro", "message", "str", "data"}}``, where
``mro`` lists the exception's classes (so the host can check it is, say, a
``zigha.errors.CommandError``) and ``data`` is the error's ``to_dict()``.
"""

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


def evaluate(spec: dict, names: dict) -> dict:
    report = {"name": spec["name"], "expr": spec["expr"], "ok": False}
    try:
        value = eval(spec["expr"], names)  # test-only driver: the expressions come from the plan
        if spec.get("bind"):
            names[spec["bind"]] = value
        report["value"] = _plain(value)
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
    import attrs

    import zigha.lvs as lvs
    from zigha.lvs import ipvsadm, model

    names = {"lvs": lvs, "ipvsadm": ipvsadm, "model": model, "attrs": attrs}
    print(json.dumps([evaluate(spec, names) for spec in json.loads(argv[1])], default=repr))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
