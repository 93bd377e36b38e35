"""Posts as the synthesis service reads them: from threads, through its gRPC API.

Threads owns posts; synthesis never reads its database. Filing and re-anchoring an
extract ask threads for the post's current original text (`body`, as written, in its
original language: translations are never anchored on), as the harvester may see it.
Consumers that re-read a post after moderation ask as the system, with the moderator's
view (the text of a hidden post), since they only keep anchors current and show nobody
the text.
"""

from __future__ import annotations

from dataclasses import dataclass

import grpc

from agora.v1 import threads_pb2, threads_pb2_grpc
from agora_kit.consultations import Unavailable, fetch_consultation
from agora_kit.errors import FIELD_METADATA_KEY, DomainError, NotFound
from agora_kit.grpc_interceptors import client_channel

RPC_TIMEOUT_SECONDS = 5.0
VISIBLE, HIDDEN, PENDING = "visible", "hidden", "pending"
_STATUS = {threads_pb2.POST_STATUS_VISIBLE: VISIBLE, threads_pb2.POST_STATUS_HIDDEN: HIDDEN,
           threads_pb2.POST_STATUS_PENDING: PENDING,
           threads_pb2.POST_STATUS_UNSPECIFIED: VISIBLE}
SYSTEM_ROLES = ("moderator",)



class Refused(DomainError):
    """Threads refused a request made on a caller's behalf: passed on with its status,
    message and field, so the caller sees threads' own reason (its phase, its roles)."""

    def __init__(self, error: grpc.aio.AioRpcError) -> None:
        field = dict(error.trailing_metadata() or ()).get(FIELD_METADATA_KEY)
        super().__init__(error.details() or "threads refused the request",
                         field=str(field) if field else None)
        self.code = error.code()


@dataclass(frozen=True)
class Post:
    id: str
    consultation_id: str
    thread_id: str
    theme_id: str
    author_id: str
    body: str
    language: str
    revision: int
    status: str


class Posts:
    def __init__(self, threads_addr: str) -> None:
        self._threads_addr = threads_addr
        self._stub: threads_pb2_grpc.ThreadsServiceStub | None = None

    def _threads(self) -> threads_pb2_grpc.ThreadsServiceStub:
        if self._stub is None:
            self._stub = threads_pb2_grpc.ThreadsServiceStub(
                client_channel(self._threads_addr, service="synthesis"))
        return self._stub

    async def get(self, post_id: str, *, viewer_id: str = "system",
                  viewer_roles: tuple[str, ...] = SYSTEM_ROLES) -> Post:
        """The post as the viewer may see it; NotFound when it does not exist for them."""
        try:
            post = await self._threads().GetPost(
                threads_pb2.GetPostRequest(post_id=post_id, viewer_id=viewer_id,
                                           viewer_roles=list(viewer_roles)),
                timeout=RPC_TIMEOUT_SECONDS)
        except grpc.aio.AioRpcError as error:
            if error.code() in (grpc.StatusCode.NOT_FOUND, grpc.StatusCode.INVALID_ARGUMENT):
                raise NotFound(f"post {post_id} does not exist", field="post_id") from None
            raise Unavailable("the threads service did not answer; retry shortly") from None
        return Post(id=post.id, consultation_id=post.consultation_id,
                    thread_id=post.thread_id, theme_id=post.theme_id,
                    author_id=post.author_id, body=post.body, language=post.language,
                    revision=post.revision, status=_STATUS[post.status])

    async def create_thread(self, request: threads_pb2.CreateThreadRequest) -> str:
        """Create a thread in threads on the caller's behalf (their roles are in the
        request); its id."""
        try:
            thread = await self._threads().CreateThread(request, timeout=RPC_TIMEOUT_SECONDS)
        except grpc.aio.AioRpcError as error:
            if error.code() in (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED):
                raise Unavailable("the threads service did not answer; retry shortly") from None
            raise Refused(error) from None
        return str(thread.id)

    async def theme_ids(self, consultation_id: str) -> set[str]:
        """The consultation's themes (NotFound for an unknown consultation)."""
        return {theme.id for theme in (await self.consultation(consultation_id)).themes}

    async def two_columns(self, thread_id: str) -> tuple[threads_pb2.Thread,
                                                         list[threads_pb2.Post]]:
        """A two-column thread and its posts as a public reader sees them (a hidden post's
        text withheld), for the deliverable's arguments."""
        try:
            thread = await self._threads().GetThread(
                threads_pb2.GetThreadRequest(thread_id=thread_id), timeout=RPC_TIMEOUT_SECONDS)
            posts: list[threads_pb2.Post] = []
            cursor = ""
            while True:
                page = await self._threads().ListPosts(
                    threads_pb2.ListPostsRequest(thread_id=thread_id, page_size=100,
                                                 cursor=cursor),
                    timeout=RPC_TIMEOUT_SECONDS)
                posts += page.posts
                cursor = page.next_cursor
                if not cursor:
                    return thread, posts
        except grpc.aio.AioRpcError as error:
            if error.code() == grpc.StatusCode.NOT_FOUND:
                raise NotFound(f"thread {thread_id} does not exist", field="thread_id") from None
            raise Unavailable("the threads service did not answer; retry shortly") from None

    async def consultation(self, consultation_id: str) -> threads_pb2.Consultation:
        """The consultation (NotFound for an unknown one)."""
        found = await fetch_consultation(self._threads(), consultation_id,
                                             deadline_seconds=RPC_TIMEOUT_SECONDS)
        return found
