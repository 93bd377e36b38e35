"""The names posts are shown under: a participant's pseudonym in the consultation, else
their display name, else none (identity's `GetPublicNames`; readers then label the author
by `author_key`), cached in Redis per consultation and account.

Every answer and live event that carries a post names its author through here (pages,
one post, a created or edited post, moderation, the SSE stream). Names are decoration:
when identity or Redis cannot answer, posts go out without `author_name` rather than
failing the read. A pseudonym set through the gateway drops the
cached name at once; otherwise a name is at most `ttl` seconds old.

Readers never see an account id (author_keys.py), but names are found by account: a page
of posts is built with each post's account in an internal field (`authored`), kept in
the page cache, and `name_posts` swaps it for the name before anything is sent.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from typing import Any

import grpc
from redis.asyncio import Redis
from redis.exceptions import RedisError

from agora.v1 import identity_pb2, threads_pb2
from services.gateway.author_keys import AuthorKeys
from services.gateway.clients import ServiceClients
from services.gateway.schemas import PostPublic

log = logging.getLogger(__name__)
# A post dict's author account while the gateway builds a page; never in an answer.
AUTHOR_ACCOUNT = "_author_account"


def authored(message: threads_pb2.Post, keys: AuthorKeys) -> dict[str, Any]:
    """The post's public JSON, plus its author's account for `name_posts` to use."""
    return {**PostPublic.of(message, keys).model_dump(mode="json"),
            AUTHOR_ACCOUNT: message.author_id}


def _key(consultation_id: str, account_id: str) -> str:
    return f"pn:{consultation_id}:{account_id}"


class PublicNames:
    def __init__(self, redis: Redis, clients: ServiceClients, *, ttl: int) -> None:
        self._redis = redis
        self._clients = clients
        self._ttl = ttl

    async def of(self, consultation_id: str, account_ids: Iterable[str]) -> dict[str, str]:
        """account id → public name, for the accounts identity knows."""
        wanted = sorted(set(account_ids))
        if not wanted:
            return {}
        try:
            cached = await self._redis.mget([_key(consultation_id, a) for a in wanted])
        except RedisError as error:
            log.warning("public names not cached", extra={"error": repr(error)})
            cached = [None] * len(wanted)
        names = {a: v.decode() for a, v in zip(wanted, cached, strict=True)
                 if isinstance(v, bytes) and v}
        missing = [a for a, v in zip(wanted, cached, strict=True) if v is None]
        if missing:
            found = await self._fetch(consultation_id, missing)
            if found is None:
                return names
            names.update(found)
            try:  # "" remembers an account identity does not know (dev tokens, erased)
                async with self._redis.pipeline(transaction=False) as pipe:
                    for account in missing:
                        pipe.set(_key(consultation_id, account), found.get(account, ""),
                                 ex=self._ttl)
                    await pipe.execute()
            except RedisError as error:
                log.warning("public names not cached", extra={"error": repr(error)})
        return names

    async def forget(self, consultation_id: str, account_id: str) -> None:
        try:
            await self._redis.delete(_key(consultation_id, account_id))
        except RedisError as error:
            log.warning("public name not dropped", extra={"error": repr(error)})

    async def name_posts(self, posts: list[dict[str, Any]]) -> None:
        """Set `author_name` on post dicts built by `authored` (all of one consultation),
        removing the author's account from them."""
        accounts = [str(post.pop(AUTHOR_ACCOUNT, "")) for post in posts]
        if not posts:
            return
        names = await self.of(posts[0]["consultation_id"], (a for a in accounts if a))
        for post, account in zip(posts, accounts, strict=True):
            post["author_name"] = names.get(account)

    async def name(self, message: threads_pb2.Post, keys: AuthorKeys) -> PostPublic:
        """The post's public view with `author_name` set."""
        return (await self.name_all([message], keys))[0]

    async def name_all(self, messages: Sequence[threads_pb2.Post],
                       keys: AuthorKeys) -> list[PostPublic]:
        """The posts' public views (all of one consultation) with `author_name` set; the
        authors' accounts are read from the messages and never leave this function."""
        if not messages:
            return []
        names = await self.of(messages[0].consultation_id, (m.author_id for m in messages))
        return [PostPublic.of(m, keys).model_copy(update={"author_name": names.get(m.author_id)})
                for m in messages]

    async def _fetch(self, consultation_id: str,
                     accounts: list[str]) -> dict[str, str] | None:
        try:
            reply = await self._clients.identity.GetPublicNames(
                identity_pb2.GetPublicNamesRequest(consultation_id=consultation_id,
                                                   account_ids=accounts),
                timeout=self._clients.timeout)
        except grpc.aio.AioRpcError as error:
            log.warning("public names unavailable", extra={"error": error.code().name})
            return None
        return {n.account_id: n.name for n in reply.names if n.name}
