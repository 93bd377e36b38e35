"""Real servers for the suite: SecantusDB, NATS and Redis on free ports, started here.

Nothing left running on the machine is used. Session-scoped servers are shared; tests
that stop or kill a server start their own.
"""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import nats
import pytest
from nats.aio.client import Client as NatsClient
from pymongo import AsyncMongoClient

from devstack import processes
from devstack.processes import Child
from devstack.stack import Stack, StackConfig
from tests.mailbox import Mailbox

# The end of a run. gRPC's asyncio layer (its poller thread and the channels of the
# in-process services some tests start) crashed the interpreter in native code while the
# session's event loop was being closed, after every test had passed (a segfault, once
# in CI and once in four full rehearsals, never in a test). The loop is therefore left
# open, and the process ends with os._exit once pytest has reported everything and chosen
# its exit status: no native teardown runs, and the status is pytest's own (5 for "no
# tests ran" included).
# The servers the suite started are still stopped by their fixtures before that.
_exit_status: list[int] = []


@pytest.fixture(scope="session", autouse=True)
def _session_loop_left_open(_session_scoped_runner: asyncio.Runner) -> Iterator[None]:
    yield
    _session_scoped_runner.close = lambda: None  # type: ignore[method-assign]


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    _exit_status.append(int(exitstatus))


@pytest.hookimpl(trylast=True)
def pytest_unconfigure(config: pytest.Config) -> None:
    if _exit_status:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(_exit_status[-1])


@pytest.fixture(scope="session")
def work_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("agora")


@pytest.fixture(scope="session")
def mongo_server(work_dir: Path) -> Iterator[Child]:
    child = processes.secantus(processes.free_port(), ":memory:", work_dir / "logs").start()
    child.wait_port(60)
    yield child
    child.stop()


@pytest.fixture(scope="session")
def mongo_uri(mongo_server: Child) -> str:
    return f"mongodb://127.0.0.1:{mongo_server.port}/?directConnection=true"


@pytest.fixture(scope="session")
def nats_server(work_dir: Path) -> Iterator[Child]:
    child = processes.nats(processes.free_port(), work_dir / "nats", work_dir / "logs").start()
    child.wait_port()
    yield child
    child.stop()


@pytest.fixture(scope="session")
def nats_url(nats_server: Child) -> str:
    return f"nats://127.0.0.1:{nats_server.port}"


@pytest.fixture(scope="session")
def redis_server(work_dir: Path) -> Iterator[Child]:
    child = processes.redis(processes.free_port(), work_dir / "logs").start()
    child.wait_port()
    yield child
    child.stop()


@pytest.fixture(scope="session")
def redis_url(redis_server: Child) -> str:
    return f"redis://127.0.0.1:{redis_server.port}/0"


@pytest.fixture(scope="session")
def libretranslate(work_dir: Path) -> Iterator[Child]:
    """The stack's machine translation: a LibreTranslate-protocol server (test-only)."""
    port = processes.free_port()
    child = Child("libretranslate", [sys.executable, "-m", "tests.translation.fake_libretranslate",
                                     str(port)], work_dir / "logs" / "libretranslate.log",
                  port=port).start()
    child.wait_port()
    yield child
    child.stop()


@pytest.fixture(scope="session")
def mailbox() -> Iterator[Mailbox]:
    """A real SMTP server the notifications service mails to; tests read what arrived."""
    box = Mailbox().start()
    yield box
    box.stop()


@pytest.fixture(scope="session")
def stack(mongo_uri: str, nats_url: str, redis_url: str, work_dir: Path,
          libretranslate: Child, mailbox: Mailbox) -> Iterator[Stack]:
    """All seven Agora processes, as `make run` starts them, on free ports."""
    config = StackConfig.on_free_ports(
        mongo_uri=mongo_uri, nats_url=nats_url, redis_url=redis_url,
        log_dir=work_dir / "stack-logs",
        extra_env={"AGORA_ENV": "test",
                   "MAIL_DIR": str(work_dir / "mail"), "REGISTRATIONS_PER_IP_PER_HOUR": "10000",
                   # Tests share a few accounts for many writes; the limit has its own test.
                   "WRITE_RATE_PER_MINUTE": "100000",
                   # Full pages settle at once (production: 60 s), so tests see it happen.
                   "READ_CACHE_STABLE_SECONDS": "0",
                   "SIGNING_KEY_PASSPHRASE": "test-only passphrase for signing keys",
                   # Schedulers tick fast so their tests wait seconds, not minutes.
                   "PHASE_ANNOUNCE_SECONDS": "1", "PARTICIPATION_FLUSH_SECONDS": "2",
                   "CLOSE_RESUME_SECONDS": "1",
                   # A deliverable job whose process died is taken over within seconds.
                   "DELIVERABLE_LEASE_SECONDS": "2", "DELIVERABLE_RESUME_SECONDS": "1",
                   "TRANSLATION_PROVIDER": "libretranslate",
                   "LIBRETRANSLATE_URL": f"http://127.0.0.1:{libretranslate.port}",
                   # Notification mails go to the tests' SMTP server; a "day" of digests
                   # lasts 4 s and its job looks every half second.
                   "SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(mailbox.port),
                   "SMTP_TLS": "none", "DIGEST_DAY_SECONDS": "4",
                   "DIGEST_CHECK_SECONDS": "0.5", "MAIL_POLL_SECONDS": "0.2",
                   # Timed notices looked for twice a second; the moderation queue told
                   # at most once per 3 s (production: an hour) so grouping shows.
                   "TIMED_CHECK_SECONDS": "0.5", "MODERATION_ALERT_SECONDS": "3"},
    )
    running = Stack(config)
    try:
        running.start()
    except Exception:
        running.stop()
        raise
    yield running
    running.stop()


@pytest.fixture
async def api(stack: Stack) -> AsyncIterator[httpx.AsyncClient]:
    # The longest the gateway itself waits (a vote close, CLOSE_TIMEOUT_SECONDS = 60) and a
    # margin: a client giving up first turns a slow answer on a loaded machine into a
    # failure the API never gave (closing 2,048 gates took over 15 s at load average 11).
    async with httpx.AsyncClient(base_url=stack.config.gateway_url, timeout=65.0) as client:
        yield client


@pytest.fixture
async def mongo(mongo_uri: str) -> AsyncIterator[AsyncMongoClient[dict[str, object]]]:
    client: AsyncMongoClient[dict[str, object]] = AsyncMongoClient(mongo_uri, tz_aware=True)
    yield client
    await client.close()


@pytest.fixture
async def nc(nats_url: str) -> AsyncIterator[NatsClient]:
    client = await nats.connect(nats_url)
    yield client
    await client.close()
