"""The local cluster the load tests run against: servers, services and N gateways.

Why not `devstack.Stack` alone: a benchmark needs several gateway replicas (the gateway
is stateless: its state is in Redis and the services), a NATS that keeps its stream on
disk across a kill, and a handle on every process to measure (CPU, memory) or to kill.
The services are started exactly as `make run` starts them (devstack.processes), one
process each; the gateways differ only in their HTTP and metrics ports.

Load is spread over the gateways by the clients themselves (client-side balancing:
each simulated participant keeps to one gateway, chosen by its number), so no proxy
process competes for the two cores. `gateway_urls` lists them.
"""

from __future__ import annotations

import dataclasses
import os
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from devstack import processes
from devstack.processes import SERVICES, Child
from devstack.stack import StackConfig

# Test mode (development tokens accepted) with the limits a benchmark of many accounts
# needs lifted: the limits have their own tests, and here they would only measure 429s.
BENCH_ENV = {
    "AGORA_ENV": "test", "LOG_LEVEL": "WARNING",
    "WRITE_RATE_PER_MINUTE": "100000", "REGISTRATIONS_PER_IP_PER_HOUR": "1000000",
    "IP_LOGIN_FAILURES_PER_HOUR": "1000000", "IP_LOGIN_FREE_FAILURES": "1000000",
    "SIGNING_KEY_PASSPHRASE": "load-test passphrase for signing keys",
}


@dataclass
class Cluster:
    """Everything one load run starts; `start` then `stop`."""

    work: Path
    gateways: int = 1
    extra_env: dict[str, str] = field(default_factory=dict)
    infra: dict[str, Child] = field(default_factory=dict)
    children: dict[str, Child] = field(default_factory=dict)
    config: StackConfig | None = None
    gateway_ports: list[int] = field(default_factory=list)

    @property
    def logs(self) -> Path:
        return self.work / "logs"

    @property
    def gateway_urls(self) -> list[str]:
        return [f"http://127.0.0.1:{port}" for port in self.gateway_ports]

    @property
    def mongo_uri(self) -> str:
        return f"mongodb://127.0.0.1:{self.infra['mongodb'].port}/?directConnection=true"

    def start(self, timeout: float = 120.0) -> Cluster:
        self.infra = {
            "mongodb": processes.secantus(processes.free_port(), ":memory:", self.logs),
            "nats": processes.nats(processes.free_port(), self.work / "nats", self.logs),
            "redis": processes.redis(processes.free_port(), self.logs),
        }
        for child in self.infra.values():
            child.start()
        for child in self.infra.values():
            child.wait_port(60)
        self.config = StackConfig.on_free_ports(
            mongo_uri=self.mongo_uri, nats_url=f"nats://127.0.0.1:{self.infra['nats'].port}",
            redis_url=f"redis://127.0.0.1:{self.infra['redis'].port}/0", log_dir=self.logs,
            extra_env={**BENCH_ENV, "MAIL_DIR": str(self.work / "mail"), **self.extra_env})
        self.gateway_ports = [self.config.gateway_port,
                              *(processes.free_port() for _ in range(self.gateways - 1))]
        for name in SERVICES:
            self.children[name] = self.service(name).start()
        for name in SERVICES:
            self.wait_serving(name, timeout)
        for i in range(self.gateways):
            self.children[self.gateway_name(i)] = self.gateway(i).start()
        for i in range(self.gateways):
            self.wait_gateway(i, timeout)
        return self

    @staticmethod
    def gateway_name(i: int) -> str:
        return "gateway" if i == 0 else f"gateway-{i + 1}"

    def service(self, name: str) -> Child:
        assert self.config is not None
        return processes.service(name, self.config.env(name), self.logs)

    def gateway(self, i: int) -> Child:
        """Gateway replica i: the first one is StackConfig's, the others copy its
        environment with their own HTTP and metrics ports."""
        assert self.config is not None
        env = self.config.env("gateway")
        if i:
            env = {**env, "GATEWAY_PORT": str(self.gateway_ports[i]),
                   "METRICS_PORT": str(processes.free_port())}
        name = self.gateway_name(i)
        return Child(name, [sys.executable, "-m", "services.gateway"],
                     self.logs / f"{name}.log", env=env, port=self.gateway_ports[i])

    def restart(self, name: str) -> Child:
        """Start `name` again (after a kill): a server on its old port and store, a
        service with its old environment."""
        old = self.infra.get(name) or self.children[name]
        new = dataclasses.replace(old, process=None).start()
        if name in self.infra:
            self.infra[name] = new
        else:
            self.children[name] = new
        return new

    def wait_serving(self, name: str, timeout: float = 60.0) -> None:
        assert self.config is not None
        processes.wait_serving(self.children[name], self.config.address(name), timeout)

    def wait_gateway(self, i: int, timeout: float = 60.0) -> None:
        child = self.children[self.gateway_name(i)]
        child.wait_port(timeout)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.gateway_urls[i]}/readyz", timeout=3).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise TimeoutError(f"{child.name} not ready after {timeout}s:\n{child.tail()}")

    def pids(self) -> dict[str, int]:
        """Every process of the cluster by name (for CPU and memory accounting)."""
        return {name: child.process.pid
                for name, child in [*self.infra.items(), *self.children.items()]
                if child.process is not None and child.running}

    def stop(self) -> None:
        gateways = [c for n, c in self.children.items() if n.startswith("gateway")]
        for child in gateways:
            child.terminate()
        for child in gateways:
            child.stop()
        rest = [c for n, c in self.children.items() if not n.startswith("gateway")]
        for child in [*rest, *self.infra.values()]:
            child.terminate()
        for child in [*rest, *self.infra.values()]:
            child.stop()


def temporary_work(prefix: str) -> Path:
    """A fresh folder for a run's logs and NATS store (kept: the logs explain failures)."""
    return Path(tempfile.mkdtemp(prefix=prefix, dir=os.environ.get("TMPDIR")))
