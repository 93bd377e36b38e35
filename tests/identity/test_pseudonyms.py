"""Pseudonyms per consultation: unique there, never an email, resolved by identity."""

from __future__ import annotations

from pathlib import Path

import grpc
import httpx

from agora.v1 import identity_pb2, identity_pb2_grpc
from devstack.stack import Stack
from tests.helpers import create_consultation, create_thread
from tests.identity.support import new_account


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
    assert set(names) == {ada.account_id, bob.account_id}
    assert names[ada.account_id] == ("Owl", True)
    assert names[bob.account_id][1] is False


async def test_posts_show_their_author_under_the_pseudonym(api: httpx.AsyncClient,
                                                           work_dir: Path) -> None:
    consultation = await create_consultation(api)
    thread = await create_thread(api, consultation)
    ada = await new_account(api, work_dir / "mail")
    written = await api.post(f"/v1/threads/{thread['id']}/posts", json={"body": "Hello"},
                             headers=ada.headers)
    assert written.status_code == 201, written.text
    display_name = (await api.get("/v1/accounts/me", headers=ada.headers)).json()["display_name"]

    async def shown() -> tuple[str | None, str | None]:
        page = (await api.get(f"/v1/threads/{thread['id']}/posts")).json()
        one = (await api.get(f"/v1/posts/{written.json()['id']}")).json()
        return page["items"][0]["author_name"], one["author_name"]

    assert await shown() == (display_name, display_name)
    renamed = await api.put(f"/v1/consultations/{consultation['id']}/pseudonym",
                            json={"pseudonym": "Night Owl"}, headers=ada.headers)
    assert renamed.status_code == 204
    assert await shown() == ("Night Owl", "Night Owl")
