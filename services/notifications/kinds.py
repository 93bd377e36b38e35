"""The vocabulary: what can be followed, which kinds of notification exist, their
channels and cadences, and the defaults an account starts with."""

from __future__ import annotations

from dataclasses import dataclass

from agora_kit.errors import InvalidArgument

TARGETS = ("consultation", "theme", "thread", "post", "idea", "synthesis")
CADENCES = ("immediate", "daily", "weekly", "none")
DIGESTS = ("daily", "weekly")
REPLY = "reply"          # a reply to my post (or to a post I follow)
NEW_POST = "new_post"    # a new post in a thread, theme or consultation I follow
POST_HIDDEN = "post_hidden"      # my post hidden by a moderator (with the reason)
POST_RESTORED = "post_restored"  # my post restored
REACTION_MILESTONE = "reaction_milestone"  # my post reached 10, 50, 100... reactions
MILESTONES = (10, 50, 100, 500, 1000, 5000)
EXTRACT_HARVESTED = "extract_harvested"      # a passage of my post filed as an extract
SYNTHESIS_PUBLISHED = "synthesis_published"  # a new version of a synthesis I follow
CONTEST_ANSWERED = "contest_answered"        # an answer to my contest of a paragraph
VOTE_OPENED = "vote_opened"                  # a vote session of a consultation I follow
PHASE_STARTED = "phase_started"              # a consultation I follow entered a phase
DELIVERABLE_PUBLISHED = "deliverable_published"  # a deliverable of a consultation I follow
VOTE_CLOSING_SOON = "vote_closing_soon"      # a vote I have not voted in closes within 24 h
ANNOUNCEMENT = "announcement"                # a moderator's or strategist's announcement
AUDIENCES = ("participants", "followers")    # whom an announcement is for
# Facilitators'
MODERATION_WAITING = "moderation_waiting"    # items waiting in the moderation queue
CONTEST_OPENED = "contest_opened"            # a new contest of a synthesis paragraph


@dataclass(frozen=True)
class Delivery:
    in_app: bool
    email: bool
    cadence: str


DEFAULTS: dict[str, Delivery] = {
    REPLY: Delivery(in_app=True, email=True, cadence="immediate"),
    NEW_POST: Delivery(in_app=True, email=True, cadence="daily"),
    POST_HIDDEN: Delivery(in_app=True, email=True, cadence="immediate"),
    POST_RESTORED: Delivery(in_app=True, email=False, cadence="immediate"),
    REACTION_MILESTONE: Delivery(in_app=True, email=True, cadence="daily"),
    EXTRACT_HARVESTED: Delivery(in_app=True, email=True, cadence="daily"),
    SYNTHESIS_PUBLISHED: Delivery(in_app=True, email=True, cadence="immediate"),
    CONTEST_ANSWERED: Delivery(in_app=True, email=True, cadence="immediate"),
    VOTE_OPENED: Delivery(in_app=True, email=True, cadence="immediate"),
    PHASE_STARTED: Delivery(in_app=True, email=True, cadence="immediate"),
    DELIVERABLE_PUBLISHED: Delivery(in_app=True, email=True, cadence="immediate"),
    VOTE_CLOSING_SOON: Delivery(in_app=True, email=True, cadence="immediate"),
    ANNOUNCEMENT: Delivery(in_app=True, email=True, cadence="immediate"),
    # Grouped already (at most one per consultation and hour, schedule.py).
    MODERATION_WAITING: Delivery(in_app=True, email=True, cadence="immediate"),
    CONTEST_OPENED: Delivery(in_app=True, email=True, cadence="immediate"),
}
KINDS = tuple(DEFAULTS)


def target(value: str) -> str:
    if value not in TARGETS:
        raise InvalidArgument(f"unknown target kind {value!r}; one of {', '.join(TARGETS)}",
                              field="target_kind")
    return value


def kind(value: str) -> str:
    if value not in DEFAULTS:
        raise InvalidArgument(f"unknown notification kind {value!r}; one of {', '.join(KINDS)}",
                              field="kind")
    return value


def cadence(value: str) -> str:
    if value not in CADENCES:
        raise InvalidArgument(f"unknown cadence {value!r}; one of {', '.join(CADENCES)}",
                              field="cadence")
    return value
