"""GET /v1/consultations/{id}/me: the caller's roles and allowed actions, resolved as the
routes resolve them — a real grant, a development token, anonymous, an outsider."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from tests.debate import OPERATOR, phased
from tests.helpers import assert_problem, auth
from tests.identity.support import new_account


@pytest.fixture
def mail_dir(work_dir: Path) -> Path:
    return work_dir / "mail"


def me_url(consultation_id: str) -> str:
    return f"/v1/consultations/{consultation_id}/me"


async def test_a_granted_synthesiser_may_write_syntheses_and_a_participant_may_not(
        api: httpx.AsyncClient, mail_dir: Path) -> None:
    consultation = await phased(api, "ideation")
    synthesiser, participant = [await new_account(api, mail_dir) for _ in range(2)]
    granted = await api.post(f"/v1/consultations/{consultation['id']}/roles",
                             json={"account_id": synthesiser.account_id, "role": "synthesiser"},
                             headers=OPERATOR)
    assert granted.status_code == 201, granted.text

    theirs = await api.get(me_url(consultation["id"]), headers=synthesiser.headers)
    assert theirs.status_code == 200, theirs.text
    assert theirs.json()["roles"] == ["participant", "synthesiser"]
    assert "synthesis.write" in theirs.json()["actions"]
    assert "private" in theirs.headers["cache-control"]

    plain = (await api.get(me_url(consultation["id"]), headers=participant.headers)).json()
    assert plain["roles"] == ["participant"]
    assert "post.create" in plain["actions"]
    assert "synthesis.write" not in plain["actions"]
    assert "deliverable.write" not in plain["actions"]
    # The hint agrees with the route it stands for.
    refused = await api.post(f"/v1/consultations/{consultation['id']}/syntheses",
                             json={"title": "x"}, headers=participant.headers)
    assert refused.status_code == 403


async def test_anonymous_development_tokens_and_outsiders(api: httpx.AsyncClient,
                                                         mail_dir: Path) -> None:
    consultation = await phased(api, "ideation")
    anonymous = (await api.get(me_url(consultation["id"]))).json()
    assert anonymous["roles"] == ["anonymous"]
    assert "consultation.read" in anonymous["actions"]
    assert "post.create" not in anonymous["actions"]

    strategist = await api.get(me_url(consultation["id"]), headers=auth("s1", "strategist"))
    assert "consultation.change_phase" in strategist.json()["actions"]

    closed = await api.put(f"/v1/consultations/{consultation['id']}/access",
                           json={"mode": "invitation", "invited_emails": ["a@b.example"]},
                           headers=OPERATOR)
    assert closed.status_code == 200, closed.text
    outsider = await new_account(api, mail_dir)
    refused = await api.get(me_url(consultation["id"]), headers=outsider.headers)
    assert_problem(refused, 403)

    unknown = await api.get(me_url("0" * 24))
    assert unknown.status_code == 404
    assert_problem(await api.get(me_url("not-an-id")), 404)  # malformed ids are unknown
