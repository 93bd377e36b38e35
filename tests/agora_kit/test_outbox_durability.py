"""Nothing lost, nothing doubled: posts written while NATS is down, with the writer
killed before it could publish, are each delivered exactly once after recovery."""

from __future__ import annotations

from pathlib import Path

import grpc
import httpx
import nats
from nats.js.api import ConsumerInfo
from pymongo import AsyncMongoClient

from agora.v1 import synthesis_pb2, synthesis_pb2_grpc, threads_pb2, threads_pb2_grpc
from agora_kit.events.catalog import EVENTS
from agora_kit.events.streams import EVENTS_STREAM
from devstack import processes
from devstack.stack import StackConfig
from services.synthesis.app import CORPUS_CONSUMER
from tests.helpers import eventually, metric_value

POSTS = 25


async def test_posts_survive_nats_outage_and_writer_crash(
    mongo_uri: str, redis_url: str, work_dir: Path,
) -> None:
    logs = work_dir / "durability"
    nats_port = processes.free_port()
    broker = processes.nats(nats_port, logs / "nats-store", logs).start().wait_port()
    config = StackConfig.on_free_ports(
        mongo_uri=mongo_uri, nats_url=f"nats://127.0.0.1:{nats_port}", redis_url=redis_url,
        log_dir=logs,
        extra_env={"THREADS_DATABASE": "durability_threads",
                   "SYNTHESIS_DATABASE": "durability_synthesis"},
    )
    threads = processes.service("threads", config.env("threads"), logs).start()
    synthesis = processes.service("synthesis", config.env("synthesis"), logs).start()
    try:
        processes.wait_serving(threads, config.address("threads"))
        processes.wait_serving(synthesis, config.address("synthesis"))
        async with grpc.aio.insecure_channel(config.address("threads")) as channel:
            stub = threads_pb2_grpc.ThreadsServiceStub(channel)
            consultation = await stub.CreateConsultation(threads_pb2.CreateConsultationRequest(
                title="Durability", languages=["en"], actor_id="op", actor_roles=["operator"],
                themes=[threads_pb2.ThemeDraft(title="t")]))
            thread = await stub.CreateThread(threads_pb2.CreateThreadRequest(
                consultation_id=consultation.id, theme_id=consultation.themes[0].id,
                title="t", actor_id="op", actor_roles=["participant"]))

            broker.stop()  # NATS down: writes must still be acknowledged
            for i in range(POSTS):
                await stub.CreatePost(threads_pb2.CreatePostRequest(
                    thread_id=thread.id, body=f"post {i}", actor_id=f"p{i % 5}",
                    actor_roles=["participant"],
                    format=threads_pb2.POST_FORMAT_PLAIN), timeout=10)
        threads.kill()  # the writer crashes with its whole outbox unpublished
        mongo: AsyncMongoClient[dict[str, object]] = AsyncMongoClient(mongo_uri)
        pending = await mongo["durability_threads"]["outbox"].count_documents(
            {"type": "post.created", "published_at": None})
        await mongo.close()
        assert pending == POSTS

        broker.start().wait_port()
        threads = processes.service("threads", config.env("threads"), logs).start()
        processes.wait_serving(threads, config.address("threads"))

        async with grpc.aio.insecure_channel(config.address("synthesis")) as channel:
            synthesis_stub = synthesis_pb2_grpc.SynthesisServiceStub(channel)

            async def stats() -> synthesis_pb2.CorpusStats:
                reply: synthesis_pb2.CorpusStats = await synthesis_stub.GetCorpusStats(
                    synthesis_pb2.GetCorpusStatsRequest(consultation_id=consultation.id))
                return reply

            final = await eventually(stats, lambda s: s.contributions >= POSTS, within=60)
        assert final.contributions == POSTS

        # Exactly once: the stream holds one message per post, the consumer applied each once.
        client = await nats.connect(config.nats_url)
        try:
            js = client.jetstream()
            info = await js.stream_info(EVENTS_STREAM,
                                        subjects_filter=EVENTS.post_created.filter_subject)
            assert sum((info.state.subjects or {}).values()) == POSTS

            # Nothing left to deliver or awaiting an ack: no redelivery can come any more,
            # so the counters below are final (rather than waiting a while and hoping).
            async def corpus_consumer() -> ConsumerInfo:
                info: ConsumerInfo = await js.consumer_info(EVENTS_STREAM,
                                                            CORPUS_CONSUMER.durable)
                return info

            await eventually(corpus_consumer,
                             lambda c: c.num_pending == 0 and c.num_ack_pending == 0, within=30)
        finally:
            await client.close()
        metrics_url = f"http://127.0.0.1:{config.metrics_ports['synthesis']}/metrics"
        async with httpx.AsyncClient() as http:
            text = (await http.get(metrics_url)).text
        applied = metric_value(text, "agora_events_consumed_total", type="post.created",
                               outcome="applied")
        assert applied == POSTS
    finally:
        for child in (threads, synthesis, broker):
            child.stop()
