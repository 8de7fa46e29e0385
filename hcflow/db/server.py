"""The local MongoDB wire-protocol server that ``hcflow db start`` runs.

hcflow runs SecantusDB (a MongoDB wire-protocol server, GPL-2.0) as a
*separate process* through its console script ``secantusd-py``; it is never
imported, and everything else talks to it with pymongo/maggma as to mongod.
Two server processes must never open one storage folder (WiredTiger corrupts
it): ``start_server`` takes an exclusive ``flock`` on
``<data_dir>/db/server.lock`` and hands that open file to the server, so the
lock lives exactly as long as the server does; a second start finds the lock
taken and reports the running server. A signal goes only to a process that
:func:`hcflow.db.processes.is_our_server` recognises. The server runs with
authentication (:mod:`hcflow.credentials`), in a 0700 folder, with an
explicit config file and ``--sync-on-commit`` (acknowledged writes survive
``kill -9``).
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

from hcflow.credentials import (
    mask_secrets,
    new_credentials,
    read_credentials,
    write_credentials,
)
from hcflow.db.processes import (
    SERVER_SCRIPT,
    alive,
    is_our_server,
    lock_taken,
    port_open,
    starter_lock,
)
from hcflow.errors import HcflowError


@dataclass
class ServerInfo:
    """Where a local server runs and where its files are."""

    pid: int
    host: str
    port: int
    storage: str
    log: str
    started: float
    auth: bool = False

    @property
    def uri(self) -> str:
        return f"mongodb://{self.host}:{self.port}"


def _paths(data_dir: Path) -> tuple[Path, Path, Path, Path]:
    db_dir = Path(data_dir).resolve() / "db"
    return db_dir, db_dir / "server.pid", db_dir / "server.lock", db_dir / "server.log"


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def server_status(data_dir: Path) -> ServerInfo | None:
    """The running server for ``data_dir``, or None when none runs.

    A server counts as running only when the PID file names a process that is
    our server on this folder (command line) and the folder lock is held. A
    PID file naming a dead or an unrelated process is removed.
    """
    db_dir, pid_path, lock_path, _ = _paths(data_dir)
    if not pid_path.exists():
        if lock_taken(lock_path):
            raise HcflowError(
                f"a server holds {lock_path} but its PID file is gone; "
                "stop it by hand (fuser -k that file) before starting another"
            )
        return None
    try:
        info = ServerInfo(**json.loads(pid_path.read_text()))
    except (ValueError, TypeError):
        info = None
    if info is not None and is_our_server(info.pid, db_dir / "storage"):
        if lock_taken(lock_path):
            return info
    if lock_taken(lock_path):
        raise HcflowError(
            f"PID file {pid_path} does not name the server that holds {lock_path}; "
            "stop that server by hand (fuser -k the lock file)"
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


def _private_dirs(data_dir: Path, db_dir: Path) -> None:
    """Create the data folder (0700 when new) and make ``db/`` private (0700)."""
    data_dir = Path(data_dir)
    if not data_dir.exists():  # two starters may race here: exist_ok
        data_dir.mkdir(parents=True, mode=0o700, exist_ok=True)
    db_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.chmod(db_dir, 0o700)
    config = db_dir / "secantusd.toml"
    if not config.exists():
        # an explicit (empty) config file: the server then ignores any
        # secantusd.toml in the current folder or the home folder
        config.write_text("# hcflow passes every setting on the command line\n")


def _spawn(
    db_dir: Path,
    host: str,
    port: int,
    lock_fh,
    log_path: Path,
    auth: bool,
    sync_on_commit: bool,
    extra: tuple[str, ...] | list[str] = (),
) -> subprocess.Popen:
    cmd = [
        _server_command(),
        "--config",
        str(db_dir / "secantusd.toml"),
        "--host",
        host,
        "--port",
        str(port),
        "--storage-path",
        str(db_dir / "storage"),
    ]
    if auth:
        cmd.append("--auth")
    if sync_on_commit:
        cmd.append("--sync-on-commit")
    cmd += list(extra)
    log_fd = os.open(log_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        return subprocess.Popen(
            cmd,
            stdout=log_fd,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            pass_fds=(lock_fh.fileno(),),
            start_new_session=True,
            umask=0o077,
        )
    finally:
        os.close(log_fd)


def _wait_ready(
    proc: subprocess.Popen,
    host: str,
    port: int,
    timeout: float,
    log_path: Path,
    storage: Path,
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            tail = log_path.read_text(errors="replace").strip().splitlines()[-1:]
            raise HcflowError(f"database server exited at start: {' '.join(tail)}")
        if port_open(host, port):
            return
        time.sleep(0.1)
    _kill(proc.pid, Path(storage))
    raise HcflowError(f"database server did not answer on {host}:{port} in {timeout}s")


def _provision_user(
    data_dir: Path, db_dir: Path, lock_fh, log_path: Path, timeout: float
) -> None:
    """Create (or reset) the server's user and store its credentials.

    SecantusDB provisions users through ``createUser`` on a server running
    without ``--auth``. That server listens on 127.0.0.1 on a random free port
    and requires a client certificate from a CA made for this one start
    (:mod:`hcflow.db.tls`, keys in a 0700 folder, deleted afterwards): no other
    process completes the TLS handshake, so none can send it a command. When
    the credentials file was lost, the existing user gets a new password
    (``updateUser``).
    """
    from hcflow.db.tls import make_provision_certs

    creds = new_credentials()
    host, port = "127.0.0.1", free_port()
    tls_dir = db_dir / "provision-tls"
    try:
        certs = make_provision_certs(tls_dir)
        proc = _spawn(
            db_dir, host, port, lock_fh, log_path, False, True, certs.server_args()
        )
        try:
            _create_user(proc, host, port, timeout, log_path, db_dir, certs, creds)
        finally:
            _kill(proc.pid, db_dir / "storage")
            proc.wait()
    finally:
        shutil.rmtree(tls_dir, ignore_errors=True)
    write_credentials(data_dir, creds)


def _create_user(proc, host, port, timeout, log_path, db_dir, certs, creds) -> None:
    """``createUser`` (or ``updateUser``) through the provisioning server."""
    from pymongo import MongoClient
    from pymongo.errors import PyMongoError

    _wait_ready(proc, host, port, timeout, log_path, db_dir / "storage")
    client = MongoClient(
        host,
        port,
        serverSelectionTimeoutMS=int(max(timeout, 5.0) * 1000),
        **certs.client_kwargs(),
    )
    try:
        admin = client[creds.auth_source]
        known = admin.command("usersInfo", creds.username)["users"]
        verb = "updateUser" if known else "createUser"
        roles = [{"role": "root", "db": creds.auth_source}]
        admin.command(verb, creds.username, pwd=creds.password, roles=roles)
    except PyMongoError as exc:
        msg = mask_secrets(str(exc).splitlines()[0][:160], creds.password)
        raise HcflowError(f"could not create the database user: {msg}") from None
    finally:
        client.close()


def start_server(
    data_dir: Path,
    host: str = "127.0.0.1",
    port: int = 27217,
    timeout: float = 30.0,
    *,
    auth: bool = True,
    sync_on_commit: bool = True,
) -> tuple[ServerInfo, bool]:
    """Start the local server on ``data_dir`` unless one runs already.

    Parameters
    ----------
    data_dir
        The data folder; the server's files go to ``<data_dir>/db`` (0700).
    host, port
        Where the server listens.
    timeout
        Seconds to wait for the server to answer.
    auth
        Require authentication. The first start with authentication creates a
        user and stores its credentials in ``<data_dir>/db/credentials.json``
        (0600); clients read them through :attr:`Settings.uri`.
    sync_on_commit
        Make every acknowledged write durable (the journal is flushed to disk
        before the server answers), so a killed server loses no acknowledged
        write (see ``benchmarks/bench_durability.py``).

    Returns
    -------
    (info, started)
        ``started`` is False when a server for this folder was already running.
    """
    db_dir = _paths(data_dir)[0]
    _private_dirs(data_dir, db_dir)
    (db_dir / "storage").mkdir(exist_ok=True)
    # one starter at a time: the others wait here, then find it running
    with starter_lock(db_dir, timeout):
        running = server_status(data_dir)
        if running is not None:
            return running, False
        return _start(data_dir, host, port, timeout, auth, sync_on_commit), True


def _start(
    data_dir: Path, host: str, port: int, timeout: float, auth: bool, sync: bool
) -> ServerInfo:
    """Start the server (the caller holds the starter lock)."""
    db_dir, pid_path, lock_path, log_path = _paths(data_dir)
    if port_open(host, port):
        raise HcflowError(
            f"port {port} on {host} is in use by another program; "
            "set HCFLOW_DB_PORT to a free port"
        )
    lock_fh = open(lock_path, "a+")
    try:
        try:
            fcntl.flock(lock_fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise HcflowError(
                f"another server already uses {db_dir / 'storage'}; "
                "refusing to open it twice"
            ) from None
        if auth and read_credentials(data_dir) is None:
            _provision_user(data_dir, db_dir, lock_fh, log_path, timeout)
        proc = _spawn(db_dir, host, port, lock_fh, log_path, auth, sync)
    finally:
        lock_fh.close()  # the server process keeps the lock
    info = ServerInfo(
        pid=proc.pid,
        host=host,
        port=port,
        storage=str(db_dir / "storage"),
        log=str(log_path),
        started=time.time(),
        auth=auth,
    )
    pid_path.write_text(json.dumps(asdict(info)))
    try:
        _wait_ready(proc, host, port, timeout, log_path, db_dir / "storage")
    except HcflowError:
        pid_path.unlink(missing_ok=True)
        raise
    return info


def _kill(pid: int, storage: Path, timeout: float = 15.0) -> None:
    """SIGTERM our server ``pid`` until it exits; SIGKILL after ``timeout``.

    Never signals a process that is not our server on ``storage``. SIGTERM is
    repeated every 3 s: SecantusDB 0.7 sometimes ignores a SIGTERM that arrives
    just after it opened its port (a second one ends it). With
    ``--sync-on-commit`` even the final SIGKILL loses no acknowledged write.
    """
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not is_our_server(pid, storage):
            return
        os.kill(pid, signal.SIGTERM)
        retry = time.monotonic() + 3.0
        while time.monotonic() < min(retry, deadline):
            try:
                if os.waitpid(pid, os.WNOHANG)[0] == pid:
                    return
            except ChildProcessError:
                pass
            if not alive(pid):
                return
            time.sleep(0.05)
    if is_our_server(pid, storage):
        os.kill(pid, signal.SIGKILL)


def stop_server(data_dir: Path) -> ServerInfo | None:
    """Stop the local server of ``data_dir``; returns what was stopped or None.

    The signal goes only to a process verified to be our server on this folder
    (:func:`server_status`); a stale PID file naming anything else is removed.
    """
    info = server_status(data_dir)
    if info is None:
        return None
    db_dir, pid_path, lock_path, _ = _paths(data_dir)
    _kill(info.pid, db_dir / "storage")
    _wait_unlocked(lock_path)
    pid_path.unlink(missing_ok=True)
    return info


def _wait_unlocked(lock_path: Path, timeout: float = 10.0) -> None:
    """Wait until the folder lock is free (the server's files are closed)."""
    deadline = time.monotonic() + timeout
    while lock_taken(lock_path) and time.monotonic() < deadline:
        time.sleep(0.05)
