"""Syntheses over HTTP: checked citations, immutable versions with stable anchors, a
paragraph diff, and contests answered and taken into account; bad input writes nothing."""

from __future__ import annotations

from typing import Any

import httpx
from pymongo import AsyncMongoClient

from tests.helpers import auth
from tests.synthesis.support import CATCHER, SYNTHESISER, debate

Mongo = AsyncMongoClient[dict[str, object]]
Json = dict[str, Any]
PARTICIPANT = auth("pat")


async def synthesis_in(api: httpx.AsyncClient, consultation: Json) -> str:
    created = await api.post(f"/v1/consultations/{consultation['id']}/syntheses",
                             headers=SYNTHESISER, json={"title": "What we heard"})
    assert created.status_code == 201, created.text
    return str(created.headers["Location"])


async def save(api: httpx.AsyncClient, url: str, *paragraphs: Json) -> httpx.Response:
    return await api.put(f"{url}/draft", headers=SYNTHESISER,
                         json={"paragraphs": list(paragraphs)})


async def stored(mongo: Mongo) -> tuple[Any, ...]:
    db = mongo["agora_synthesis"]
    return tuple([sorted(map(str, await db[c].find({}).to_list()))
                  for c in ("syntheses", "synthesis_versions", "contests")])


async def test_versions_keep_anchors_and_contests_follow_their_paragraph(
    api: httpx.AsyncClient,
) -> None:
    consultation, _ = await debate(api, "Bike lanes, please.")
    idea = await api.post(f"/v1/consultations/{consultation['id']}/ideas", headers=CATCHER,
                          json={"theme_id": consultation["themes"][0]["id"], "title": "Bikes"})
    url = await synthesis_in(api, consultation)
    saved = await save(api, url, {"text": f"People want bike lanes [idea:{idea.json()['id']}]."},
                       {"text": "Buses came up less."})
    assert saved.status_code == 200, saved.text
    first = await api.post(f"{url}/versions", headers=SYNTHESISER)
    assert first.status_code == 201, first.text
    bikes, buses = (p["anchor"] for p in first.json()["paragraphs"])
    contest = await api.post(f"{url}/versions/1/paragraphs/{buses}/contests",
                             headers=PARTICIPANT, json={"body": "Buses came up a lot!"})
    assert contest.status_code == 201, contest.text
    contest_id = contest.json()["id"]
    assert contest.json()["status"] == "open"
    answered = await api.post(f"/v1/consultations/{consultation['id']}/contests/{contest_id}"
                              "/answers", headers=SYNTHESISER, json={"body": "You are right."})
    assert answered.status_code == 200, answered.text
    assert answered.json()["status"] == "answered"
    assert answered.json()["replies"][0]["body"] == "You are right."

    draft = (await api.get(url, headers=SYNTHESISER)).json()["draft"]
    assert [p["anchor"] for p in draft] == [bikes, buses]
    assert (await api.get(url)).json()["draft"] == []  # drafts are for synthesisers
    revised = await save(api, url, {"anchor": buses, "text": "Buses came up often."},
                         {"anchor": bikes, "text": draft[0]["text"]},
                         {"text": "Trams were new."})
    assert revised.status_code == 200, revised.text
    second = (await api.post(f"{url}/versions", headers=SYNTHESISER)).json()
    assert second["number"] == 2
    anchors = [p["anchor"] for p in second["paragraphs"]]
    assert anchors[:2] == [buses, bikes]
    assert [p["contests"] for p in second["paragraphs"]] == [1, 0, 0]
    first_again = (await api.get(f"{url}/versions/1")).json()
    assert first_again == first.json() | {"paragraphs": [
        {**p, "contests": 1 if p["anchor"] == buses else 0}
        for p in first.json()["paragraphs"]]}  # immutable (only its counts move)

    diff = (await api.get(f"{url}/diff", params={"from": 1, "to": 2})).json()
    changes = {c["anchor"]: c for c in diff["changes"]}
    assert changes[buses]["change"] == "changed"
    assert "<del>less</del>" in changes[buses]["html"]
    assert "<ins>often</ins>" in changes[buses]["html"]
    assert changes[bikes]["change"] == "unchanged"
    assert changes[anchors[2]]["change"] == "added"

    resolve_url = f"/v1/consultations/{consultation['id']}/contests/{contest_id}/resolution"
    too_early = await api.put(resolve_url, headers=SYNTHESISER, json={"version": 1})
    assert too_early.status_code == 422, too_early.text
    taken = await api.put(resolve_url, headers=SYNTHESISER, json={"version": 2})
    assert taken.status_code == 200, taken.text
    assert (taken.json()["status"], taken.json()["resolved_in_version"]) == (
        "taken_into_account", 2)
    listed = (await api.get(f"{url}/contests", params={"anchor": buses})).json()["items"]
    assert [c["id"] for c in listed] == [contest_id]


async def test_bad_syntheses_and_contests_are_refused_and_nothing_is_written(
    api: httpx.AsyncClient, mongo: Mongo,
) -> None:
    consultation, _ = await debate(api, "Bike lanes.")
    other, _ = await debate(api, "Elsewhere.")
    foreign = await api.post(f"/v1/consultations/{other['id']}/ideas", headers=CATCHER,
                             json={"theme_id": other["themes"][0]["id"], "title": "Theirs"})
    url = await synthesis_in(api, consultation)
    published = await save(api, url, {"text": "One."})
    assert published.status_code == 200
    version = (await api.post(f"{url}/versions", headers=SYNTHESISER)).json()
    anchor = version["paragraphs"][0]["anchor"]
    empty = await synthesis_in(api, consultation)
    before = await stored(mongo)
    for reply, status, field in [
        (await save(api, url, {"text": f"Cites [idea:{foreign.json()['id']}]."}), 422,
         "paragraphs.0.text"),
        (await save(api, url, {"text": "Cites [extract:nonsense]."}), 422, "paragraphs.0.text"),
        (await save(api, url, {"anchor": "0" * 24, "text": "x"}), 422, "paragraphs.0.anchor"),
        (await save(api, url, {"anchor": anchor, "text": "a"}, {"anchor": anchor, "text": "b"}),
         422, "paragraphs.1.anchor"),
        (await api.post(f"{empty}/versions", headers=SYNTHESISER), 409, ""),
        (await api.post(f"{url}/versions/1/paragraphs/{'0' * 24}/contests",
                        headers=PARTICIPANT, json={"body": "No such paragraph"}), 404, ""),
        (await api.post(f"{url}/versions/7/paragraphs/{anchor}/contests",
                        headers=PARTICIPANT, json={"body": "No such version"}), 404, ""),
        (await api.post(f"{url}/versions", headers=PARTICIPANT), 403, ""),
    ]:
        assert reply.status_code == status, reply.text
        if field:
            assert field in [e["field"] for e in reply.json()["errors"]], reply.json()
    assert await stored(mongo) == before


async def test_a_version_number_that_names_no_version_is_404(api: httpx.AsyncClient) -> None:
    """Was a 500 for numbers beyond 32 bits (the gRPC field) before paths were parsed."""
    consultation, _ = await debate(api, "Bike lanes.")
    url = await synthesis_in(api, consultation)
    for number in ("0", "abc", "99999999999", "\u0661", "2"):
        reply = await api.get(f"{url}/versions/{number}")
        assert reply.status_code == 404, (number, reply.text)
        assert reply.headers["content-type"].startswith("application/problem+json")
