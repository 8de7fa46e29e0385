"""The local MongoDB wire-protocol server that ``hcflow db start`` runs.

hcflow runs SecantusDB (a MongoDB wire-protocol server on WiredTiger, GPL-2.0)
as a *separate process* through its console script ``secantusd-py``; it is never
imported. Everything else talks to it with pymongo/maggma, exactly as to mongod.

Guarding the user's data: two server processes must never open one storage
folder (WiredTiger panics and corrupts it). ``start_server`` takes an exclusive
``flock`` on ``<data_dir>/db/server.lock`` and hands that open file to the server
process, so the lock lives exactly as long as the server does, even if the PID
file is lost or the CLI that started it is gone. A second start on the same
folder finds the lock taken and reports the running server instead.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from hcflow.errors import HcflowError

SERVER_SCRIPT = "secantusd-py"


@dataclass
class ServerInfo:
    """Where a local server runs and where its files are."""

    pid: int
    host: str
    port: int
    storage: str
    log: str
    started: float

    @property
    def uri(self) -> str:
        return f"mongodb://{self.host}:{self.port}"


def _paths(data_dir: Path) -> tuple[Path, Path, Path, Path]:
    db_dir = Path(data_dir).resolve() / "db"
    return db_dir, db_dir / "server.pid", db_dir / "server.lock", db_dir / "server.log"


def _alive(pid: int) -> bool:
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


def _lock_taken(lock_path: Path) -> bool:
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


def _port_open(host: str, port: int, timeout: float = 0.2) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(timeout)
        return sock.connect_ex((host, port)) == 0


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def server_status(data_dir: Path) -> ServerInfo | None:
    """The running server for ``data_dir``, or None when none runs."""
    _, pid_path, lock_path, _ = _paths(data_dir)
    if not pid_path.exists():
        if _lock_taken(lock_path):
            raise HcflowError(
                f"a server holds {lock_path} but its PID file is gone; "
                "stop it by hand (fuser -k that file) before starting another"
            )
        return None
    try:
        info = ServerInfo(**json.loads(pid_path.read_text()))
    except (ValueError, TypeError):
        pid_path.unlink(missing_ok=True)
        return None
    if _alive(info.pid):
        return info
    if _lock_taken(lock_path):
        raise HcflowError(
            f"PID file {pid_path} names a dead process but the folder lock is held"
        )
    pid_path.unlink(missing_ok=True)
    return None


def _server_command() -> str:
    exe = Path(sys.executable).parent / SERVER_SCRIPT
    if exe.exists():
        return str(exe)
    found = shutil.which(SERVER_SCRIPT)
    if not found:
        raise HcflowError(
            f"{SERVER_SCRIPT} not found: install SecantusDB (pip install secantusdb)"
        )
    return found


def start_server(
    data_dir: Path, host: str = "127.0.0.1", port: int = 27217, timeout: float = 30.0
) -> tuple[ServerInfo, bool]:
    """Start the local server on ``data_dir`` unless one runs already.

    Returns
    -------
    (info, started)
        ``started`` is False when a server for this folder was already running.
    """
    running = server_status(data_dir)
    if running is not None:
        return running, False
    db_dir, pid_path, lock_path, log_path = _paths(data_dir)
    storage = db_dir / "storage"
    storage.mkdir(parents=True, exist_ok=True)
    if _port_open(host, port):
        raise HcflowError(
            f"port {port} on {host} is in use by another program; "
            "set HCFLOW_DB_PORT to a free port"
        )
    lock_fh = open(lock_path, "a+")
    try:
        fcntl.flock(lock_fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        lock_fh.close()
        raise HcflowError(
            f"another server already uses {storage}; refusing to open it twice"
        ) from None
    cmd = [
        _server_command(),
        "--host",
        host,
        "--port",
        str(port),
        "--storage-path",
        str(storage),
    ]
    with open(log_path, "ab") as log:
        proc = subprocess.Popen(
            cmd,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            pass_fds=(lock_fh.fileno(),),
            start_new_session=True,
        )
    lock_fh.close()  # the server process keeps the lock
    info = ServerInfo(
        pid=proc.pid,
        host=host,
        port=port,
        storage=str(storage),
        log=str(log_path),
        started=time.time(),
    )
    pid_path.write_text(json.dumps(asdict(info)))
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pid_path.unlink(missing_ok=True)
            tail = log_path.read_text(errors="replace").strip().splitlines()[-1:]
            raise HcflowError(f"database server exited at start: {' '.join(tail)}")
        if _port_open(host, port):
            return info, True
        time.sleep(0.1)
    _kill(proc.pid)
    pid_path.unlink(missing_ok=True)
    raise HcflowError(f"database server did not answer on {host}:{port} in {timeout}s")


def _kill(pid: int, timeout: float = 15.0) -> None:
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if os.waitpid(pid, os.WNOHANG)[0] == pid:
                return
        except ChildProcessError:
            pass
        if not _alive(pid):
            return
        time.sleep(0.05)
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def stop_server(data_dir: Path) -> ServerInfo | None:
    """Stop the local server of ``data_dir``; returns what was stopped or None."""
    info = server_status(data_dir)
    if info is None:
        return None
    _kill(info.pid)
    _, pid_path, lock_path, _ = _paths(data_dir)
    _wait_unlocked(lock_path)
    pid_path.unlink(missing_ok=True)
    return info


def _wait_unlocked(lock_path: Path, timeout: float = 10.0) -> None:
    """Wait until the folder lock is free (the server's files are closed)."""
    deadline = time.monotonic() + timeout
    while _lock_taken(lock_path) and time.monotonic() < deadline:
        time.sleep(0.05)
