"""The depth-10 check of zigha-httpd: one HTTP request, stdlib sockets only.

Any well-formed HTTP status line counts as an answer (a 403 or 404 still proves httpd
accepts and serves on that address); no answer, a refused connection or garbage is a
failure.  ``https`` listeners (``Listen 443 https`` or port 443) get a TLS handshake
without certificate checks: the question is whether httpd answers, not who it is.
"""

from __future__ import annotations

import _socket  # the C module: socket.py would pull in enum, selectors, functools (~2 ms)


def _connect(host: str, port: int, timeout: float):
    family = _socket.AF_INET6 if ":" in host else _socket.AF_INET
    conn = _socket.socket(family, _socket.SOCK_STREAM)
    conn.settimeout(timeout)
    try:
        conn.connect((host, port))
    except BaseException:
        conn.close()
        raise
    return conn


def http_answers(host: str, port: int, protocol: str = "", timeout: float = 10.0):
    """``None`` when httpd at ``host:port`` answers an HTTP request, else what went wrong."""
    where = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    try:
        conn = _connect(host, port, timeout)
    except OSError as exc:
        return f"no HTTP answer on {where}: {exc.strerror or exc}"
    try:
        if protocol == "https" or (not protocol and port == 443):
            import socket
            import ssl

            conn = socket.socket(fileno=conn.detach())
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
            conn = context.wrap_socket(conn, server_hostname=None)
        name = f"[{host}]" if ":" in host else host
        conn.sendall(f"GET / HTTP/1.0\r\nHost: {name}\r\nUser-Agent: zigha-httpd status\r\n"
                     "Connection: close\r\n\r\n".encode())
        head = b""
        while b"\n" not in head and len(head) < 256:
            chunk = conn.recv(256)
            if not chunk:
                break
            head += chunk
    except OSError as exc:
        return f"no HTTP answer on {where}: {exc}"
    finally:
        conn.close()
    status = head.split(b"\n", 1)[0].split()
    if len(status) >= 2 and status[0].startswith(b"HTTP/") and status[1].isdigit():
        return None
    return f"no HTTP answer on {where}: got {head[:40]!r}"
