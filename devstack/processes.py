"""Starting and stopping the real servers and the services as child processes.

Used by `make run` (fixed ports, data under .data/) and by the tests (free ports,
in-memory or temporary storage), so both exercise the same start-up path.
"""

from __future__ import annotations

import mailbox
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
SERVICES = ("identity", "threads", "voting", "translation", "synthesis", "notifications")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def port_open(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.2)
        return sock.connect_ex((host, port)) == 0


def executable(name: str) -> str:
    """A server binary from this virtualenv, else from PATH."""
    local = BIN / name
    if local.exists():
        return str(local)
    found = shutil.which(name)
    if found is None:
        raise FileNotFoundError(name)
    return found


@dataclass
class Child:
    """One child process with its log file; stops with SIGTERM, then SIGKILL."""

    name: str
    argv: list[str]
    log_path: Path
    env: dict[str, str] = field(default_factory=dict)
    port: int | None = None
    process: subprocess.Popen[bytes] | None = None

    def start(self) -> Child:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            self.argv, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT,
            env={**os.environ, **self.env}, start_new_session=True,
        )
        log.close()
        return self

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def wait_port(self, timeout: float = 30.0) -> Child:
        assert self.port is not None
        deadline = time.monotonic() + timeout
        while not port_open(self.port):
            if not self.running:
                raise RuntimeError(f"{self.name} exited; see {self.log_path}:\n{self.tail()}")
            if time.monotonic() > deadline:
                raise TimeoutError(f"{self.name} did not open port {self.port}")
            time.sleep(0.05)
        return self

    def terminate(self) -> None:
        """Ask the process to stop (SIGTERM) without waiting."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)

    def stop(self, timeout: float = 10.0) -> int | None:
        if self.process is None:
            return None
        if self.process.poll() is None:
            self.terminate()
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return self.process.returncode

    def pause(self) -> None:
        """SIGSTOP: the process keeps its sockets but answers nothing (a stalled server)."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        """SIGCONT after `pause`."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGCONT)

    def kill(self) -> None:
        """SIGKILL: a crash, no chance to clean up."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()

    def tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except FileNotFoundError:
            return ""


def nats(port: int, store_dir: Path, log_dir: Path) -> Child:
    store_dir.mkdir(parents=True, exist_ok=True)
    argv = [executable("nats-server"), "-js", "-sd", str(store_dir), "-a", "127.0.0.1",
            "-p", str(port)]
    return Child("nats", argv, log_dir / "nats.log", port=port)


def secantus(port: int, storage: str, log_dir: Path, *, cache_size: str | None = None) -> Child:
    """SecantusDB; storage is a directory, or ':memory:' for a throw-away store (held in
    its storage engine's cache, 1G unless `cache_size` says otherwise)."""
    argv = [executable("secantusd-py"), "--host", "127.0.0.1", "--port", str(port),
            "--storage-path", storage, "--log-level", "WARNING"]
    if cache_size is not None:
        argv += ["--cache-size", cache_size]
    return Child("mongodb", argv, log_dir / "mongodb.log", port=port)


def redis(port: int, log_dir: Path, data_dir: Path | None = None) -> Child:
    """Redis on port; with data_dir it snapshots there (Redis' default save points and a
    save at shutdown), without it keeps nothing (tests)."""
    argv = [executable("redis-server"), "--port", str(port), "--bind", "127.0.0.1",
            "--appendonly", "no"]
    if data_dir is None:
        argv += ["--save", ""]
    else:
        data_dir.mkdir(parents=True, exist_ok=True)
        argv += ["--dir", str(data_dir)]
    return Child("redis", argv, log_dir / "redis.log", port=port)


def smtp(port: int, maildir: Path, log_dir: Path) -> Child:
    """A local SMTP server (aiosmtpd) keeping every message it receives in a Maildir, so a
    developer reads the notification mails `make run` sends (nothing leaves the machine)."""
    mailbox.Maildir(maildir, create=True)  # tmp/, new/, cur/
    argv = [sys.executable, "-m", "aiosmtpd", "-n", "-l", f"127.0.0.1:{port}",
            "-c", "aiosmtpd.handlers.Mailbox", str(maildir)]
    return Child("smtp", argv, log_dir / "smtp.log", port=port)


def service(name: str, env: dict[str, str], log_dir: Path) -> Child:
    argv = [sys.executable, "-m", f"services.{name}"]
    port = int(env["GATEWAY_PORT"]) if name == "gateway" else int(env["GRPC_PORT"])
    return Child(name, argv, log_dir / f"{name}.log", env=env, port=port)


def health_status(address: str, timeout: float = 1.0) -> str:
    """The overall gRPC health status at address, or UNREACHABLE."""
    with grpc.insecure_channel(address) as channel:
        stub = health_pb2_grpc.HealthStub(channel)
        try:
            reply = stub.Check(health_pb2.HealthCheckRequest(service=""), timeout=timeout)
        except grpc.RpcError:
            return "UNREACHABLE"
        return str(health_pb2.HealthCheckResponse.ServingStatus.Name(reply.status))


def wait_serving(child: Child, address: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while health_status(address) != "SERVING":
        if not child.running:
            raise RuntimeError(f"{child.name} exited; see {child.log_path}:\n{child.tail()}")
        if time.monotonic() > deadline:
            raise TimeoutError(f"{child.name} not SERVING after {timeout}s:\n{child.tail()}")
        time.sleep(0.1)
