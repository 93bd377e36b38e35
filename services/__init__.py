"""The six Agora services; each folder has the same shape (see services/README.md)."""
