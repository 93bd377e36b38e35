"""What a notification is about, as the inbox and mails show it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Subject:
    theme_id: str
    thread_id: str
    post_id: str
    excerpt: str
    params: dict[str, Any] = field(default_factory=dict)
