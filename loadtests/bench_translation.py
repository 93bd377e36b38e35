"""Posting into a three-language consultation with machine translation at 200 ms a call.

Starts its own stack on free ports with the LibreTranslate-protocol server of the tests
answering after `--delay` seconds per call, creates a consultation in fr, en and de, and
posts `--rate` French posts a second for `--seconds` through the gateway (a share of
them repeating earlier texts, as quotes and "+1"s do). For every post it records when the
gateway acknowledged it and when its translation into each other language was first
readable **through the gateway**: a reader polls the thread's pages with `?lang=` (from
the first page still holding an untranslated post to the last, every 200 ms per
language, as an anonymous reader: through the read cache) and notes when each post
comes `translated`. It also notes when the translation service first had it
(GetTranslations, polled every 100 ms), to tell the pipeline's delay from the gateway's.
Prints the p50/p95/max of both, and characters sent to the provider against unique
characters x targets.

    .venv/bin/python -u -m loadtests.bench_translation [--seconds 30] [--rate 20]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import random
import sys
import tempfile
import time
from pathlib import Path

import grpc
import httpx
from pymongo import AsyncMongoClient

from agora.v1 import translation_pb2, translation_pb2_grpc
from devstack import processes
from devstack.processes import Child
from devstack.stack import Stack, StackConfig

OPERATOR = {"Authorization": "Bearer dev-bench~operator"}
VOCABULARY = ("le vélo la ville les pistes il faut plus de sécurité pour les enfants une "
              "école des transports publics gratuits le soir nous proposons que chaque "
              "quartier ait un budget participatif voté par les habitants")
TARGETS = ("en", "de")


def body(rng: random.Random, earlier: list[str], repeat: float) -> str:
    if earlier and rng.random() < repeat:
        return rng.choice(earlier)
    sentences = [" ".join(rng.choices(VOCABULARY.split(), k=rng.randint(6, 18))).capitalize() + "."
                 for _ in range(rng.randint(1, 4))]
    return " ".join(sentences)


async def run(stack: Stack, lt_url: str, seconds: float, rate: float,
              repeat: float) -> dict[str, float | str]:
    rng = random.Random(7)
    async with httpx.AsyncClient(base_url=stack.config.gateway_url, timeout=30) as api:
        reply = await api.post("/v1/consultations", headers=OPERATOR, json={
            "title": "Bench", "languages": ["fr", *TARGETS], "themes": [{"title": "T"}]})
        consultation = reply.json()
        reply = await api.post(f"/v1/consultations/{consultation['id']}/threads",
                               headers=OPERATOR, json={
                                   "theme_id": consultation["themes"][0]["id"], "title": "T"})
        thread_id = reply.json()["id"]
        acked: dict[str, float] = {}
        texts: list[str] = []
        failures = 0
        statuses: dict[int, int] = {}

        async def post(n: int, text: str) -> None:
            nonlocal failures
            reply = await api.post(
                f"/v1/threads/{thread_id}/posts", json={"body": text, "language": "fr"},
                headers={"Authorization": f"Bearer dev-writer{n % 50}"})
            if reply.status_code == 201:
                acked[reply.json()["id"]] = time.monotonic()
            else:
                failures += 1
                statuses[reply.status_code] = statuses.get(reply.status_code, 0) + 1

        readable: dict[tuple[str, str], float] = {}
        stop_polling = asyncio.Event()
        posting_done = asyncio.Event()
        all_seen = asyncio.Event()
        channel = grpc.aio.insecure_channel(stack.config.address("translation"))
        stub = translation_pb2_grpc.TranslationServiceStub(channel)

        through_gateway: dict[tuple[str, str], float] = {}
        page_reads = {"count": 0, "failed": 0}

        async def read_pages(target: str) -> None:
            """The reader's view: the thread's pages in `target`, from the first page that
            still holds a post not seen translated."""
            start = ""
            while not stop_polling.is_set():
                cursor, first_pending = start, None
                while True:
                    reply = await api.get(f"/v1/threads/{thread_id}/posts", params={
                        "lang": target, "limit": 100, **({"cursor": cursor} if cursor else {})})
                    page_reads["count"] += 1
                    if reply.status_code != 200:
                        page_reads["failed"] += 1
                        break
                    seen = time.monotonic()
                    answer = reply.json()
                    for item in answer["items"]:
                        key = (item["id"], target)
                        if item["translated"]:
                            through_gateway.setdefault(key, seen)
                        elif first_pending is None:
                            first_pending = cursor
                    if not answer["next_cursor"]:
                        break
                    cursor = answer["next_cursor"]
                start = first_pending if first_pending is not None else cursor
                if posting_done.is_set() and len(through_gateway) == len(acked) * len(TARGETS):
                    return
                await asyncio.sleep(0.2)

        async def poll() -> None:
            while not stop_polling.is_set():
                keys = [(post_id, t) for post_id in list(acked) for t in TARGETS
                        if (post_id, t) not in readable]
                for start in range(0, len(keys), 500):
                    answer = await stub.GetTranslations(translation_pb2.GetTranslationsRequest(
                        keys=[translation_pb2.TranslationKey(content_id=c, target=t)
                              for c, t in keys[start:start + 500]]))
                    seen = time.monotonic()
                    for item in answer.translations:
                        if item.found:
                            readable[(item.content_id, item.target)] = seen
                if posting_done.is_set() and len(readable) == len(acked) * len(TARGETS):
                    all_seen.set()
                await asyncio.sleep(0.1)

        backlog = {"events": 0.0, "jobs": 0}
        metrics_url = f"http://127.0.0.1:{stack.config.metrics_ports['translation']}/metrics"
        mongo: AsyncMongoClient[dict[str, object]] = AsyncMongoClient(stack.config.mongo_uri)
        jobs = mongo["agora_translation"]["jobs"]

        async def sample() -> None:
            """Where translations wait: events not yet consumed, or jobs not yet done."""
            async with httpx.AsyncClient() as scraper:
                while not stop_polling.is_set():
                    text = (await scraper.get(metrics_url)).text
                    events = sum(float(line.rsplit(" ", 1)[1]) for line in text.splitlines()
                                 if line.startswith("agora_consumer_pending_messages{")
                                 and "translation-posts" in line)
                    backlog["events"] = max(backlog["events"], events)
                    backlog["jobs"] = max(backlog["jobs"], await jobs.count_documents({}))
                    await asyncio.sleep(1.0)

        sampler = asyncio.create_task(sample())
        poller = asyncio.create_task(poll())
        readers = [asyncio.create_task(read_pages(t)) for t in TARGETS]
        writers = []
        started = time.monotonic()
        n = 0
        while time.monotonic() - started < seconds:
            text = body(rng, texts, repeat)
            texts.append(text)
            writers.append(asyncio.create_task(post(n, text)))
            n += 1
            await asyncio.sleep(max(0.0, started + n / rate - time.monotonic()))
        await asyncio.gather(*writers)
        posting = time.monotonic() - started
        posting_done.set()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(asyncio.gather(all_seen.wait(), *readers), 60)
        stop_polling.set()
        await poller
        for reader in readers:
            reader.cancel()
        await asyncio.gather(*readers, return_exceptions=True)
        await sampler
        await mongo.close()
        await channel.close()
        stats = (await httpx.AsyncClient().get(f"{lt_url}/stats")).json()
    delays = sorted(readable[(p, t)] - acked[p] for p in acked for t in TARGETS
                    if (p, t) in readable)
    gateway_delays = sorted(through_gateway[(p, t)] - acked[p] for p in acked for t in TARGETS
                            if (p, t) in through_gateway)
    unique_chars = sum(len(text) for text in set(texts))
    return {
        "posts acknowledged": len(acked), "post failures": failures,
        "failure statuses": str(statuses),
        "posts/s acknowledged": len(acked) / posting,
        "translations readable through the gateway": len(through_gateway),
        "missing through the gateway after 60 s": len(acked) * len(TARGETS)
        - len(through_gateway),
        "gateway delay p50 s": _quantile(gateway_delays, 0.5),
        "gateway delay p95 s": _quantile(gateway_delays, 0.95),
        "gateway delay max s": _quantile(gateway_delays, 1.0),
        "page reads": page_reads["count"], "page reads failed": page_reads["failed"],
        "translations stored (service)": len(readable),
        "service delay p50 s": _quantile(delays, 0.5),
        "service delay p95 s": _quantile(delays, 0.95),
        "service delay max s": _quantile(delays, 1.0),
        "most events waiting for the consumer": backlog["events"],
        "most jobs waiting for the worker": backlog["jobs"],
        "provider calls": stats["calls"], "segments per call": stats["segments"] / max(
            1, stats["calls"]),
        "characters per call": stats["characters"] / max(1, stats["calls"]),
        "characters sent": stats["characters"],
        "unique characters x targets": unique_chars * len(TARGETS),
        "sent / (unique x targets)": stats["characters"] / max(1, unique_chars * len(TARGETS)),
    }


def _quantile(values: list[float], q: float) -> float:
    """The q-quantile of sorted values (nearest rank below), NaN when there are none."""
    return values[int(q * (len(values) - 1))] if values else float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--rate", type=float, default=20.0)
    parser.add_argument("--delay", type=float, default=0.2)
    parser.add_argument("--repeat", type=float, default=0.2,
                        help="share of posts repeating an earlier text")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-translation-"))
    logs = work / "logs"
    lt_port = processes.free_port()
    children = [
        processes.secantus(processes.free_port(), ":memory:", logs),
        processes.nats(processes.free_port(), work / "nats", logs),
        processes.redis(processes.free_port(), logs),
        Child("libretranslate", [sys.executable, "-m", "tests.translation.fake_libretranslate",
                                 str(lt_port), str(args.delay)], logs / "lt.log", port=lt_port)]
    stack = None
    try:
        for child in children:
            child.start()
        for child in children:
            child.wait_port(60)
        mongo, nats, redis, _ = children
        config = StackConfig.on_free_ports(
            mongo_uri=f"mongodb://127.0.0.1:{mongo.port}/?directConnection=true",
            nats_url=f"nats://127.0.0.1:{nats.port}", redis_url=f"redis://127.0.0.1:{redis.port}/0",
            log_dir=logs, extra_env={
                "AGORA_ENV": "test", "MAIL_DIR": str(work / "mail"), "LOG_LEVEL": "WARNING",
                "WRITE_RATE_PER_MINUTE": "100000", "TRANSLATION_PROVIDER": "libretranslate",
                "LIBRETRANSLATE_URL": f"http://127.0.0.1:{lt_port}"})
        stack = Stack(config)
        stack.start()
        results = asyncio.run(run(stack, f"http://127.0.0.1:{lt_port}", args.seconds,
                                  args.rate, args.repeat))
        print(f"cpus={os.cpu_count()} seconds={args.seconds} rate={args.rate} "
              f"delay={args.delay} repeat={args.repeat}")
        for name, value in results.items():
            print(f"{name}: {value:.3f}" if isinstance(value, float) else f"{name}: {value}")
    finally:
        if stack is not None:
            stack.stop()
        for child in reversed(children):
            child.stop()


if __name__ == "__main__":
    main()
