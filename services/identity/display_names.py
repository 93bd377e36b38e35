"""Display names: what an account is called wherever it has no pseudonym.

A display name is what its owner chose at registration (or their sign-on provider's
`name` claim), under the rules pseudonyms follow (names.py: NFKC, invisible characters
removed, no `@`, no control characters, no mixed-script confusables; 422 naming
`display_name`), though it need not be unique. Or there is none: it is never derived
from the email, whose local part beside every post (`john.smith`) would be personal data
linking a person across consultations. Readers tell a nameless author's posts apart by
their author key.

Registration used to default the name to the email's local part. Accounts stored before
this rule have no `display_name_chosen` field; `forget_email_defaults` drops such a name
at start-up and marks every account it has seen.
"""

from __future__ import annotations

import logging
from typing import Any

from pymongo.asynchronous.collection import AsyncCollection

from agora_kit.types import Document
from services.identity import names

log = logging.getLogger(__name__)
CHOSEN = "display_name_chosen"  # set on every account stored under this rule


def checked(value: str) -> str:
    """The display name as stored and shown ("": none), or InvalidArgument naming
    `display_name`."""
    return names.checked(value, names.DISPLAY_NAME) if value else ""


def fields(name: str) -> dict[str, Any]:
    """An account's fields for a checked display name."""
    return {"display_name": name, CHOSEN: bool(name)}


async def forget_email_defaults(accounts: AsyncCollection[Document]) -> int:
    """Drop display names that are their email's local part on accounts from before the
    rule (the old default, indistinguishable from a choice); how many were dropped.

    Each account seen is marked, so a later start-up, and a person who has since chosen
    such a name, is left alone; running twice, or on two replicas at once, changes
    nothing more."""
    dropped = 0
    async for account in accounts.find({CHOSEN: {"$exists": False}},
                                       {"email": 1, "display_name": 1}):
        name = account.get("display_name") or ""
        if name == str(account["email"]).partition("@")[0]:
            name, dropped = "", dropped + 1
        await accounts.update_one({"_id": account["_id"], CHOSEN: {"$exists": False}},
                                  {"$set": fields(name)})
    if dropped:
        log.info("display names taken from emails dropped", extra={"accounts": dropped})
    return dropped
