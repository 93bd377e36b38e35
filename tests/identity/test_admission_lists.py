"""Lists apply the admission of their items: `GET /v1/consultations` shows a caller
exactly the consultations whose own route admits them, with full pages and cursors that
skip nothing (real accounts, real grants and access policies)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from agora_kit.ids import encode_cursor
from tests.helpers import auth, create_consultation, create_thread
from tests.identity.support import Session, new_account

OPERATOR = auth("root~operator")


@pytest.fixture
def mail_dir(work_dir: Path) -> Path:
    return work_dir / "mail"


async def walk(api: httpx.AsyncClient, headers: dict[str, str], after: str,
               limit: int) -> list[list[dict[str, Any]]]:
    """Every page of the list from just after id `after`, following next_cursor."""
    pages = []
    cursor = encode_cursor(after)
    while cursor:
        reply = await api.get("/v1/consultations", params={"limit": limit, "cursor": cursor},
                              headers=headers)
        assert reply.status_code == 200, reply.text
        body = reply.json()
        pages.append(body["items"])
        cursor = body["next_cursor"]
    return pages


async def test_the_consultation_list_shows_what_each_caller_may_enter(
    api: httpx.AsyncClient, mail_dir: Path,
) -> None:
    invitee = await new_account(api, mail_dir)
    employee = await new_account(api, mail_dir, domain="works.example")
    grantee = await new_account(api, mail_dir)
    outsider = await new_account(api, mail_dir)
    policies: list[dict[str, Any] | None] = [
        None, {"mode": "registered"}, {"mode": "invitation", "invited_emails": [invitee.email]},
        {"mode": "invitation", "allowed_domains": ["works.example"]}, None,
        {"mode": "invitation", "invited_emails": ["nobody@else.example"]},
        {"mode": "registered"}, None]
    ids = []
    for policy in policies:
        consultation = await create_consultation(api)
        ids.append(str(consultation["id"]))
        if policy is not None:
            reply = await api.put(f"/v1/consultations/{consultation['id']}/access",
                                  json=policy, headers=OPERATOR)
            assert reply.status_code == 200, reply.text
    granted = await api.post(f"/v1/consultations/{ids[5]}/roles", headers=OPERATOR,
                             json={"account_id": grantee.account_id, "role": "expert"})
    assert granted.status_code == 201, granted.text
    before_first = f"{int(ids[0], 16) - 1:024x}"

    callers: list[Session | None] = [None, invitee, employee, grantee, outsider]
    for caller in callers:
        headers = caller.headers if caller else {}
        may_enter = [cid for cid in ids if (await api.get(
            f"/v1/consultations/{cid}", headers=headers)).status_code == 200]
        for limit in (1, 2, 3):
            pages = await walk(api, headers, before_first, limit)
            listed = [c["id"] for page in pages for c in page]
            assert [cid for cid in listed if cid in ids] == may_enter, (caller, limit)
            assert listed == sorted(set(listed))  # in order, none twice
            assert all(len(page) == limit for page in pages[:-1]), (caller, limit, pages)
            assert pages[-1] or len(pages) == 1  # no empty page behind a cursor
    public = [ids[0], ids[4], ids[7]]
    anonymous = [c["id"] for page in await walk(api, {}, before_first, 2) for c in page]
    assert [cid for cid in anonymous if cid in ids] == public
    outsider_sees = [c["id"] for page in await walk(api, outsider.headers, before_first, 2)
                     for c in page]
    assert [cid for cid in outsider_sees if cid in ids] == [ids[0], ids[1], ids[4], ids[6],
                                                            ids[7]]
    invitee_sees = [c["id"] for page in await walk(api, invitee.headers, before_first, 2)
                    for c in page]
    assert ids[2] in invitee_sees
    assert ids[3] not in invitee_sees
    grantee_sees = [c["id"] for page in await walk(api, grantee.headers, before_first, 2)
                    for c in page]
    assert ids[5] in grantee_sees


async def test_a_closed_consultations_lists_and_streams_refuse_strangers(
    api: httpx.AsyncClient, mail_dir: Path,
) -> None:
    """The lists under a consultation (threads, resources, live events, a thread's posts)
    answer as the consultation itself: 401 anonymous, 403 for an account not admitted."""
    consultation = await create_consultation(api)
    thread = await create_thread(api, consultation)
    cid = consultation["id"]
    await api.put(f"/v1/consultations/{cid}/access", headers=OPERATOR,
                  json={"mode": "invitation", "invited_emails": ["someone@else.example"]})
    outsider = await new_account(api, mail_dir)
    for url in (f"/v1/consultations/{cid}", f"/v1/consultations/{cid}/threads",
                f"/v1/consultations/{cid}/resources", f"/v1/consultations/{cid}/events",
                f"/v1/threads/{thread['id']}", f"/v1/threads/{thread['id']}/posts"):
        assert (await api.get(url)).status_code == 401, url
        assert (await api.get(url, headers=outsider.headers)).status_code == 403, url
