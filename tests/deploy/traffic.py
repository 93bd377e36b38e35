"""Traffic a consultation makes, through the public API: what the dashboards show."""

from __future__ import annotations

import httpx

from tests.debate import STRATEGIST, phased, post, thread_in
from tests.helpers import auth
from tests.voting.support import allocation, create_session, ids, put_ballot


async def consultation_traffic(api: httpx.AsyncClient) -> str:
    """Posts, reactions, reads, a miss, ballots accepted and refused; the consultation id."""
    consultation = await phased(api, "ideation")
    thread = await thread_in(api, consultation)
    written = [await post(api, thread, f"Idea {i}", account=f"writer{i % 2}") for i in range(4)]
    for reactor in ("fan1", "fan2", "writer0"):
        reply = await api.put(f"/v1/posts/{written[0]['id']}/reaction", json={"kind": "like"},
                              headers=auth(reactor))
        assert reply.status_code == 200, reply.text
    for reader in ("reader1", "reader2", "fan1"):
        for _ in range(3):
            assert (await api.get(f"/v1/threads/{thread['id']}/posts",
                                  headers=auth(reader))).status_code == 200
    assert (await api.get("/v1/threads/000000000000000000000000")).status_code == 404
    participation = f"/v1/consultations/{consultation['id']}/participation"
    assert (await api.get(participation, headers=STRATEGIST)).status_code == 200

    session = await create_session(api)
    proposals, categories = ids(session)
    accepted = await put_ballot(api, session, "voter1",
                                [allocation(proposals[0], categories[0], 2)])
    assert accepted.status_code == 200, accepted.text
    over_budget = await put_ballot(api, session, "voter2",
                                   [allocation(proposals[0], categories[0], 99)])
    assert over_budget.status_code == 422, over_budget.text
    return str(consultation["id"])
