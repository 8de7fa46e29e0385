"""Process and lock checks of the local database server (no signals sent here).

A PID file is never trusted alone: :func:`is_our_server` requires a live
process whose command line runs the server script on the given storage
folder; :func:`lock_taken` tells whether a server holds a folder's lock;
:func:`starter_lock` lets one command start the server while the others wait.
"""

from __future__ import annotations

import fcntl
import os
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from hcflow.errors import HcflowError

SERVER_SCRIPT = "secantusd-py"


def alive(pid: int) -> bool:
    """True when ``pid`` is a live process (a zombie counts as dead)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # a zombie child of ours counts as dead
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().split(")")[-1].split()[0] != "Z"
    except OSError:
        return True


def lock_taken(lock_path: Path) -> bool:
    """True when another process (a running server) holds the folder lock."""
    if not lock_path.exists():
        return False
    with open(lock_path, "a+") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(fh, fcntl.LOCK_UN)
    return False


def port_open(host: str, port: int, timeout: float = 0.2) -> bool:
    """True when something accepts TCP connections on ``host:port``."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(timeout)
        return sock.connect_ex((host, port)) == 0


def cmdline(pid: int) -> list[str]:
    """The command line of a process ([] when it is gone or unreadable)."""
    if Path("/proc/self/cmdline").exists():
        try:
            raw = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            return []
        return [a.decode(errors="replace") for a in raw.split(b"\0") if a]
    try:  # no /proc (macOS): ask ps
        out = subprocess.run(
            ["ps", "-ww", "-o", "args=", "-p", str(pid)],
            capture_output=True,
            text=True,
            timeout=5,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return []
    return out.split()


def is_our_server(pid: int, storage: Path) -> bool:
    """True when ``pid`` is a live server process serving ``storage``.

    The PID file alone is not trusted: a stale one may name a process that has
    since been reused by something else. Before any signal, the process's
    command line must run ``secantusd-py`` with ``--storage-path <storage>``.
    """
    if pid <= 0 or not alive(pid):
        return False
    args = cmdline(pid)
    if not any(Path(a).name == SERVER_SCRIPT for a in args):
        return False
    try:
        i = args.index("--storage-path")
    except ValueError:
        return False
    return i + 1 < len(args) and Path(args[i + 1]) == Path(storage)


@contextmanager
def starter_lock(db_dir: Path, timeout: float) -> Iterator[None]:
    """Hold ``db/start.lock`` (waiting up to ``timeout`` for another starter)."""
    with open(db_dir / "start.lock", "a+") as fh:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise HcflowError(
                        f"another hcflow command has been starting the server on "
                        f"{db_dir} for over {timeout:.0f} s; try again"
                    ) from None
                time.sleep(0.1)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)
