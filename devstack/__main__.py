"""`make run`: the whole of Agora on this machine, with data kept under .data/.

Starts NATS (JetStream), SecantusDB and Redis of its own (the Redis at REDIS_URL instead
when that is set), then the five services and the gateway; waits until all are
healthy, seeds a demo consultation into an empty store, prints the URLs, and stops
everything on Ctrl-C.
"""

from __future__ import annotations

import os
import signal
import sys
import time
from collections.abc import Mapping
from pathlib import Path

import httpx
import redis

from devstack import processes
from devstack.demo import seed_if_empty
from devstack.processes import SERVICES, Child
from devstack.stack import Stack, StackConfig

DATA = processes.ROOT / ".data"


def say(message: str) -> None:
    print(f"[agora] {message}", flush=True)


def redis_answers(url: str) -> bool:
    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=0.5).ping())
    except (redis.RedisError, OSError):
        return False


def taken(child: Child) -> None:
    """Stop, naming the variable to change, when something already listens on child's port
    (using it would mix another project's data with ours)."""
    if processes.port_open(child.port or 0):
        variable = f"AGORA_DEV_{child.name.upper().replace('MONGODB', 'MONGO')}_PORT"
        sys.exit(f"port {child.port} is taken; set {variable} to another")


def own_redis(env: Mapping[str, str], data: Path, log_dir: Path) -> tuple[str, Child | None]:
    """The Redis `make run` uses: the one at REDIS_URL when that is set (it must answer),
    else one of its own, started on AGORA_DEV_REDIS_PORT with its data in data/redis. A
    Redis that merely happens to answer on 6379 belongs to someone else and is not used."""
    if url := env.get("REDIS_URL"):
        if not redis_answers(url):
            sys.exit(f"Redis at REDIS_URL={url} does not answer; start it, or unset "
                     "REDIS_URL and make run starts its own")
        say(f"using the Redis at REDIS_URL={url}")
        return url, None
    port = int(env.get("AGORA_DEV_REDIS_PORT", "6479"))
    try:
        child = processes.redis(port, log_dir, data / "redis")
    except FileNotFoundError:
        sys.exit("Redis is not installed. Install it with:\n"
                 "  sudo apt-get install redis-server   (Debian/Ubuntu)\n"
                 "  brew install redis                  (macOS)\n"
                 "or point REDIS_URL at a running Redis.")
    taken(child)
    return f"redis://127.0.0.1:{port}/0", child.start()


def main() -> None:
    started = time.monotonic()
    logs = DATA / "logs"
    nats_port = int(os.environ.get("AGORA_DEV_NATS_PORT", "4322"))
    mongo_port = int(os.environ.get("AGORA_DEV_MONGO_PORT", "27117"))
    infra: list[Child] = []
    stack: Stack | None = None
    interrupted = False

    def on_signal(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    # Installed explicitly: a shell starting us in the background would leave SIGINT ignored.
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    try:
        for child in (processes.nats(nats_port, DATA / "nats", logs),
                      processes.secantus(mongo_port, str(DATA / "mongodb"), logs)):
            taken(child)
            infra.append(child.start())
        mail_env: dict[str, str] = {}
        if "SMTP_HOST" not in os.environ:  # notification mails stay on this machine
            smtp_port = int(os.environ.get("AGORA_DEV_SMTP_PORT", "1025"))
            smtp_child = processes.smtp(smtp_port, DATA / "notification-mail", logs)
            taken(smtp_child)
            infra.append(smtp_child.start())
            mail_env = {"SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(smtp_port),
                        "SMTP_TLS": "none"}
        redis_url, redis_child = own_redis(os.environ, DATA, logs)
        if redis_child is not None:
            infra.append(redis_child)
        for child in infra:
            child.wait_port()
        say(f"NATS on {nats_port}, SecantusDB on {mongo_port}"
            + (f", Redis on {redis_child.port}" if redis_child else "") + f" (data in {DATA})")
        config = StackConfig(
            mongo_uri=f"mongodb://127.0.0.1:{mongo_port}/?directConnection=true",
            nats_url=f"nats://127.0.0.1:{nats_port}",
            redis_url=redis_url,
            log_dir=logs,
            gateway_port=int(os.environ.get("GATEWAY_PORT", "8080")),
            grpc_ports={name: 50051 + i for i, name in enumerate(SERVICES)},
            metrics_ports={name: 9101 + i for i, name in enumerate((*SERVICES, "gateway"))},
            extra_env=mail_env,
        )
        stack = Stack(config)
        stack.start()
        seeded = seed_if_empty(config.gateway_url)
        say(f"up in {time.monotonic() - started:.1f}s" + (" (demo data seeded)" if seeded else ""))
        say(f"web        {config.gateway_url}/")
        say(f"API        {config.gateway_url}/v1/consultations")
        say(f"API docs   {config.gateway_url}/docs")
        say(f"readiness  {config.gateway_url}/readyz")
        for name in SERVICES:
            say(f"{name:<12}gRPC {config.address(name)}  "
                f"metrics http://127.0.0.1:{config.metrics_ports[name]}/metrics")
        say(f"logs in {logs}; Ctrl-C stops everything")
        while all(child.running for child in [*infra, *stack.children.values()]):
            time.sleep(0.5)
        dead = [c.name for c in [*infra, *stack.children.values()] if not c.running]
        say(f"{', '.join(dead)} stopped unexpectedly; see {logs}")
    except KeyboardInterrupt:
        interrupted = True
    except (TimeoutError, RuntimeError, httpx.HTTPError) as error:
        say(f"start-up failed: {error}")
    finally:
        say("stopping ...")
        stopping = time.monotonic()
        if stack is not None:
            stack.stop()
        for child in infra:
            child.terminate()
        for child in infra:
            child.stop()
        say(f"stopped in {time.monotonic() - stopping:.1f}s")
    sys.exit(0 if interrupted else 1)


if __name__ == "__main__":
    main()
