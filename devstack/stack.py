"""The seven Agora processes (six gRPC services and the gateway) started as one stack."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from devstack import processes
from devstack.processes import SERVICES, Child


@dataclass
class StackConfig:
    mongo_uri: str
    nats_url: str
    redis_url: str
    log_dir: Path
    gateway_port: int
    grpc_ports: dict[str, int]
    metrics_ports: dict[str, int]
    extra_env: dict[str, str] = field(default_factory=dict)

    @classmethod
    def on_free_ports(cls, *, mongo_uri: str, nats_url: str, redis_url: str, log_dir: Path,
                      extra_env: dict[str, str] | None = None) -> StackConfig:
        return cls(
            mongo_uri=mongo_uri, nats_url=nats_url, redis_url=redis_url, log_dir=log_dir,
            gateway_port=processes.free_port(),
            grpc_ports={name: processes.free_port() for name in SERVICES},
            metrics_ports={name: processes.free_port() for name in (*SERVICES, "gateway")},
            extra_env=extra_env or {},
        )

    def address(self, service: str) -> str:
        return f"127.0.0.1:{self.grpc_ports[service]}"

    @property
    def gateway_url(self) -> str:
        return f"http://127.0.0.1:{self.gateway_port}"

    def env(self, name: str) -> dict[str, str]:
        env = {
            "MONGO_URI": self.mongo_uri,
            "NATS_URL": self.nats_url,
            "REDIS_URL": self.redis_url,
            "METRICS_PORT": str(self.metrics_ports[name]),
            **{f"{s.upper()}_ADDR": self.address(s) for s in SERVICES},
            **self.extra_env,
        }
        if name == "notifications":  # links in mails lead to the gateway
            env.setdefault("PUBLIC_URL", self.gateway_url)
        if name == "gateway":
            env["GATEWAY_PORT"] = str(self.gateway_port)
        else:
            env["GRPC_PORT"] = str(self.grpc_ports[name])
        return env


class Stack:
    def __init__(self, config: StackConfig) -> None:
        self.config = config
        self.children: dict[str, Child] = {}

    def start(self, timeout: float = 90.0) -> None:
        """Start every service, wait for each to be SERVING, then the gateway to be ready."""
        for name in SERVICES:
            self.start_service(name)
        for name in SERVICES:
            processes.wait_serving(self.children[name], self.config.address(name), timeout)
        self.start_service("gateway")
        self.children["gateway"].wait_port(timeout)
        self.wait_ready(timeout)

    def start_service(self, name: str) -> Child:
        child = processes.service(name, self.config.env(name), self.config.log_dir).start()
        self.children[name] = child
        return child

    def wait_ready(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        last = ""
        while time.monotonic() < deadline:
            try:
                reply = httpx.get(f"{self.config.gateway_url}/readyz", timeout=3.0)
                if reply.status_code == 200:
                    return
                last = reply.text
            except httpx.HTTPError as error:
                last = repr(error)
            time.sleep(0.2)
        raise TimeoutError(f"gateway not ready after {timeout}s: {last}")

    def stop(self) -> dict[str, int | None]:
        """Gateway first (no new requests), then all services at once; their exit codes."""
        codes = {}
        if "gateway" in self.children:
            codes["gateway"] = self.children["gateway"].stop()
        services = [child for name, child in self.children.items() if name != "gateway"]
        for child in services:
            child.terminate()
        for child in services:
            codes[child.name] = child.stop()
        return codes
