"""Crash-safe, conflict-safe saving of cluster.conf.

:func:`save` guarantees:

* **never torn**: the new text goes to a temporary file in the same directory, is
  flushed and fsync'd, then renamed over the target (atomic on POSIX), and the
  directory is fsync'd.  A process killed at any point leaves the old complete file
  or the new complete file (at worst plus a stray ``.cluster.conf.tmp*``, which the
  next save removes);
* **no lost update**: an exclusive ``flock`` on ``.cluster.conf.lock`` (beside the
  file) serialises savers, and under that lock the file's current SHA-256 is
  compared with the hash taken when it was loaded.  If another editor saved in
  between, :class:`~zigha.errors.SaveConflictError` is raised and nothing is
  written: reload, re-apply the edit, save again.  config_version alone cannot
  detect this (two editors would both write N+1);
* **never invalid**: the document is validated first (schema + semantic errors);
  errors raise :class:`~zigha.errors.ValidationError` unless ``force=True``;
* **backup**: the previous file is kept as ``cluster.conf.bak`` (a hard link to the
  old inode, so making it costs no copy and cannot be torn either).
"""

from __future__ import annotations

import errno
import fcntl
import os
import tempfile
import time
from typing import Any

from zigha.errors import ConfigError, SaveConflictError, ValidationError

LOCK_TIMEOUT = 30.0
NEW_FILE_MODE = 0o640


def lock_path(target: str) -> str:
    directory, base = os.path.split(os.path.abspath(target))
    return os.path.join(directory, f".{base}.lock")


def backup_path(target: str) -> str:
    return target + ".bak"


class FileLock:
    """An exclusive flock on the lock file beside ``target`` (released on process death)."""

    def __init__(self, target: str, timeout: float = LOCK_TIMEOUT) -> None:
        self.path = lock_path(target)
        self.timeout = timeout
        self.fd: int | None = None

    def __enter__(self) -> FileLock:
        try:
            self.fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        except OSError as exc:
            raise ConfigError(f"cannot create the lock file: {exc.strerror}", file=self.path) from exc
        deadline = time.monotonic() + self.timeout
        while True:
            try:
                fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return self
            except OSError as exc:
                if exc.errno not in (errno.EAGAIN, errno.EACCES):
                    raise
            if time.monotonic() >= deadline:
                os.close(self.fd)
                self.fd = None
                raise ConfigError(f"another editor holds the lock for {self.timeout:g} s",
                                  file=self.path, hint="retry when it has finished")
            time.sleep(0.01)

    def __exit__(self, *exc: Any) -> None:
        if self.fd is not None:
            fcntl.flock(self.fd, fcntl.LOCK_UN)
            os.close(self.fd)
            self.fd = None


def _read(target: str) -> bytes | None:
    try:
        with open(target, "rb") as handle:
            return handle.read()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise ConfigError(f"cannot read: {exc.strerror or exc}", file=target) from exc


def _fsync_dir(directory: str) -> None:
    fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def keep_backup(target: str) -> None:
    """Make ``target.bak`` point at the current file (atomically replaced)."""
    directory = os.path.dirname(os.path.abspath(target))
    temp = tempfile.mktemp(prefix=f".{os.path.basename(target)}.bak", dir=directory)
    try:
        os.link(target, temp)
    except OSError:  # filesystems without hard links: copy instead
        with open(target, "rb") as src, open(temp, "wb") as dst:
            dst.write(src.read())
            dst.flush()
            os.fsync(dst.fileno())
    os.replace(temp, backup_path(target))
    # rename() between two links of one inode succeeds without doing anything (POSIX),
    # which happens when the backup already is the current file (a save killed earlier)
    if os.path.lexists(temp):
        os.unlink(temp)


def remove_stale_temporaries(target: str) -> list:
    """Delete temporary files a killed saver left behind.  Call it only under the lock:
    temporaries exist only while their writer holds it, so any found then are dead."""
    directory, base = os.path.split(os.path.abspath(target))
    removed = []
    for entry in os.listdir(directory):
        if entry.startswith((f".{base}.tmp", f".{base}.bak")):
            try:
                os.unlink(os.path.join(directory, entry))
                removed.append(entry)
            except FileNotFoundError:
                pass
    return removed


def write_atomically(target: str, data: bytes) -> None:
    """Write ``data`` to ``target`` via temp file + fsync + rename + directory fsync."""
    directory = os.path.dirname(os.path.abspath(target))
    try:
        mode = os.stat(target).st_mode & 0o7777
        owner: tuple | None = (os.stat(target).st_uid, os.stat(target).st_gid)
    except FileNotFoundError:
        mode, owner = NEW_FILE_MODE, None
    fd, temp = tempfile.mkstemp(prefix=f".{os.path.basename(target)}.tmp", dir=directory)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fchmod(handle.fileno(), mode)
            if owner is not None and hasattr(os, "fchown"):
                try:
                    os.fchown(handle.fileno(), *owner)
                except PermissionError:
                    pass
            os.fsync(handle.fileno())
        os.replace(temp, target)
    except BaseException:
        try:
            os.unlink(temp)
        except OSError:
            pass
        raise
    _fsync_dir(directory)


def save(conf: Any, path: Any = None, *, schema: Any = None, bump: bool = True,
         backup: bool = True, force: bool = False, lock_timeout: float = LOCK_TIMEOUT) -> str:
    """Validate, bump config_version by one, and write ``conf`` to ``path`` (default:
    the file it was loaded from).  See the module docstring for the guarantees."""
    from zigha.conf.facade import content_hash

    target = os.fspath(path) if path is not None else conf.path
    if target is None:
        raise ConfigError("this config was not loaded from a file: give save() a path")
    loaded_from_target = conf.path is not None and os.path.abspath(conf.path) == os.path.abspath(target)

    old_version = conf.root.get("config_version")
    if bump:
        conf.root.set("config_version", str(conf.config_version + 1))
        conf.touch()
    try:
        findings = conf.validate(schema)
        errors = [f for f in findings if f.is_error]
        if errors and not force:
            raise ValidationError(
                f"not saved: {len(errors)} error(s), first: {errors[0].message}",
                errors, file=target, line=errors[0].line, path=errors[0].path,
            )
        data = conf.to_bytes()
        with FileLock(target, lock_timeout):
            remove_stale_temporaries(target)
            current = _read(target)
            if loaded_from_target:
                if current is None or content_hash(current) != conf.loaded_hash:
                    raise SaveConflictError(
                        "the file changed on disk since it was loaded; not overwriting it",
                        file=target, hint="reload it, apply the change again and save",
                    )
            if current is not None and backup:
                keep_backup(target)
            write_atomically(target, data)
    except BaseException:
        if bump:
            if old_version is None:
                conf.root.attrib.pop("config_version", None)
            else:
                conf.root.set("config_version", old_version)
            conf.touch()
        raise
    conf.path = target
    conf.loaded_hash = content_hash(data)
    conf.loaded_version = conf.config_version
    return target
