"""Business metrics of the voting service."""

from prometheus_client import Counter

BALLOTS_ACCEPTED = Counter(
    "agora_ballots_accepted_total", "Ballots accepted (first ballots and replacements)."
)
BALLOTS_REFUSED = Counter(
    "agora_ballots_refused_total", "Ballots refused by validation or session state.", ["reason"]
)
VOTE_SESSIONS_CLOSED = Counter("agora_vote_sessions_closed_total", "Vote sessions closed.")
BALLOT_TRANSACTION_RETRIES = Counter(
    "agora_ballot_transaction_retries_total",
    "Ballot transactions retried after a write conflict (same voter, or two voters sharing "
    "a gate at the same instant).",
)
