"""Cross-cutting plumbing shared by every Agora service; no domain logic lives here."""
