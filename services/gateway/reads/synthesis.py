"""Synthesis reads — ideas tables, extracts, syntheses, versions, contests — answered from
the read cache the posts page uses (reads/cache.py `ReadCache.answer`), with its ETag.

Why cached whole: every one of these answers is a function of the synthesis service's
own read model of one consultation, which changes only through that service's events
(`extract.*`, `idea.*`, `synthesis.*`, `contest.*`; a reaction, moderation or erasure
reaching an extract's post is `extract.source_changed`). So one generation per
consultation, renewed by those events (events/cache.py) and by the gateway right after
it forwards a write (its author reads it at once), keeps every cached answer true: a
read after the change builds a new answer, never the old one.

A request's key is its path and query plus the reader's *view*: what the service would
answer differently for them (synthesisers see drafts; moderators read hidden quotes).
Readers whose answer could be theirs alone read through the service — see
`withholds_quote`. Ideas and versions read in another language (synthesis_reading.py) are
keyed by that language too, and renewed with the rest when `translation.ready` announces
one of their texts (events/cache.py); an answer whose translations could not be read
(`Untranslated`) is sent, never stored.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import Header, Response
from pydantic import BaseModel

from services.gateway.auth import Principal
from services.gateway.permissions import allowed
from services.gateway.reads.cache import Answer, dumps, synthesis_generations
from services.gateway.reads.posts_page import sent
from services.gateway.resources import Resources


@dataclass(frozen=True)
class Untranslated:
    """An answer built without the translations it asked for: sent, never cached."""

    model: BaseModel


Build = Callable[[], Awaitable[BaseModel | Untranslated]]
# The answer as the service gives it to this reader (None: the public view).
BuildAs = Callable[[Principal | None], Build]
IfNoneMatch = Annotated[str | None, Header(include_in_schema=False)]


async def answer(resources: Resources, *, read: str, consultation_id: str, view: str,
                 request: str, build: Build, language: str = "") -> Answer:
    """The answer as bytes: cached under the consultation's synthesis generation (and
    the language it is read in), or built from the service when Redis is unreachable."""

    found = await resources.read_cache.answer(
        read, synthesis_generations(consultation_id), f"{request}\n{view}\n{language}",
        lambda: _built(build, consultation_id))
    return found if found is not None else await _built(build, consultation_id)


async def extracts_answer(resources: Resources, viewer: Principal | None, *, read: str,
                          consultation_id: str, request: str, build_as: BuildAs) -> Answer:
    """Extracts as `viewer` reads them: the cached public view, unless they may read
    more — moderators read hidden posts' quotes, and a signed-in reader could be the
    author of a post whose quote the public view withholds — then through the service."""
    if viewer is None or not allowed("post.moderate", viewer.roles):
        public = await answer(resources, read=read, consultation_id=consultation_id,
                              view="", request=request, build=build_as(None))
        if viewer is None or not withholds_quote(public):
            return public
    return await _built(build_as(viewer), consultation_id)


async def _built(build: Build, consultation_id: str) -> Answer:
    model = await build()
    if isinstance(model, Untranslated):
        return Answer(dumps(model.model.model_dump(mode="json")), consultation_id, "",
                      transient=True)
    return Answer(dumps(model.model_dump(mode="json")), consultation_id, "")


def respond(found: Answer, if_none_match: str | None,
            headers: dict[str, str] | None = None) -> Response:
    """The answer with its strong ETag, or 304 when the client holds these bytes."""
    status, sent_headers, body = sent(found, if_none_match)
    return Response(content=body, status_code=status, headers={
        **{key.decode(): value.decode() for key, value in sent_headers}, **(headers or {})})


def withholds_quote(found: Answer) -> bool:
    """Whether an answer of extracts withholds a hidden post's quote: its author (whom
    the gateway cannot tell from the public view) reads it through the service."""
    return b'"quote_withheld":true' in found.body
