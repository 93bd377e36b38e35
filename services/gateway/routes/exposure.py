"""/v1/consultations/{id}/next-posts — the posts a participant is offered to react to next.

The synthesis service orders them (services/synthesis/exposure/): new posts first until
each has its minimum of reactions, then a mix of consensus and controversial ones;
never the caller's own, never one they reacted to, one per author and no near-duplicates
in a batch. The answer names posts; the client reads each through `GET /v1/posts/{id}`
(which applies the reader's visibility and language) and reacts with
`PUT /v1/posts/{id}/reaction`, after which the next call offers other posts. It is the
caller's own and changes with every reaction: never cached.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, Field

from agora.v1 import exposure_pb2, threads_pb2
from services.gateway.deps import Clients, CurrentUser
from services.gateway.problems import Problem
from services.gateway.routes.ids import existing_id
from services.gateway.schemas import ResourceId

router = APIRouter(prefix="/v1/consultations", tags=["synthesis"])
MAX_BATCH = 50


class OfferedPostPublic(BaseModel):
    post_id: str
    thread_id: str
    reason: Literal["new", "consensus", "controversial"] = Field(
        description="new: below the minimum of reactions; consensus / controversial: the "
                    "two halves of the mix that follows.")
    url: str = Field(description="The post, as the caller reads it.")


class NextPostsPublic(BaseModel):
    items: list[OfferedPostPublic]


@router.get("/{consultation_id}/next-posts", response_model=NextPostsPublic)
async def next_posts(
    consultation_id: str, user: CurrentUser, clients: Clients, response: Response,
    thread_id: Annotated[ResourceId | None, Query(
        description="Only this thread's posts (a thread of this consultation).")] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_BATCH)] = 5,
) -> NextPostsPublic:
    """The caller's next posts to react to, in the order to show them."""
    consultation_id = existing_id(consultation_id, "consultation")
    if thread_id is not None:
        thread = await clients.call("threads", clients.threads.GetThread,
                                    threads_pb2.GetThreadRequest(thread_id=thread_id))
        if thread.consultation_id != consultation_id:
            raise Problem(404, f"thread {thread_id} is not a thread of this consultation",
                          kind="not-found")
    reply = await clients.call("synthesis", clients.exposure.NextPosts,
                               exposure_pb2.NextPostsRequest(
                                   consultation_id=consultation_id, thread_id=thread_id or "",
                                   viewer_id=user.account_id, size=limit))
    response.headers["Cache-Control"] = "no-store"
    return NextPostsPublic(items=[
        OfferedPostPublic(post_id=p.post_id, thread_id=p.thread_id, reason=p.reason,
                          url=f"/v1/posts/{p.post_id}") for p in reply.posts])
