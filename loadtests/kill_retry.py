"""After a writer is killed mid-burst, how long until the retries of its in-flight writes
are acknowledged, and were they applied exactly once?

One run per writer, each against its own NATS and its own databases:

- `threads`: posts with idempotency keys, and reactions (one value per post and user);
- `voting`: ballots with idempotency keys (threads runs beside it, untouched);
- `identity`: role grants, one per account (a grant's retry that finds the role already
  held by its first attempt is acknowledged: the grant is in effect).

1. start the services, prepare what the writes need (a thread and posts to react to; an
   open vote session);
2. send a burst of `requests` writes, `concurrency` at a time, over gRPC (the gateway's
   path without its HTTP layer), and SIGKILL the writer once `kill_after` of them are
   acknowledged;
3. restart the writer, wait until it is SERVING, and retry every write whose answer was
   not received (same body, same key), each attempt with the gateway's 5 s deadline,
   until acknowledged or `budget` seconds have passed;
4. report, for the retried writes, the seconds from SERVING to acknowledged, and check
   the database and the stream: one post per key, one reaction value per (post, user),
   one ballot version per key, one grant per account, one outbox record and one NATS
   message per write.

    .venv/bin/python -m loadtests.kill_retry --writer threads --writer voting --writer identity

Exit status 1 when a retried write was not acknowledged within the budget or a write
was applied other than once. `tests/agora_kit/test_writer_kill.py` runs the same
scenarios with the suite's bound (10 s after SERVING).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
import uuid
from abc import ABC, abstractmethod
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import grpc
import nats
from nats.js import JetStreamContext
from pymongo import AsyncMongoClient

from agora.v1 import (
    identity_pb2,
    identity_pb2_grpc,
    threads_pb2,
    threads_pb2_grpc,
    voting_pb2,
    voting_pb2_grpc,
)
from agora_kit.events.streams import EVENTS_STREAM
from agora_kit.ids import new_id
from devstack import processes
from devstack.stack import StackConfig

Database = Any  # an AsyncDatabase of plain documents
ATTEMPT_TIMEOUT = 5.0  # the gateway's RPC deadline (RPC_TIMEOUT_SECONDS)
RETRYABLE = {grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED,
             grpc.StatusCode.ABORTED, grpc.StatusCode.CANCELLED}
SLOW = 10.0  # the bound the suite holds the retries to
Send = Callable[[grpc.aio.Channel, float], Awaitable[str]]


@dataclass
class Write:
    """One write of the burst; `send` makes one attempt and returns what it acknowledged."""

    kind: str
    key: str
    send: Send
    sent: bool = False
    answer: str | None = None
    retried: bool = False
    waited: float | None = None  # retried: seconds from SERVING to acknowledged
    errors: Counter[str] = field(default_factory=Counter)


@dataclass
class Outcome:
    writer: str
    writes: list[Write]
    killed_after: int  # writes acknowledged when the writer was killed
    restart_seconds: float  # from the kill to SERVING again
    violations: list[str]

    @property
    def retried(self) -> list[Write]:
        return [w for w in self.writes if w.retried]

    @property
    def waits(self) -> list[float]:
        return sorted(w.waited for w in self.retried if w.waited is not None)

    @property
    def unacknowledged(self) -> list[Write]:
        return [w for w in self.retried if w.answer is None]

    def summary(self) -> str:
        waits = self.waits
        errors: Counter[str] = Counter()
        for write in self.retried:
            errors.update(write.errors)
        lines = [
            f"{self.writer}: {len(self.writes)} writes, killed after {self.killed_after} "
            f"acknowledged, SERVING again {self.restart_seconds:.1f} s after the kill",
            f"  retried {len(self.retried)}: acknowledged {len(waits)}, "
            f"not within the budget {len(self.unacknowledged)}",
        ]
        if waits:
            slow = sum(1 for wait in waits if wait > SLOW)
            lines.append(f"  SERVING -> acknowledged: median {statistics.median(waits):.2f} s, "
                         f"p90 {waits[int(0.9 * (len(waits) - 1))]:.2f} s, "
                         f"max {waits[-1]:.2f} s; over {SLOW:.0f} s: {slow}")
        if errors:
            lines.append("  failed retry attempts: " + ", ".join(
                f"{name} x{count}" for name, count in errors.most_common()))
        lines += [f"  VIOLATION {v}" for v in self.violations]
        return "\n".join(lines)


class Scenario(ABC):
    """The writes of one writer, what they need first and how to check them after."""

    writer: str
    services: tuple[str, ...]

    @abstractmethod
    async def prepare(self, channels: dict[str, grpc.aio.Channel], db: Database) -> None:
        """Create what the burst writes into (`db`: the writer's database)."""

    @abstractmethod
    def writes(self, count: int) -> list[Write]:
        """The burst, in sending order."""

    @abstractmethod
    async def check(self, db: Database, js: JetStreamContext, writes: list[Write]) -> list[str]:
        """What is wrong with the stored writes and their events (nothing, ideally)."""


class ThreadsWrites(Scenario):
    """Posts with idempotency keys and reactions, alternately, by distinct participants."""

    writer = "threads"
    services = ("threads",)
    TARGETS = 10

    def __init__(self) -> None:
        self.consultation_id = ""
        self.thread_id = ""
        self.targets: list[str] = []

    async def prepare(self, channels: dict[str, grpc.aio.Channel], db: Database) -> None:
        stub = threads_pb2_grpc.ThreadsServiceStub(channels["threads"])
        consultation = await stub.CreateConsultation(threads_pb2.CreateConsultationRequest(
            title="Kill", languages=["en"], actor_id="op", actor_roles=["operator"],
            themes=[threads_pb2.ThemeDraft(title="t")]), timeout=30)
        thread = await stub.CreateThread(threads_pb2.CreateThreadRequest(
            consultation_id=consultation.id, theme_id=consultation.themes[0].id, title="t",
            actor_id="op", actor_roles=["participant"]), timeout=30)
        self.consultation_id, self.thread_id = consultation.id, thread.id
        for i in range(self.TARGETS):
            post = await stub.CreatePost(threads_pb2.CreatePostRequest(
                thread_id=thread.id, body=f"target {i}", actor_id="author",
                actor_roles=["participant"], format=threads_pb2.POST_FORMAT_PLAIN), timeout=30)
            self.targets.append(post.id)

    def writes(self, count: int) -> list[Write]:
        return [self._post(i) if i % 2 == 0 else self._reaction(i) for i in range(count)]

    def _post(self, i: int) -> Write:
        key = uuid.uuid4().hex
        request = threads_pb2.CreatePostRequest(
            thread_id=self.thread_id, body=f"burst {i}", actor_id=f"poster{i % 10}",
            actor_roles=["participant"], format=threads_pb2.POST_FORMAT_PLAIN,
            idempotency_key=key)

        async def send(channel: grpc.aio.Channel, deadline: float) -> str:
            post = await threads_pb2_grpc.ThreadsServiceStub(channel).CreatePost(
                request, timeout=deadline)
            return str(post.id)

        return Write("post", key, send)

    def _reaction(self, i: int) -> Write:
        post_id, user = self.targets[i % self.TARGETS], f"reactor{i}"
        request = threads_pb2.SetReactionRequest(
            post_id=post_id, kind=threads_pb2.REACTION_KIND_LIKE, actor_id=user,
            actor_roles=["participant"])

        async def send(channel: grpc.aio.Channel, deadline: float) -> str:
            state = await threads_pb2_grpc.ThreadsServiceStub(channel).SetReaction(
                request, timeout=deadline)
            return str(state.my_reaction)

        return Write("reaction", f"{post_id}:{user}", send)

    async def check(self, db: Database, js: JetStreamContext, writes: list[Write]) -> list[str]:
        problems: list[str] = []
        posts = [w for w in writes if w.kind == "post" and w.sent]
        reactions = [w for w in writes if w.kind == "reaction" and w.sent]
        for write in posts:
            stored = await db.posts.find({"idempotency_key": write.key}, {"_id": 1}).to_list()
            if len(stored) != 1:
                problems.append(f"post key {write.key}: {len(stored)} posts")
            elif write.answer is not None and write.answer != stored[0]["_id"]:
                problems.append(f"post key {write.key}: answered {write.answer}, "
                                f"stored {stored[0]['_id']}")
        for write in reactions:
            stored = await db.reactions.find_one({"_id": write.key})
            if stored is None or stored["kind"] != "like":
                problems.append(f"reaction {write.key}: {stored}")
        expected = {"post.created": self.TARGETS + len(posts), "reaction.changed": len(reactions)}
        problems += await _events_once(db, js, self.consultation_id, expected)
        return problems


class VotingWrites(Scenario):
    """Ballots with idempotency keys, one per voter."""

    writer = "voting"
    services = ("threads", "voting")

    def __init__(self) -> None:
        self.consultation_id = ""
        self.session = voting_pb2.VoteSession()

    async def prepare(self, channels: dict[str, grpc.aio.Channel], db: Database) -> None:
        threads = threads_pb2_grpc.ThreadsServiceStub(channels["threads"])
        consultation = await threads.CreateConsultation(threads_pb2.CreateConsultationRequest(
            title="Kill", languages=["en"], actor_id="op", actor_roles=["operator"],
            themes=[threads_pb2.ThemeDraft(title="t")]), timeout=30)
        self.consultation_id = consultation.id
        voting = voting_pb2_grpc.VotingServiceStub(channels["voting"])
        session = await voting.CreateVoteSession(voting_pb2.CreateVoteSessionRequest(
            consultation_id=consultation.id, actor_id="owner", actor_roles=["strategist"],
            categories=[voting_pb2.TokenCategoryDraft(name={"en": "Green"}, color="#2e7d32",
                                                      total_number=5)],
            proposals=[voting_pb2.ProposalDraft(title={"en": f"P{i}"}) for i in range(3)]),
            timeout=60)
        self.session = await voting.OpenVoteSession(voting_pb2.ChangeVoteSessionRequest(
            session_id=session.id, actor_id="owner", actor_roles=["strategist"]), timeout=60)

    def writes(self, count: int) -> list[Write]:
        return [self._ballot(i) for i in range(count)]

    def _ballot(self, i: int) -> Write:
        key = uuid.uuid4().hex
        green = self.session.categories[0].id
        request = voting_pb2.SubmitBallotRequest(
            session_id=self.session.id, actor_id=f"voter{i}", actor_roles=["participant"],
            idempotency_key=key,
            allocations=[voting_pb2.Allocation(proposal_id=self.session.proposals[i % 3].id,
                                               category_id=green, tokens=1 + i % 3)])

        async def send(channel: grpc.aio.Channel, deadline: float) -> str:
            ballot = await voting_pb2_grpc.VotingServiceStub(channel).SubmitBallot(
                request, timeout=deadline)
            return str(ballot.version)

        return Write("ballot", key, send)

    async def check(self, db: Database, js: JetStreamContext, writes: list[Write]) -> list[str]:
        problems: list[str] = []
        sent = [w for w in writes if w.sent]
        for write in sent:
            versions = await db.ballot_versions.find(
                {"idempotency_key": write.key}, {"version": 1}).to_list()
            if len(versions) != 1:
                problems.append(f"ballot key {write.key}: {len(versions)} versions")
            elif write.answer is not None and write.answer != str(versions[0]["version"]):
                problems.append(f"ballot key {write.key}: answered version {write.answer}, "
                                f"stored {versions[0]['version']}")
        ballots = await db.ballots.count_documents({"session_id": self.session.id})
        if ballots != len(sent):
            problems.append(f"{ballots} ballots stored for {len(sent)} voters")
        problems += await _events_once(db, js, self.consultation_id,
                                       {"ballot.submitted": len(sent)})
        return problems


class IdentityWrites(Scenario):
    """Role grants by an operator, one per account (accounts seeded in the database:
    registration hashes a password, which is not what this measures)."""

    writer = "identity"
    services = ("identity",)

    def __init__(self) -> None:
        self.consultation_id = new_id()
        self.accounts: list[str] = []

    async def prepare(self, channels: dict[str, grpc.aio.Channel], db: Database) -> None:
        self.accounts = [new_id() for _ in range(400)]
        await db.accounts.insert_many([{"_id": account, "email": f"{account}@kill.test",
                                        "display_name": "", "verified": True}
                                       for account in self.accounts])

    def writes(self, count: int) -> list[Write]:
        return [self._grant(self.accounts[i]) for i in range(count)]

    def _grant(self, account_id: str) -> Write:
        request = identity_pb2.RoleChange(
            consultation_id=self.consultation_id, account_id=account_id, role="moderator",
            actor_id="op", actor_roles=["operator"])

        async def send(channel: grpc.aio.Channel, deadline: float) -> str:
            try:
                grant = await identity_pb2_grpc.IdentityServiceStub(channel).GrantRole(
                    request, timeout=deadline)
            except grpc.aio.AioRpcError as error:
                if error.code() == grpc.StatusCode.ALREADY_EXISTS:
                    return "held"  # the first attempt committed; only a retry meets this
                raise
            return str(grant.role)

        return Write("grant", account_id, send)

    async def check(self, db: Database, js: JetStreamContext, writes: list[Write]) -> list[str]:
        problems: list[str] = []
        sent = [w for w in writes if w.sent]
        for write in sent:
            grants = await db.grants.count_documents({
                "consultation_id": self.consultation_id, "account_id": write.key,
                "role": "moderator"})
            if grants != 1:
                problems.append(f"account {write.key}: {grants} grants")
            if write.answer == "held" and not write.retried:
                problems.append(f"account {write.key}: held before any retry")
        problems += await _events_once(db, js, self.consultation_id,
                                       {"role.granted": len(sent)})
        return problems


SCENARIOS: dict[str, Callable[[], Scenario]] = {
    "threads": ThreadsWrites, "voting": VotingWrites, "identity": IdentityWrites}


async def _events_once(db: Database, js: JetStreamContext, consultation_id: str,
                       expected: dict[str, int], within: float = 40.0) -> list[str]:
    """One outbox record per write, all published, and one stream message each. The
    restarted relay waits for the dead one's lease (10 s) before it publishes."""
    problems = []
    for event_type, count in expected.items():
        stored = await db.outbox.count_documents({"type": event_type})
        if stored != count:
            problems.append(f"{stored} {event_type} outbox records for {count} writes")
    deadline = time.monotonic() + within
    while await db.outbox.count_documents({"published_at": None}):
        if time.monotonic() > deadline:
            problems.append(f"outbox not published within {within:.0f} s")
            return problems
        await asyncio.sleep(0.25)
    for event_type, count in expected.items():
        info = await js.stream_info(EVENTS_STREAM,
                                    subjects_filter=f"agora.{consultation_id}.{event_type}")
        messages = sum((info.state.subjects or {}).values())
        if messages != count:
            problems.append(f"{messages} {event_type} messages on NATS for {count} writes")
    return problems


async def _attempt(write: Write, channel: grpc.aio.Channel) -> bool:
    """One attempt; True once acknowledged. A refusal that is not transient is final."""
    try:
        write.answer = await write.send(channel, ATTEMPT_TIMEOUT)
        return True
    except grpc.aio.AioRpcError as error:
        write.errors[error.code().name] += 1
        if error.code() not in RETRYABLE:
            raise
        return False


async def _burst(writes: list[Write], channel: grpc.aio.Channel, *, concurrency: int,
                 kill_after: int, kill: Callable[[], None]) -> int:
    """Send the writes until `kill_after` are acknowledged, then kill the writer; the
    writes then in flight are left unanswered. Returns the acknowledged count."""
    queue = iter(writes)
    acknowledged = 0
    killed = asyncio.Event()

    async def worker() -> None:
        nonlocal acknowledged
        for write in queue:
            if killed.is_set():
                return
            write.sent = True
            if await _attempt(write, channel):
                acknowledged += 1
                if acknowledged >= kill_after and not killed.is_set():
                    killed.set()
                    kill()

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    for write in writes:
        write.errors.clear()  # the burst's own failures are the kill, not the retries'
    return acknowledged


async def _retry(writes: list[Write], channel: grpc.aio.Channel, serving_at: float,
                 budget: float) -> None:
    async def one(write: Write) -> None:
        write.retried = True
        while time.monotonic() - serving_at < budget:
            if await _attempt(write, channel):
                write.waited = time.monotonic() - serving_at
                return
            await asyncio.sleep(0.2)

    await asyncio.gather(*(one(w) for w in writes))


async def run(scenario: Scenario, *, mongo_uri: str, redis_url: str, log_dir: Path,
              requests: int = 240,
              concurrency: int = 40, kill_after: int = 80, budget: float = 15.0) -> Outcome:
    """The whole scenario against the SecantusDB at mongo_uri and the Redis at redis_url
    (own databases, own NATS)."""
    suffix = uuid.uuid4().hex[:8]
    databases = {"threads": f"kill_threads_{suffix}", "voting": f"kill_voting_{suffix}",
                 "identity": f"kill_identity_{suffix}"}
    broker = processes.nats(processes.free_port(), log_dir / "nats", log_dir).start()
    broker.wait_port()
    config = StackConfig.on_free_ports(
        mongo_uri=mongo_uri, nats_url=f"nats://127.0.0.1:{broker.port}",
        redis_url=redis_url, log_dir=log_dir,
        extra_env={"AGORA_ENV": "test", "THREADS_DATABASE": databases["threads"],
                   "VOTING_DATABASE": databases["voting"],
                   "IDENTITY_DATABASE": databases["identity"]})
    children = {name: processes.service(name, config.env(name), log_dir).start()
                for name in scenario.services}
    mongo: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(mongo_uri, tz_aware=True)
    broker_client = await nats.connect(config.nats_url)
    writer = scenario.writer
    settled = False
    try:
        for name, child in children.items():
            processes.wait_serving(child, config.address(name))
        channels = {name: grpc.aio.insecure_channel(config.address(name))
                    for name in scenario.services}
        await scenario.prepare(channels, mongo[databases[writer]])
        writes = scenario.writes(requests)
        killed_at = 0.0

        def kill() -> None:
            nonlocal killed_at
            children[writer].kill()
            killed_at = time.monotonic()

        acknowledged = await _burst(writes, channels[writer], concurrency=concurrency,
                                    kill_after=kill_after, kill=kill)
        children[writer] = processes.service(writer, config.env(writer), log_dir).start()
        await asyncio.to_thread(processes.wait_serving, children[writer],
                                config.address(writer))
        serving_at = time.monotonic()
        # A fresh channel of its own: the old one's reconnect backoff is the client's
        # delay, not the service's (gRPC shares subchannels between channels otherwise).
        async with grpc.aio.insecure_channel(config.address(writer), options=[
                ("grpc.use_local_subchannel_pool", 1),
                ("grpc.initial_reconnect_backoff_ms", 200)]) as channel:
            await _retry([w for w in writes if w.sent and w.answer is None], channel,
                         serving_at, budget)
        for open_channel in channels.values():
            await open_channel.close()
        settled = all(w.answer is not None for w in writes if w.sent)
        violations = await scenario.check(mongo[databases[writer]], broker_client.jetstream(),
                                          writes)
        return Outcome(writer=writer, writes=writes, killed_after=acknowledged,
                       restart_seconds=serving_at - killed_at, violations=violations)
    finally:
        await broker_client.close()
        for child in children.values():
            child.stop()
        broker.stop()
        # An unanswered write may still sit in an open transaction of the dead process;
        # SecantusDB's dropDatabase would wait on it (for good: it reaps transactions
        # only when another transaction command comes), so its databases are left.
        if settled:
            for database in databases.values():
                await mongo.drop_database(database)
        await mongo.close()


async def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--writer", action="append", choices=sorted(SCENARIOS))
    parser.add_argument("--requests", type=int, default=240)
    parser.add_argument("--concurrency", type=int, default=40)
    parser.add_argument("--kill-after", type=int, default=80)
    parser.add_argument("--budget", type=float, default=90.0,
                        help="seconds after SERVING to keep retrying (default 90)")
    args = parser.parse_args(argv)
    failed = False
    with tempfile.TemporaryDirectory(prefix="agora-kill-") as tmp:
        logs = Path(tmp)
        database = processes.secantus(processes.free_port(), ":memory:", logs).start()
        cache = processes.redis(processes.free_port(), logs / "redis").start()
        try:
            database.wait_port(60)
            cache.wait_port()
            uri = f"mongodb://127.0.0.1:{database.port}/?directConnection=true"
            for name in args.writer or sorted(SCENARIOS):
                outcome = await run(SCENARIOS[name](), mongo_uri=uri,
                                    redis_url=f"redis://127.0.0.1:{cache.port}/0",
                                    log_dir=logs / name,
                                    requests=args.requests, concurrency=args.concurrency,
                                    kill_after=args.kill_after, budget=args.budget)
                print(outcome.summary(), flush=True)
                failed |= bool(outcome.unacknowledged or outcome.violations)
        finally:
            cache.stop()
            database.stop()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
