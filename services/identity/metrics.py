"""Business metrics of the identity service (RED metrics come from the interceptors)."""

from prometheus_client import Counter

ACCOUNTS_REGISTERED = Counter("agora_accounts_registered_total", "Accounts created.")
LOGINS = Counter("agora_logins_total", "Login attempts by result.", ["result"])
REFRESH_REPLAYS = Counter(
    "agora_refresh_token_replays_total",
    "Rotated refresh tokens presented again (their family was revoked).",
)
