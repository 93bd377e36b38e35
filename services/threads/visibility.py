"""Who may see a post, and what a post that is not published answers to those who act on it.

A post held for moderation (`pending`) exists only for its author and the moderators:
to anyone else every request about it — a read, a reply, a reaction, a report, an edit
— is 404, exactly as for an id that never existed, so nothing about it can be learnt by
guessing. A post is open to answers (replies, reactions) only once it is published and
while it is not hidden; those who can see it are told why it is not (409), since a
hidden post's placeholder is public and a held post is known to its author and the
moderators.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from agora_kit.errors import FailedPrecondition, NotFound
from agora_kit.types import Document
from services.threads.permissions import Action, allowed
from services.threads.store import HIDDEN, PENDING, VISIBLE


@dataclass(frozen=True)
class Viewer:
    account_id: str
    roles: frozenset[str]

    @classmethod
    def of(cls, account_id: str, roles: Iterable[str]) -> Viewer:
        return cls(account_id, frozenset(roles))

    @property
    def moderates(self) -> bool:
        return allowed(Action.MODERATE, self.roles)

    def wrote(self, post: Document) -> bool:
        return self.account_id != "" and self.account_id == post["author_id"]

    def may_read(self, post: Document) -> bool:
        """Held posts are for their author and moderators; the rest is public (hidden ones
        as a placeholder)."""
        return post.get("status") != PENDING or self.moderates or self.wrote(post)

    def may_read_text(self, post: Document) -> bool:
        """The text of a hidden or held post: its author and moderators only."""
        return post.get("status", VISIBLE) == VISIBLE or self.moderates or self.wrote(post)

    def readable(self, post: Document, *, field: str = "post_id") -> Document:
        """The post, or NotFound as for an id that does not exist."""
        if not self.may_read(post):
            raise NotFound(f"post {post['_id']} does not exist", field=field)
        return post

    def answerable(self, post: Document, *, field: str = "post_id") -> Document:
        """The post if it takes replies and reactions (published, not hidden); NotFound to
        those who cannot see it, FailedPrecondition saying why to those who can."""
        status = self.readable(post, field=field).get("status", VISIBLE)
        if status == PENDING:
            raise FailedPrecondition(f"post {post['_id']} is awaiting moderation; it takes "
                                     "replies and reactions once approved", field=field)
        if status == HIDDEN:
            raise FailedPrecondition(f"post {post['_id']} was hidden by the moderators; it "
                                     "takes no replies or reactions", field=field)
        return post


ANONYMOUS = Viewer("", frozenset())
