"""Pseudonyms per consultation: unique there, never an email, resolved by identity."""

from __future__ import annotations

import uuid
from pathlib import Path

import grpc
import httpx
import pytest
from pymongo import AsyncMongoClient

from agora.v1 import identity_pb2, identity_pb2_grpc
from agora_kit.errors import AlreadyExists
from devstack.stack import Stack
from services.identity.pseudonyms import Pseudonyms
from tests.helpers import create_consultation, create_thread
from tests.identity.support import Session, new_account


async def test_pseudonyms_are_unique_per_consultation(api: httpx.AsyncClient, stack: Stack,
                                                      work_dir: Path) -> None:
    cid = str((await create_consultation(api))["id"])
    other = str((await create_consultation(api))["id"])
    ada = await new_account(api, work_dir / "mail")
    bob = await new_account(api, work_dir / "mail")
    url = f"/v1/consultations/{cid}/pseudonym"
    assert (await api.put(url, json={"pseudonym": "Owl"}, headers=ada.headers)).status_code == 204
    taken = await api.put(url, json={"pseudonym": "owl"}, headers=bob.headers)
    assert taken.status_code == 409
    assert (await api.put(f"/v1/consultations/{other}/pseudonym", json={"pseudonym": "Owl"},
                          headers=bob.headers)).status_code == 204
    assert (await api.put(url, json={"pseudonym": "me@x.org"},
                          headers=bob.headers)).status_code == 422
    async with grpc.aio.insecure_channel(stack.config.address("identity")) as channel:
        stub = identity_pb2_grpc.IdentityServiceStub(channel)
        # An id that is no account id (a development token's) names nobody, and does not
        # cost the others their names.
        reply = await stub.GetPublicNames(identity_pb2.GetPublicNamesRequest(
            consultation_id=cid, account_ids=[ada.account_id, "dev-user", bob.account_id]),
            timeout=5)
    names = {n.account_id: (n.name, n.pseudonymous) for n in reply.names}
    assert names == {ada.account_id: ("Owl", True)}  # bob has neither name of his own


async def test_posts_show_their_author_under_the_pseudonym(api: httpx.AsyncClient,
                                                           work_dir: Path) -> None:
    consultation = await create_consultation(api)
    thread = await create_thread(api, consultation)
    ada = await new_account(api, work_dir / "mail", display_name="Ada L.")
    written = await api.post(f"/v1/threads/{thread['id']}/posts", json={"body": "Hello"},
                             headers=ada.headers)
    assert written.status_code == 201, written.text
    display_name = (await api.get("/v1/accounts/me", headers=ada.headers)).json()["display_name"]
    assert display_name == "Ada L."

    async def shown() -> tuple[str | None, str | None]:
        page = (await api.get(f"/v1/threads/{thread['id']}/posts")).json()
        one = (await api.get(f"/v1/posts/{written.json()['id']}")).json()
        return page["items"][0]["author_name"], one["author_name"]

    assert await shown() == (display_name, display_name)
    renamed = await api.put(f"/v1/consultations/{consultation['id']}/pseudonym",
                            json={"pseudonym": "Night Owl"}, headers=ada.headers)
    assert renamed.status_code == 204
    assert await shown() == ("Night Owl", "Night Owl")


async def test_pseudonyms_are_normalised_and_lookalikes_are_one_name(
        api: httpx.AsyncClient, stack: Stack, work_dir: Path) -> None:
    cid = str((await create_consultation(api))["id"])
    ada = await new_account(api, work_dir / "mail")
    bob = await new_account(api, work_dir / "mail")
    url = f"/v1/consultations/{cid}/pseudonym"

    async def put(who: Session, pseudonym: str) -> httpx.Response:
        return await api.put(url, json={"pseudonym": pseudonym}, headers=who.headers)

    for empty in ("   ", "\u200b", "\u200d\ufeff", "\u202e \u2066"):
        refused = await put(bob, empty)
        assert refused.status_code == 422, (empty, refused.text)
        assert refused.headers["content-type"] == "application/problem+json"
        assert refused.json()["errors"][0]["field"] == "pseudonym"
        assert "visible character" in refused.json()["detail"]
    mixed = await put(bob, "\u0410lice")  # a Cyrillic A among Latin letters
    assert mixed.status_code == 422, mixed.text
    assert mixed.json()["errors"][0]["field"] == "pseudonym"
    assert "scripts" in mixed.json()["detail"]
    assert (await put(bob, "\uff4de\uff20example.org")).status_code == 422  # fullwidth @ is an @

    assert (await put(ada, "Alice")).status_code == 204
    for lookalike in ("alice", "Alice\u200b", "A\u200dlice", " Alice ", "AIice",
                      "\uff21\uff4c\uff49\uff43\uff45",  # fullwidth
                      "\u0410\u04c0\u0456\u0441\u0435"):  # all Cyrillic
        taken = await put(bob, lookalike)
        assert taken.status_code == 409, (lookalike, taken.text)
        assert "looks like it" in taken.json()["detail"]
    # A name is stored as it is shown: "Night\u200bOwl" is "NightOwl" for everyone.
    assert (await put(bob, "Night\u200b  \u202eOwl\u202c")).status_code == 204
    async with grpc.aio.insecure_channel(stack.config.address("identity")) as channel:
        reply = await identity_pb2_grpc.IdentityServiceStub(channel).GetPublicNames(
            identity_pb2.GetPublicNamesRequest(consultation_id=cid,
                                               account_ids=[bob.account_id]), timeout=5)
    assert [n.name for n in reply.names] == ["Night Owl"]


async def test_pseudonyms_stored_before_lookalike_keys_get_them_at_start(
        mongo: AsyncMongoClient[dict[str, object]]) -> None:
    db = mongo[f"pseudonyms_{uuid.uuid4().hex[:8]}"]
    legacy = db["pseudonyms"]
    await legacy.create_index([("consultation_id", 1), ("folded", 1)], unique=True)
    await legacy.insert_many([
        {"_id": "c:a", "consultation_id": "c", "account_id": "a", "name": "Owl",
         "folded": "owl"},
        {"_id": "c:b", "consultation_id": "c", "account_id": "b", "name": "0wl",
         "folded": "0wl"}])  # looked different to the case fold; looks alike now
    pseudonyms = Pseudonyms(db)
    await pseudonyms.ensure_indexes()
    await pseudonyms.ensure_indexes()  # idempotent
    stored = {d["_id"]: d async for d in legacy.find()}
    assert stored["c:a"]["skeleton"] == "owl"
    assert stored["c:b"]["skeleton"] == "owl#c:b"  # kept apart until its owner renames
    assert "consultation_id_1_folded_1" not in await legacy.index_information()
    with pytest.raises(AlreadyExists):
        await pseudonyms.set(consultation_id="c", account_id="d", pseudonym="OWL")
    await mongo.drop_database(db.name)
