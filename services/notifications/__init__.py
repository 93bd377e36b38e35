"""The notifications service: subscriptions, the in-app inbox, e-mail and digests."""
