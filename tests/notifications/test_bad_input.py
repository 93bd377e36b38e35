"""Bad input, each a defined outcome: following what one cannot read (an invitation-only
consultation, a hidden post, something of another consultation), unknown target kinds,
notification kinds, cadences and languages, and no session."""

from __future__ import annotations

from pathlib import Path

import httpx

from tests.helpers import assert_problem, auth, create_consultation, create_thread
from tests.notifications.support import account, write

OPERATOR = auth("operator", "operator")


async def test_one_cannot_follow_what_one_cannot_read(api: httpx.AsyncClient,
                                                      work_dir: Path) -> None:
    consultation, other = await create_consultation(api), await create_consultation(api)
    cid = consultation["id"]
    thread, foreign_thread = await create_thread(api, consultation), await create_thread(
        api, other)
    reader = await account(api, work_dir)
    hidden = await write(api, str(thread["id"]), auth("someone"), "To be hidden")
    moderated = await api.post(f"/v1/posts/{hidden['id']}/moderation",
                               headers=auth("mod", "moderator"),
                               json={"action": "hide", "reason": "Off topic"})
    assert moderated.status_code == 200, moderated.text
    base = f"/v1/consultations/{cid}/subscriptions"

    assert_problem(await api.put(f"{base}/post/{hidden['id']}", headers=reader.headers), 404)
    assert_problem(await api.put(f"{base}/thread/{foreign_thread['id']}",
                                 headers=reader.headers), 404)
    foreign_theme = other["themes"][0]["id"]  # type: ignore[index]
    assert_problem(await api.put(f"{base}/theme/{foreign_theme}", headers=reader.headers), 404)
    assert_problem(await api.put(f"{base}/consultation/{other['id']}",
                                 headers=reader.headers), 404)
    assert_problem(await api.put(f"{base}/idea/{'0' * 24}", headers=reader.headers), 404)
    assert_problem(await api.put(f"{base}/planet/{thread['id']}", headers=reader.headers), 422)
    assert_problem(await api.put(f"{base}/thread/{thread['id']}"), 401)
    listed = await api.get(base, headers=reader.headers)
    assert listed.status_code == 200
    assert listed.json() == {"items": []}

    # An invitation-only consultation one is not invited to: refused like its other reads.
    policy = await api.put(f"/v1/consultations/{cid}/access", headers=OPERATOR,
                           json={"mode": "invitation", "invited_emails": ["x@else.example"]})
    assert policy.status_code == 200, policy.text
    assert_problem(await api.put(f"{base}/thread/{thread['id']}", headers=reader.headers), 403)
    assert_problem(await api.get(f"/v1/consultations/{cid}/notification-preferences",
                                 headers=reader.headers), 403)


async def test_unknown_kinds_cadences_and_languages_are_refused(api: httpx.AsyncClient,
                                                                work_dir: Path) -> None:
    consultation = await create_consultation(api)
    url = f"/v1/consultations/{consultation['id']}/notification-preferences"
    who = await account(api, work_dir)
    good = {"in_app": True, "email": False, "cadence": "weekly"}
    assert_problem(await api.put(url, headers=who.headers,
                                 json={"kinds": {"horoscope": good}}), 422)
    assert_problem(await api.put(url, headers=who.headers,
                                 json={"kinds": {"reply": {**good, "cadence": "hourly"}}}), 422)
    assert_problem(await api.put(url, headers=who.headers, json={"language": "de"}), 422,
                   field="language")
    changed = await api.put(url, headers=who.headers, json={"kinds": {"reply": good}})
    assert changed.status_code == 200, changed.text
    assert changed.json()["kinds"]["reply"] == good
    assert changed.json()["kinds"]["new_post"]["cadence"] == "daily"  # untouched
    assert_problem(await api.post("/v1/notifications/read", headers=who.headers, json={}), 422)
    assert_problem(await api.get("/v1/notifications"), 401)
