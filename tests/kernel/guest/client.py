"""Guest side of the real-kernel tier: the client that keeps asking the VIP.

    python3 -I -S client.py URL OUT_JSONL STOP_FILE|COUNT [PAUSE_SECONDS]

Runs in the ``client`` network namespace.  One request at a time, each on a fresh
TCP connection (so IPVS schedules every request), until STOP_FILE exists (or COUNT
requests, when the third argument is a number).  Every
request becomes one JSON line in OUT_JSONL:
``{"start": t0, "end": t1, "ok": bool, "node": "h2" | null, "error": "..." | null}``
(guest clock, ``time.time()``).  The node is taken from the page ("served by h2 ...").
Standard library only, so Debian's python3 can run it with -I -S (fast start).
"""

import http.client
import json
import os
import re
import sys
import time
import urllib.parse

SERVED_BY = re.compile(r"served by (\S+)")


def fetch(host: str, port: int, path: str, timeout: float) -> dict:
    start = time.time()
    result = {"start": start, "ok": False, "node": None, "error": None}
    connection = http.client.HTTPConnection(host, port, timeout=timeout)
    try:
        connection.request("GET", path, headers={"Connection": "close"})
        response = connection.getresponse()
        body = response.read().decode("utf-8", "replace")
        match = SERVED_BY.search(body)
        result["node"] = match.group(1) if match else None
        result["ok"] = response.status == 200 and match is not None
        if not result["ok"]:
            result["error"] = f"HTTP {response.status}: {body[:80]!r}"
    except (OSError, http.client.HTTPException) as exc:
        result["error"] = f"{type(exc).__name__}: {exc}"
    finally:
        connection.close()
    result["end"] = time.time()
    return result


def main(argv: list) -> int:
    url, out_path, until = argv[1], argv[2], argv[3]
    pause = float(argv[4]) if len(argv) > 4 else 0.05
    parts = urllib.parse.urlsplit(url)
    count = int(until) if until.isdigit() else None
    sent = 0
    with open(out_path, "a", encoding="utf-8") as out:
        while (sent < count) if count is not None else not os.path.exists(until):
            sent += 1
            out.write(json.dumps(fetch(parts.hostname, parts.port or 80, parts.path or "/", 5.0)) + "\n")
            out.flush()
            time.sleep(pause)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
