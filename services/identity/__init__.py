"""Identity: accounts, credentials, refresh tokens, role grants, signing keys (issue 3)."""
