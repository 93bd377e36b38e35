"""Locust scenarios of a consultation's crowd (run by `make bench`, loadtests/bench.py).

Four kinds of participant, weighted by the phase the scenario stands for
(`AGORA_BENCH_SCENARIO`: `ideation` or `voting-rush`):

- learners (most of the crowd) read the consultation, a theme's threads and thread
  pages, a theme's ideas table and its published synthesis, in English, French or
  German (Accept-Language); which thread is Zipf-distributed over the seeded ≥ 200
  threads, which page mostly the first;
- reactors read too, react to posts, and in the voting rush submit their tokens;
- contributors post and reply (with an Idempotency-Key, as the web client does),
  answer survey questions (the appropriation consultation) and add arguments to a
  column of a retained idea's two-column thread (the deepening consultation);
- a few facilitators moderate (the queue, the log, a post hidden then restored),
  harvest (an extract of a post filed under one of its theme's ideas) and rework then
  publish a theme's synthesis (a 409 "another version was published meanwhile" is the
  API's answer to two facilitators publishing at once, so it counts as handled).

A share of each kind also follows the live-updates stream (SSE) for a while
(`AGORA_BENCH_SSE_SHARE`). Every participant thinks 5-15 s between actions
(`AGORA_BENCH_THINK`, "min,max"); `AGORA_BENCH_MIX` overrides the kinds' weights.
A share of participants (`AGORA_BENCH_LOGIN_SHARE`)
logs in through the real identity flow (argon2id) with a seeded account as it arrives
— arrivals are spread by the spawn rate, as a real morning's are —; the others arrive
already signed in (a development token of their own distinct account), since a crowd
of 2,000 logging in within minutes would measure argon2 alone (its rate is reported as
its own row, `POST /v1/sessions`). Each participant keeps to one gateway replica of
`AGORA_BENCH_HOSTS` (client-side balancing).

The seeded ids come from the JSON file at `AGORA_BENCH_SEED` (loadtests/seed.py).
"""

from __future__ import annotations

import itertools
import json
import os
import random
import socket
import time
import uuid
from bisect import bisect
from typing import Any

from locust import FastHttpUser, between, task
from locust.env import Environment

SEED: dict[str, Any] = json.loads(open(os.environ["AGORA_BENCH_SEED"]).read())  # noqa: SIM115
HOSTS = os.environ.get("AGORA_BENCH_HOSTS", "http://127.0.0.1:8080").split(",")
SCENARIO = os.environ.get("AGORA_BENCH_SCENARIO", "ideation")
LOGIN_SHARE = float(os.environ.get("AGORA_BENCH_LOGIN_SHARE", "0.1"))
SSE_SHARE = float(os.environ.get("AGORA_BENCH_SSE_SHARE", "0.05"))
THINK = tuple(float(x) for x in os.environ.get("AGORA_BENCH_THINK", "5,15").split(","))
ACCEPT = {"en": "en-GB,en;q=0.9", "fr": "fr-FR,fr;q=0.9,en;q=0.5", "de": "de-DE,de;q=0.9"}
WEIGHTS = {"ideation": {"Learner": 70, "Reactor": 18, "Contributor": 10, "Facilitator": 2},
           "voting-rush": {"Learner": 45, "Reactor": 50, "Contributor": 3, "Facilitator": 2}}
THREADS: list[dict[str, Any]] = SEED["threads"]
# Zipf (s = 1) over the threads in seeding order: the first is the most read.
_CUMULATIVE = list(itertools.accumulate(1 / (rank + 1) for rank in range(len(THREADS))))
_numbers = itertools.count()


def zipf_thread(rng: random.Random) -> dict[str, Any]:
    return THREADS[min(bisect(_CUMULATIVE, rng.random() * _CUMULATIVE[-1]), len(THREADS) - 1)]


class Participant(FastHttpUser):
    """What every kind shares: arrival (login or token), a gateway, a language, SSE."""

    abstract = True
    wait_time = between(*THINK)

    def __init__(self, environment: Environment) -> None:
        self.number = next(_numbers)
        self.host = HOSTS[self.number % len(HOSTS)]
        super().__init__(environment)
        self.rng = random.Random(self.number)
        self.language = self.rng.choice(SEED["languages"])
        self.headers: dict[str, str] = {"Accept-Language": ACCEPT[self.language]}
        self.follows_live = self.rng.random() < SSE_SHARE

    def on_start(self) -> None:
        accounts = SEED["accounts"]
        if accounts and not self.roles_suffix() and self.rng.random() < LOGIN_SHARE:
            email = accounts[self.number % len(accounts)]
            with self.client.post("/v1/sessions", json={"email": email,
                                                        "password": SEED["password"]},
                                  name="POST /v1/sessions (login)",
                                  catch_response=True) as reply:
                if reply.status_code == 200 and reply.json():
                    token = reply.json()["access_token"]
                else:
                    reply.failure(f"login {reply.status_code}")
                    token = f"dev-bench-u{self.number}"
        else:
            token = f"dev-bench-u{self.number}{self.roles_suffix()}"
        self.headers["Authorization"] = f"Bearer {token}"
        if self.follows_live:
            self.follow_live(seconds=self.rng.uniform(20, 60))

    def roles_suffix(self) -> str:
        return ""

    def read_page(self) -> None:
        thread = zipf_thread(self.rng)
        cursors = thread["cursors"]
        page = min(int(self.rng.expovariate(1.2)), len(cursors) - 1)
        query = f"?limit=20&cursor={cursors[page]}" if page else "?limit=20"
        self.client.get(f"/v1/threads/{thread['id']}/posts{query}", headers=self.headers,
                        name="GET /v1/threads/{id}/posts")

    def follow_live(self, seconds: float) -> None:
        """Hold the consultation's SSE stream open `seconds`, counting its events (one
        Locust row: the stream's open, then each event as `SSE event`)."""
        host, _, port = (self.host or "").removeprefix("http://").partition(":")
        started = time.perf_counter()
        events = 0
        error: Exception | None = None
        try:
            with socket.create_connection((host, int(port or 80)), timeout=5) as sock:
                sock.sendall((f"GET /v1/consultations/{SEED['ideation']}/events HTTP/1.1\r\n"
                              f"Host: {host}\r\nAccept: text/event-stream\r\n"
                              f"Authorization: {self.headers['Authorization']}\r\n\r\n")
                             .encode())
                sock.settimeout(10.0)  # the answer's head: as long as any request may take
                head = sock.recv(4096)
                sock.settimeout(1.0)  # then wake every second to check the deadline
                if not head.startswith(b"HTTP/1.1 200"):
                    raise ConnectionError(head[:80].decode(errors="replace"))
                deadline = time.monotonic() + seconds
                while time.monotonic() < deadline:
                    try:
                        chunk = sock.recv(65536)
                    except TimeoutError:
                        continue
                    if not chunk:
                        break
                    events += chunk.count(b"\ndata:") + chunk.startswith(b"data:")
        except (OSError, ConnectionError) as failure:
            error = failure
        self.environment.events.request.fire(
            request_type="SSE", name="/v1/consultations/{id}/events (held)",
            response_time=(time.perf_counter() - started) * 1000, response_length=events,
            exception=error, context={})


class Learner(Participant):
    """Reads: the consultation, a theme's threads, thread pages (mostly)."""

    @task(8)
    def thread_page(self) -> None:
        self.read_page()

    @task(1)
    def consultation(self) -> None:
        self.client.get(f"/v1/consultations/{SEED['ideation']}", headers=self.headers,
                        name="GET /v1/consultations/{id}")

    @task(1)
    def theme_threads(self) -> None:
        theme = self.rng.choice(SEED["themes"])
        self.client.get(f"/v1/consultations/{SEED['ideation']}/threads?theme_id={theme}",
                        headers=self.headers, name="GET /v1/consultations/{id}/threads")

    @task(1)
    def ideas_table(self) -> None:
        theme = zipf_thread(self.rng)["theme_id"]
        self.client.get(f"/v1/consultations/{SEED['ideation']}/ideas?theme_id={theme}",
                        headers=self.headers, name="GET /v1/consultations/{id}/ideas")

    @task(1)
    def synthesis(self) -> None:
        base = f"/v1/consultations/{SEED['ideation']}/syntheses"
        synthesis = self.rng.choice(SEED["syntheses"])
        with self.client.get(f"{base}/{synthesis}", headers=self.headers,
                             name="GET /v1/consultations/{id}/syntheses/{id}",
                             catch_response=True) as reply:
            latest = reply.json()["latest_version"] if reply.status_code == 200 else 0
        if latest:
            self.client.get(f"{base}/{synthesis}/versions/{latest}", headers=self.headers,
                            name="GET /v1/consultations/{id}/syntheses/{id}/versions/{n}")


class Reactor(Participant):
    """Reads, reacts to posts; in the voting rush, votes its tokens."""

    @task(4)
    def thread_page(self) -> None:
        self.read_page()

    @task(3)
    def react(self) -> None:
        post = self.rng.choice(zipf_thread(self.rng)["posts"])
        kind = self.rng.choice(("like", "like", "disagree", "more_info", "dont_understand"))
        self.client.put(f"/v1/posts/{post}/reaction", json={"kind": kind},
                        headers=self.headers, name="PUT /v1/posts/{id}/reaction")

    @task(3 if SCENARIO == "voting-rush" else 0)
    def vote(self) -> None:
        session = SEED["session"]
        self.client.get(f"/v1/vote-sessions/{session['id']}?lang={self.language}",
                        headers=self.headers, name="GET /v1/vote-sessions/{id}")
        proposals = [p["id"] for p in session["proposals"]]
        green, red = (c["id"] for c in session["categories"])
        self.rng.shuffle(proposals)
        allocations, left_green, left_red = [], 10, 5
        for proposal in proposals[:6]:
            if left_green and self.rng.random() < 0.6:
                tokens = self.rng.randint(1, min(5, left_green))
                left_green -= tokens
                allocations.append({"proposal_id": proposal, "category_id": green,
                                    "tokens": tokens})
            elif left_red:
                tokens = self.rng.randint(1, left_red)
                left_red -= tokens
                allocations.append({"proposal_id": proposal, "category_id": red,
                                    "tokens": tokens})
        self.client.put(f"/v1/vote-sessions/{session['id']}/ballot",
                        json={"allocations": allocations},
                        headers={**self.headers, "Idempotency-Key": uuid.uuid4().hex},
                        name="PUT /v1/vote-sessions/{id}/ballot")


class Contributor(Participant):
    """Posts and replies."""

    @task(3)
    def thread_page(self) -> None:
        self.read_page()

    @task(2)
    def post(self) -> None:
        thread = zipf_thread(self.rng)
        body = {"body": f"An idea from participant {self.number}: "
                        f"{self.rng.choice(('more', 'fewer', 'better'))} training places.",
                "format": "markdown", "language": self.language}
        if self.rng.random() < 0.4:
            body["parent_id"] = self.rng.choice(thread["posts"])
        self.client.post(f"/v1/threads/{thread['id']}/posts", json=body,
                         headers={**self.headers, "Idempotency-Key": uuid.uuid4().hex},
                         name="POST /v1/threads/{id}/posts")

    @task(1)
    def answer_survey(self) -> None:
        question = self.rng.choice(SEED["surveys"])
        body = {"body": f"From what I have seen ({self.number}), people learn on the job.",
                "format": "markdown", "language": self.language}
        self.client.post(f"/v1/threads/{question}/posts", json=body,
                         headers={**self.headers, "Idempotency-Key": uuid.uuid4().hex},
                         name="POST /v1/threads/{id}/posts (survey answer)")

    @task(1)
    def argue(self) -> None:
        thread = self.rng.choice(SEED["two_columns"])
        body = {"body": f"Argument {self.number}: it would cost less than it seems.",
                "format": "markdown", "language": self.language,
                "column_id": self.rng.choice(thread["columns"])}
        self.client.post(f"/v1/threads/{thread['id']}/posts", json=body,
                         headers={**self.headers, "Idempotency-Key": uuid.uuid4().hex},
                         name="POST /v1/threads/{id}/posts (two-column argument)")


class Facilitator(Participant):
    """Moderates (the queue, the log, a post hidden then restored), harvests and
    publishes syntheses."""

    def roles_suffix(self) -> str:
        return "~moderator,strategist,idea_catcher,synthesiser"

    @task(3)
    def queue(self) -> None:
        self.client.get(f"/v1/consultations/{SEED['ideation']}/moderation/queue",
                        headers=self.headers, name="GET /v1/consultations/{id}/moderation/queue")

    @task(1)
    def log(self) -> None:
        self.client.get(f"/v1/consultations/{SEED['ideation']}/moderation/log",
                        headers=self.headers, name="GET /v1/consultations/{id}/moderation/log")

    @task(1)
    def moderate(self) -> None:
        """Hide then restore one of the posts kept for moderation (loadtests/seed.py), so
        nobody else reacts to or harvests it meanwhile; two facilitators on the same post
        get a 409 for a hide of a hidden post, the API's answer to a race."""
        post = self.rng.choice(self.rng.choice(THREADS)["moderated"])
        for action in ("hide", "restore"):
            with self.client.post(f"/v1/posts/{post}/moderation",
                                  json={"action": action, "reason": "load test"},
                                  headers=self.headers, catch_response=True,
                                  name=f"POST /v1/posts/{{id}}/moderation ({action})") as reply:
                if reply.status_code == 409:
                    reply.success()

    @task(2)
    def harvest(self) -> None:
        thread = zipf_thread(self.rng)
        self.client.post(f"/v1/consultations/{SEED['ideation']}/extracts", json={
            "post_id": self.rng.choice(thread["posts"]), "start": 0, "end": 6,
            "nature": self.rng.choice(("issue", "actionable_solution", "knowledge")),
            "idea_id": self.rng.choice(SEED["ideas"][thread["theme_id"]])},
            headers={**self.headers, "Idempotency-Key": uuid.uuid4().hex},
            name="POST /v1/consultations/{id}/extracts")

    @task(1)
    def publish_synthesis(self) -> None:
        """Rework a theme's synthesis (the draft carries the latest version's anchors;
        one paragraph is added, the oldest added one dropped) and publish it. Each
        facilitator keeps to one theme's synthesis, as synthesisers share the themes out;
        when two still race, the later draft names anchors the new version dropped (422)
        or its publish comes second (409): both are the API telling them, not failures."""
        syntheses = SEED["syntheses"]
        base = (f"/v1/consultations/{SEED['ideation']}/syntheses/"
                f"{syntheses[self.number % len(syntheses)]}")
        with self.client.get(base, headers=self.headers, catch_response=True,
                             name="GET /v1/consultations/{id}/syntheses/{id} (draft)") as reply:
            if reply.status_code != 200:
                return
            draft = reply.json()["draft"]
        paragraphs = [{"anchor": p["anchor"], "text": p["text"]} for p in draft]
        paragraphs = paragraphs[:1] + paragraphs[max(1, len(paragraphs) - 4):]
        paragraphs.append({"text": f"Facilitator {self.number} adds what the last posts say."})
        with self.client.put(f"{base}/draft", json={"paragraphs": paragraphs},
                             headers=self.headers, catch_response=True,
                             name="PUT /v1/consultations/{id}/syntheses/{id}/draft") as reply:
            if reply.status_code == 422 and "anchor" in reply.text:
                reply.success()  # another facilitator published meanwhile: the draft is stale
                return
        with self.client.post(f"{base}/versions", headers=self.headers, catch_response=True,
                              name="POST /v1/consultations/{id}/syntheses/{id}/versions"
                              ) as reply:
            if reply.status_code == 409:
                reply.success()




def mix() -> dict[str, int]:
    """The phase's weights, or `AGORA_BENCH_MIX` ("Learner=1,Facilitator=1,…") to
    override them: a short run of a few users would otherwise spawn no facilitator."""
    weights = dict(WEIGHTS[SCENARIO])
    for item in filter(None, os.environ.get("AGORA_BENCH_MIX", "").split(",")):
        kind, _, weight = item.partition("=")
        if kind not in weights:
            raise ValueError(f"AGORA_BENCH_MIX: unknown kind {kind!r}")
        weights[kind] = int(weight)
    return weights


for _kind, _weight in mix().items():
    globals()[_kind].weight = _weight
