"""Finding and reading votes: a consultation's sessions are listed (cursor pages, drafts
for strategists and operators only), and one rule decides who reads a session, the
list, the results and their CSV: the consultation's access mode. Public: anyone;
registered: accounts; invitation: admitted accounts only (401 anonymous, 403 others)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx

from tests.debate import OPERATOR
from tests.helpers import auth
from tests.identity.support import new_account
from tests.voting.support import (
    allocation,
    create_session,
    ids,
    prioritising,
    put_ballot,
    sessions_url,
    unique,
)

CHAIR = auth("chair", "strategist")
Json = dict[str, Any]


async def closed_session(api: httpx.AsyncClient, consultation_id: str) -> Json:
    session = await create_session(api, consultation_id=consultation_id,
                                   owner="chair~strategist")
    (p0, *_), (green, _red) = ids(session)
    assert (await put_ballot(api, session, unique("v"), [allocation(p0, green, 2)])
            ).status_code == 200
    closed = await api.post(f"/v1/vote-sessions/{session['id']}/close", headers=CHAIR)
    assert closed.status_code == 200, closed.text
    return dict(closed.json())


def reads(consultation_id: str, session_id: str) -> list[str]:
    return [sessions_url(consultation_id), f"/v1/vote-sessions/{session_id}",
            f"/v1/vote-sessions/{session_id}/results",
            f"/v1/vote-sessions/{session_id}/results.csv",
            f"/v1/vote-sessions/{session_id}/leaves"]


async def test_a_consultations_sessions_are_listed_page_by_page_drafts_for_managers(
    api: httpx.AsyncClient,
) -> None:
    consultation_id = await prioritising(api)
    opened = [await create_session(api, consultation_id=consultation_id, owner="chair~strategist")
              for _ in range(3)]
    drafted = await create_session(api, consultation_id=consultation_id, open_it=False,
                                   owner="chair~strategist")
    url = sessions_url(consultation_id)

    seen: list[str] = []
    cursor = None
    for _ in range(5):
        page = await api.get(url, params={"limit": 2, **({"cursor": cursor} if cursor else {})})
        assert page.status_code == 200, page.text
        seen += [s["id"] for s in page.json()["items"]]
        assert all(s["status"] != "draft" for s in page.json()["items"])
        cursor = page.json()["next_cursor"]
        if cursor is None:
            break
    assert seen == [s["id"] for s in opened]  # oldest first, the draft left out

    for reader in (auth(unique("participant")), auth("mod", "moderator")):
        listed = (await api.get(url, headers=reader)).json()
        assert drafted["id"] not in [s["id"] for s in listed["items"]]
        hidden = await api.get(f"/v1/vote-sessions/{drafted['id']}", headers=reader)
        assert hidden.status_code == 404, hidden.text
    for manager in (CHAIR, OPERATOR):
        listed = (await api.get(url, headers=manager)).json()
        assert [s["id"] for s in listed["items"]] == [*seen, drafted["id"]]
        assert (await api.get(f"/v1/vote-sessions/{drafted['id']}", headers=manager)
                ).status_code == 200

    unknown = await api.get(sessions_url("0" * 24))
    assert unknown.status_code == 404, unknown.text
    for bad in ({"limit": 0}, {"limit": 101}, {"cursor": "not a cursor"}):
        refused = await api.get(url, params=bad)
        assert refused.status_code == 422, refused.text
        assert refused.headers["content-type"] == "application/problem+json"


async def test_in_a_public_consultation_anyone_reads_sessions_and_results(
    api: httpx.AsyncClient,
) -> None:
    consultation_id = await prioritising(api)
    session = await closed_session(api, consultation_id)
    for url in reads(consultation_id, session["id"]):
        reply = await api.get(url)  # no token at all
        assert reply.status_code == 200, (url, reply.text)


async def test_in_registered_and_invitation_consultations_only_admitted_accounts_read(
    api: httpx.AsyncClient, work_dir: Path
) -> None:
    mail = work_dir / "mail"
    member = await new_account(api, mail, domain="members.example")
    outsider = await new_account(api, mail, domain="elsewhere.example")
    for policy, admitted, refused in (
        ({"mode": "registered"}, [member, outsider], []),
        ({"mode": "invitation", "allowed_domains": ["members.example"]}, [member], [outsider]),
    ):
        consultation_id = await prioritising(api)
        session = await closed_session(api, consultation_id)
        changed = await api.put(f"/v1/consultations/{consultation_id}/access", headers=OPERATOR,
                                json=policy)
        assert changed.status_code == 200, changed.text
        for url in reads(consultation_id, session["id"]):
            anonymous = await api.get(url)
            assert anonymous.status_code == 401, (policy, url, anonymous.text)
            assert anonymous.headers["content-type"] == "application/problem+json"
            for account in admitted:
                reply = await api.get(url, headers=account.headers)
                assert reply.status_code == 200, (policy, url, reply.text)
            for account in refused:
                reply = await api.get(url, headers=account.headers)
                assert reply.status_code == 403, (policy, url, reply.text)
