"""The synthesis service as the runtime sees it."""

from __future__ import annotations

from collections.abc import Coroutine, Sequence
from dataclasses import replace
from datetime import timedelta
from typing import Any

import grpc

from agora.v1 import (
    events_pb2,
    exposure_pb2,
    exposure_pb2_grpc,
    opinions_pb2,
    opinions_pb2_grpc,
    synthesis_pb2,
    synthesis_pb2_grpc,
    topics_pb2,
    topics_pb2_grpc,
)
from agora_kit.events.catalog import EVENTS
from agora_kit.events.consumer import ConsumerSpec, Handler
from agora_kit.lease import holder_id
from agora_kit.mongo import Session
from agora_kit.periodic import every
from agora_kit.runtime import Dependencies, ServiceApp
from services.synthesis import corpus, extract_events, reactions
from services.synthesis.config import SynthesisSettings
from services.synthesis.contests import Contests
from services.synthesis.corpus import Corpus
from services.synthesis.deliverable import votes
from services.synthesis.deliverable.gather import Gatherer
from services.synthesis.deliverable.jobs import Jobs
from services.synthesis.deliverable.store import Store
from services.synthesis.deliverable.translations import Translations
from services.synthesis.deliverable.votes import VoteResults
from services.synthesis.exposure.service import Exposure, ExposureServicer
from services.synthesis.extract_events import ExtractEvents
from services.synthesis.extracts import Extracts
from services.synthesis.ideas import Ideas
from services.synthesis.opinions.servicer import OpinionsServicer
from services.synthesis.opinions.store import OpinionMaps
from services.synthesis.posts import Posts
from services.synthesis.reactions import Reactions
from services.synthesis.servicer import SynthesisServicer
from services.synthesis.syntheses import Syntheses
from services.synthesis.topics.rpcs import TopicsServicer
from services.synthesis.topics.runner import TopicRunner
from services.synthesis.topics.similar import SimilarIndex
from services.synthesis.topics.store import TopicStore
from services.synthesis.topics.suggestions import Suggestions

CORPUS_CONSUMER = ConsumerSpec(durable="synthesis-corpus",
                               filter_subjects=[EVENTS.post_created.filter_subject])
ERASURE_CONSUMER = ConsumerSpec(durable="synthesis-erasure",
                                filter_subjects=[EVENTS.user_erased.filter_subject])


class SynthesisApp(ServiceApp):
    name = "synthesis"
    grpc_services = (synthesis_pb2.DESCRIPTOR.services_by_name["SynthesisService"].full_name,
                     exposure_pb2.DESCRIPTOR.services_by_name["ExposureService"].full_name,
                     opinions_pb2.DESCRIPTOR.services_by_name["OpinionsService"].full_name,
                     topics_pb2.DESCRIPTOR.services_by_name["TopicsService"].full_name)

    def __init__(
        self, settings: SynthesisSettings, *, corpus_consumer: ConsumerSpec = CORPUS_CONSUMER,
        consumer_prefix: str = "synthesis",
    ) -> None:
        """`consumer_prefix` renames the other durable consumers (`synthesis-…`), so a
        second instance on the same NATS (a test's) never takes the stack's events."""
        self.database = settings.synthesis_database
        self._corpus_consumer = corpus_consumer
        self._consumer_prefix = consumer_prefix
        self._posts = Posts(settings.threads_addr)
        self._exposure_min_reactions = settings.exposure_min_reactions
        self._settings = settings

    def register(self, server: grpc.aio.Server, deps: Dependencies) -> None:
        self.corpus = Corpus(deps.db)
        self.extracts = Extracts(mongo=deps.mongo, db=deps.db, outbox=deps.outbox,
                                 posts=self._posts)
        self._extract_events = ExtractEvents(self.extracts, deps.outbox, self._posts)
        self.reactions = Reactions(deps.db, deps.outbox)
        self.opinion_maps = OpinionMaps(deps.db)
        opinions_pb2_grpc.add_OpinionsServiceServicer_to_server(
            OpinionsServicer(self.opinion_maps), server)
        self.ideas = Ideas(mongo=deps.mongo, db=deps.db, outbox=deps.outbox, posts=self._posts,
                           reactions=self.reactions)
        self.syntheses = Syntheses(mongo=deps.mongo, db=deps.db, outbox=deps.outbox,
                                   posts=self._posts)
        self.contests = Contests(mongo=deps.mongo, db=deps.db, outbox=deps.outbox,
                                 syntheses=self.syntheses)
        self.exposure = Exposure(deps.db, self.reactions,
                                 min_reactions=self._exposure_min_reactions)
        exposure_pb2_grpc.add_ExposureServiceServicer_to_server(
            ExposureServicer(self.exposure), server)
        self.votes = VoteResults(deps.db, self._settings.voting_addr)
        self.store = Store(deps.db)
        self.jobs = Jobs(mongo=deps.mongo, db=deps.db, outbox=deps.outbox, posts=self._posts,
                         store=self.store,
                         gatherer=Gatherer(db=deps.db, posts=self._posts, ideas=self.ideas,
                                           corpus=self.corpus, votes=self.votes,
                                           translations=Translations(
                                               self._settings.translation_addr)),
                         lease_seconds=self._settings.deliverable_lease_seconds)
        synthesis_pb2_grpc.add_SynthesisServiceServicer_to_server(
            SynthesisServicer(self.corpus, self.extracts, self.ideas, self.syntheses,
                              self.contests, self.jobs, self.store), server
        )
        self.topics = TopicStore(mongo=deps.mongo, db=deps.db)
        self.topic_runner = TopicRunner(deps.db, self.topics)
        self.similar = SimilarIndex(deps.db)
        topics_pb2_grpc.add_TopicsServiceServicer_to_server(TopicsServicer(
            db=deps.db, posts=self._posts, store=self.topics, runner=self.topic_runner,
            suggestions=Suggestions(db=deps.db, ideas=self.ideas, extracts=self.extracts,
                                    posts=self._posts),
            similar=self.similar, ideas=self.ideas), server)

    async def prepare(self, deps: Dependencies) -> None:
        await self.corpus.ensure_indexes()
        await self.extracts.ensure_indexes()
        await self.reactions.ensure_indexes()
        await self.opinion_maps.ensure_indexes()
        await self.ideas.ensure_indexes()
        await self.syntheses.ensure_indexes()
        await self.contests.ensure_indexes()
        await self.exposure.ensure_indexes()
        await self.votes.ensure_indexes()
        await self.store.ensure_indexes()
        await self.jobs.ensure_indexes()
        await self.topics.ensure_indexes()

    def consumers(self, deps: Dependencies) -> Sequence[tuple[ConsumerSpec, Handler]]:
        own: list[tuple[ConsumerSpec, Handler]] = [
            (ERASURE_CONSUMER, self.corpus.anonymise),
            (extract_events.EDITS_CONSUMER, self._extract_events.on_edited),
            (extract_events.MODERATION_CONSUMER, self._extract_events.on_moderated),
            (extract_events.ERASURE_CONSUMER, self._extract_events.on_erased),
            (reactions.CONSUMER, self._on_reaction),
            (votes.CONSUMER, self.votes.apply),
            (corpus.CHANGES_CONSUMER, self.corpus.follow)]
        return [(self._corpus_consumer, self.corpus.ingest_post),
                *((self._named(spec), handler) for spec, handler in own)]

    async def _on_reaction(self, envelope: events_pb2.EventEnvelope, session: Session) -> None:
        """The reaction read model, and the consultation's opinion map is due."""
        await self.reactions.apply(envelope, session)
        if envelope.consultation_id:
            await self.opinion_maps.mark_dirty(envelope.consultation_id, session)

    def background(self, deps: Dependencies) -> Sequence[Coroutine[Any, Any, None]]:
        # Every replica looks: each deliverable job and each consultation's opinion map
        # recompute has its own lease (deliverable/jobs.py, opinions/store.py).
        holder = holder_id()
        debounce = timedelta(seconds=self._settings.opinion_debounce_seconds)
        return [every(self._settings.deliverable_resume_seconds, self.jobs.resume,
                      name="unfinished deliverables"),
                every(self._settings.opinion_check_seconds,
                      lambda: self.opinion_maps.recompute_due(holder, debounce),
                      name="opinion maps"),
                self.similar.serve(), self.topic_runner.serve()]

    def _named(self, spec: ConsumerSpec) -> ConsumerSpec:
        return replace(spec, durable=spec.durable.replace("synthesis", self._consumer_prefix, 1))
