"""Participation levels over HTTP: contributors, reactors and learners of the day."""

from __future__ import annotations

import httpx

from tests.debate import STRATEGIST, phased, post, thread_in
from tests.gateway.test_problems import assert_problem
from tests.helpers import auth


async def test_contributors_reactors_and_learners_are_counted_once_each(
    api: httpx.AsyncClient,
) -> None:
    consultation = await phased(api, "ideation")
    thread = await thread_in(api, consultation)
    written = await post(api, thread, "An idea", account="writer")
    await post(api, thread, "Another", account="writer")
    for reactor in ("fan1", "fan2", "writer"):  # the writer stays a contributor
        await api.put(f"/v1/posts/{written['id']}/reaction", json={"kind": "like"},
                      headers=auth(reactor))
    for reader in ("reader1", "reader2", "reader3", "fan1", "writer"):
        for _ in range(2):
            await api.get(f"/v1/threads/{thread['id']}/posts", headers=auth(reader))
    url = f"/v1/consultations/{consultation['id']}/participation"
    levels = (await api.get(url, headers=STRATEGIST)).json()
    assert (levels["contributors"], levels["reactors"], levels["learners"]) == (1, 2, 3)
    other_theme = consultation["themes"][1]["id"]
    quiet = (await api.get(url, params={"theme_id": other_theme}, headers=STRATEGIST)).json()
    assert (quiet["contributors"], quiet["reactors"], quiet["learners"]) == (0, 0, 0)
    assert_problem(await api.get(url, headers=auth("writer")), 403)
    assert_problem(await api.get(url, params={"day": "yesterday"}, headers=STRATEGIST), 422)
    assert_problem(await api.get("/v1/consultations/000000000000000000000000/participation",
                                 headers=STRATEGIST), 404)
