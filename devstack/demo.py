"""Demo data for an empty store, created through the public API like any client would."""

from __future__ import annotations

import httpx

FACILITATOR = {"Authorization": "Bearer dev-demo-facilitator~operator,strategist,moderator"}
PARTICIPANTS = ["dev-camille", "dev-yusuf", "dev-ines"]

DEMO = {
    "title": "The future of work in our city",
    "question": "How should work in our city change by 2035?",
    "languages": ["en", "fr"],
    "themes": [
        {"title": "Skills and training"},
        {"title": "Where we work"},
        {"title": "Work and family life"},
        {"title": "New forms of employment"},
    ],
}
POSTS = [
    "Evening classes at the library would let people retrain without quitting their jobs.",
    "Apprenticeships should be open to people over 40 too.",
    "Could local companies **co-fund** a training voucher for every resident?",
]


def seed_if_empty(gateway_url: str) -> bool:
    """Create one consultation with a thread and a few posts if none exists; True if it did."""
    with httpx.Client(base_url=gateway_url, timeout=10.0) as client:
        existing = client.get("/v1/consultations", params={"limit": 1}).raise_for_status()
        if existing.json()["items"]:
            return False
        consultation = client.post(
            "/v1/consultations", json=DEMO, headers=FACILITATOR
        ).raise_for_status().json()
        theme = consultation["themes"][0]
        thread = client.post(
            f"/v1/consultations/{consultation['id']}/threads",
            json={"theme_id": theme["id"], "title": "How should adults learn new skills?"},
            headers=FACILITATOR,
        ).raise_for_status().json()
        for token, body in zip(PARTICIPANTS, POSTS, strict=True):
            client.post(
                f"/v1/threads/{thread['id']}/posts",
                json={"body": body, "format": "markdown", "language": "en"},
                headers={"Authorization": f"Bearer {token}"},
            ).raise_for_status()
        return True
