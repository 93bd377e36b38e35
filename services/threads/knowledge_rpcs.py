"""gRPC methods for resources and fact-checks (a mixin of the threads servicer)."""

from __future__ import annotations

from agora.v1 import threads_pb2, threads_pb2_grpc
from agora_kit.ids import decode_cursor, encode_cursor, require_id
from agora_kit.types import Context
from services.threads import knowledge, validation, workshops
from services.threads.messages import post_message, resource_message
from services.threads.paging import page_size
from services.threads.permissions import Action, require
from services.threads.store import ThreadsStore
from services.threads.visibility import Viewer

RESOURCE_BODY_MAX = 20_000


class KnowledgeRpcs(threads_pb2_grpc.ThreadsServiceServicer):
    """Resources, fact-checks and workshop imports."""

    _store: ThreadsStore
    _post_max_chars: int

    async def CreateResource(
        self, request: threads_pb2.CreateResourceRequest, context: Context
    ) -> threads_pb2.Resource:
        require(Action.PUBLISH_RESOURCE, request.actor_roles)
        doc = await knowledge.create_resource(
            self._store,
            consultation_id=require_id(request.consultation_id, field="consultation_id"),
            theme_id=require_id(request.theme_id, field="theme_id"),
            title=validation.title(request.title),
            body=validation.text(request.body, field="body", max_chars=RESOURCE_BODY_MAX),
            urls=knowledge.links(list(request.links), field="links"),
            actor=validation.actor(request.actor_id),
            idempotency_key=validation.idempotency_key(request.idempotency_key))
        return resource_message(doc)

    async def ListResources(
        self, request: threads_pb2.ListResourcesRequest, context: Context
    ) -> threads_pb2.ListResourcesResponse:
        limit = page_size(request.page_size)
        docs = await knowledge.list_resources(
            self._store,
            consultation_id=require_id(request.consultation_id, field="consultation_id"),
            theme_id=require_id(request.theme_id, field="theme_id") if request.theme_id else None,
            after=decode_cursor(request.cursor), limit=limit + 1)
        next_cursor = encode_cursor(docs[limit - 1]["_id"]) if len(docs) > limit else ""
        return threads_pb2.ListResourcesResponse(
            resources=[resource_message(d) for d in docs[:limit]], next_cursor=next_cursor)

    async def ImportWorkshop(
        self, request: threads_pb2.ImportWorkshopRequest, context: Context
    ) -> threads_pb2.ImportWorkshopResponse:
        require(Action.IMPORT_WORKSHOP, request.actor_roles)
        actor = validation.actor(request.actor_id)
        workshop = validation.title(request.workshop, field="workshop")
        consultation = await self._store.get_consultation(
            require_id(request.consultation_id, field="consultation_id"))
        lines, errors = workshops.parse(request.csv, consultation["themes"],
                                        max_chars=self._post_max_chars)
        if errors:
            return threads_pb2.ImportWorkshopResponse(errors=[
                threads_pb2.LineError(line=n, message=m) for n, m in errors])
        record = await workshops.import_once(
            self._store, consultation=consultation, workshop=workshop, lines=lines, actor=actor,
            idempotency_key=validation.idempotency_key(request.idempotency_key),
            request={"consultation_id": consultation["_id"], "workshop": workshop,
                     "csv": request.csv})
        return threads_pb2.ImportWorkshopResponse(imported=record["imported"],
                                                  thread_ids=record["thread_ids"])

    async def SetFactCheck(
        self, request: threads_pb2.SetFactCheckRequest, context: Context
    ) -> threads_pb2.Post:
        require(Action.FACT_CHECK, request.actor_roles)
        viewer = Viewer.of(validation.actor(request.actor_id), request.actor_roles)
        doc = await knowledge.fact_check(
            self._store, post_id=require_id(request.post_id, field="post_id"),
            status=request.status,
            note=validation.text(request.note, field="note", max_chars=knowledge.NOTE_MAX,
                                 min_chars=0),
            sources=knowledge.links(list(request.sources), field="sources"),
            viewer=viewer)
        return post_message(doc, viewer)

