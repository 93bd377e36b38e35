"""Development tokens: their roles are the token's, never the grants (as the README says)."""

from __future__ import annotations

from pathlib import Path

import httpx

from tests.debate import STRATEGIST, phased
from tests.helpers import auth
from tests.identity.support import new_account

README = Path(__file__).resolve().parents[2] / "README.md"


async def test_a_development_token_ignores_roles_granted_to_its_account(
    api: httpx.AsyncClient, work_dir: Path,
) -> None:
    consultation = await phased(api, "ideation")
    ada = await new_account(api, work_dir / "mail")
    granted = await api.post(f"/v1/consultations/{consultation['id']}/roles",
                             json={"account_id": ada.account_id, "role": "moderator"},
                             headers=STRATEGIST)
    assert granted.status_code == 201, granted.text
    queue = f"/v1/consultations/{consultation['id']}/moderation/queue"
    assert (await api.get(queue, headers=ada.headers)).status_code == 200
    assert (await api.get(queue, headers=auth(ada.account_id))).status_code == 403
    assert (await api.get(queue, headers=auth(ada.account_id, "moderator"))).status_code == 200
    # The README's Auth section tells a developer so, not only docs/architecture.md.
    auth_section = README.read_text().split("## Accounts, tokens and roles")[1].split("\n## ")[0]
    assert "ignore the roles granted" in " ".join(auth_section.split())
