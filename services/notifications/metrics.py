"""Business metrics of the notifications service."""

from prometheus_client import Counter, Histogram

NOTIFICATIONS_PRODUCED = Counter(
    "agora_notifications_produced_total", "Notifications produced, per kind.", ["kind"])
MAILS = Counter(
    "agora_notification_mails_total",
    "Notification mails by outcome (sent, failed: given up after retries, dropped: no "
    "address or an erased account, retried).", ["outcome"])
DIGEST_SECONDS = Histogram(
    "agora_notification_digest_seconds", "Time to write one digest window's mails.",
    ["cadence"], buckets=(0.1, 0.5, 1, 5, 15, 60, 300, 900))
INBOX_LAG = Histogram(
    "agora_notification_inbox_lag_seconds",
    "From the event to its notifications being written (consumer lag included).",
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300))
DIGESTS_WRITTEN = Counter(
    "agora_notification_digests_total", "Digests queued, per cadence.", ["cadence"])

for outcome in ("sent", "failed", "dropped", "retried"):
    MAILS.labels(outcome)
