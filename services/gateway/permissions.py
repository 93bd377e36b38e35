"""The permission table: which roles may perform which action, and each route's action.

This is the one declarative statement of who may do what through the public API. The
gateway's `authorize` dependency (deps.py) runs on every route, looks the route up in
`ROUTES` and refuses it when the caller's roles in the route's consultation do not meet
`PERMISSIONS`; a route without an entry is refused (fail closed), and
`tests/gateway/test_permissions.py` walks every route of the OpenAPI schema for every
role and for anonymous callers against this table. Services re-check writes with the
roles the gateway passes them (defence in depth).

`ANONYMOUS` is the pseudo-role of a caller without a token; every authenticated caller
holds `participant` in the consultations they may enter.
"""

from __future__ import annotations

from collections.abc import Iterable

from services.gateway.auth import Role

ANONYMOUS = "anonymous"
MEMBERS = frozenset(Role)
EVERYONE = frozenset({ANONYMOUS, *MEMBERS})
MANAGERS = frozenset({Role.STRATEGIST, Role.OPERATOR})
OPERATORS = frozenset({Role.OPERATOR})
MODERATORS = frozenset({Role.MODERATOR})


def only(*roles: Role) -> frozenset[str]:
    return frozenset(roles)


PERMISSIONS: dict[str, frozenset[str]] = {
    "platform.health": EVERYONE,
    "platform.docs": EVERYONE,
    "platform.web": EVERYONE,
    "keys.read": EVERYONE,
    "account.register": EVERYONE,
    "account.verify_email": EVERYONE,
    "account.reset_password": EVERYONE,
    "account.read": MEMBERS,
    "account.change_password": MEMBERS,
    "account.export": MEMBERS,
    "account.erase": MEMBERS,
    "session.login": EVERYONE,
    "session.refresh": EVERYONE,
    "session.sso": EVERYONE,
    "session.logout": EVERYONE,
    "consultation.read": EVERYONE,
    # What the caller may do here (their roles and actions): for front-ends to show or hide.
    "consultation.my_access": EVERYONE,
    "consultation.create": OPERATORS,
    "thread.read": EVERYONE,
    "thread.create": MEMBERS,
    "post.read": EVERYONE,
    "post.create": MEMBERS,
    "pseudonym.set": MEMBERS,
    "pseudonym.read": MEMBERS,  # one's own only: the route takes no account
    # The debate (threads re-checks every write with services/threads/permissions.py).
    "consultation.adapt": MANAGERS,
    "consultation.change_phase": only(Role.STRATEGIST),
    "consultation.participation": only(Role.STRATEGIST),
    "column.summarise": only(Role.SYNTHESISER),
    "post.edit": MEMBERS,  # the service lets only the author edit
    "post.pin": MODERATORS,
    "post.react": MEMBERS,
    "post.report": MEMBERS,
    "post.moderate": MODERATORS,
    "moderation.read": MODERATORS,
    "resource.read": EVERYONE,
    "resource.publish": only(Role.KNOWLEDGE_MANAGER),
    "post.fact_check": only(Role.EXPERT),
    "workshop.import": only(Role.MODERATOR, Role.STRATEGIST),
    "live.read": EVERYONE,
    # Votes: strategists (and operators) manage sessions (voting re-checks with
    # services/voting/permissions.py); members vote and read their own ballot. Sessions,
    # their list, results and leaves follow one rule: whoever the consultation admits
    # (anyone in a public one); drafts only for managers (routes/votes.py).
    "vote_session.manage": MANAGERS,
    "vote_session.read": EVERYONE,
    "ballot.write": MEMBERS,
    "ballot.read": MEMBERS,  # one's own ballot and receipt; the service refuses others'
    "role.read": MANAGERS,
    "role.grant": MANAGERS,
    "role.revoke": MANAGERS,
    "access_policy.read": MANAGERS,
    "access_policy.write": MANAGERS,
    # Harvesting (the synthesis service re-checks with services/synthesis/permissions.py):
    # idea catchers and synthesisers file extracts; whoever the consultation admits reads.
    "extract.write": only(Role.IDEA_CATCHER, Role.SYNTHESISER),
    "extract.read": EVERYONE,
    "idea.write": only(Role.IDEA_CATCHER, Role.SYNTHESISER),
    "idea.read": EVERYONE,
    # Syntheses: synthesisers write and answer contests; any member contests a paragraph.
    "synthesis.write": only(Role.SYNTHESISER),
    "synthesis.read": EVERYONE,
    # The order of exposure is a signed-in participant's own (never their posts, never
    # what they reacted to).
    "exposure.read": MEMBERS,
    # Opinion groups and their map: whoever the consultation admits.
    "opinions.read": EVERYONE,
    "contest.write": MEMBERS,
    # The deliverable: strategists generate it (and follow the job); all read its versions.
    "deliverable.write": only(Role.STRATEGIST),
    "deliverable.read": EVERYONE,
    # Topics and suggestions (services/synthesis/topics/): for those who shape ideas; the
    # synthesis service re-checks. Duplicates while writing: for any member drafting.
    "topics.read": only(Role.IDEA_CATCHER, Role.SYNTHESISER),
    "topics.compute": only(Role.IDEA_CATCHER, Role.SYNTHESISER),
    "suggestion.decide": only(Role.IDEA_CATCHER, Role.SYNTHESISER),
    "similar.read": MEMBERS,
    # Translations: the translation service lets a member correct only their own post's
    # translation and language (knowledge managers any post's translation).
    "translation.correct": MEMBERS,
    "post.correct_language": MEMBERS,
    "glossary.publish": only(Role.KNOWLEDGE_MANAGER, Role.STRATEGIST),
    "glossary.read": EVERYONE,
    # Notifications (services/notifications/): one's own follows, preferences and inbox;
    # what one follows must be readable (routes/notifications.py). Unsubscribe links
    # carry their own signed authority (a mail's reader may not be signed in).
    "subscription.read": MEMBERS,
    "subscription.write": MEMBERS,
    "notification.read": MEMBERS,
    "notification.write": MEMBERS,
    "notification.unsubscribe": EVERYONE,
    "announcement.create": MODERATORS | MANAGERS,  # the service re-checks the roles
}

SYNTHESIS = "/v1/consultations/{consultation_id}/syntheses/{synthesis_id}"
ROUTES: dict[tuple[str, str], str] = {
    ("GET", "/healthz"): "platform.health",
    ("GET", "/readyz"): "platform.health",
    ("GET", "/metrics"): "platform.health",
    ("GET", "/openapi.json"): "platform.docs",
    ("GET", "/docs"): "platform.docs",
    ("GET", "/redoc"): "platform.docs",
    ("GET", "/docs/assets/{name}"): "platform.docs",
    ("GET", "/"): "platform.web",
    ("GET", "/assets/{name}"): "platform.web",
    ("GET", "/.well-known/jwks.json"): "keys.read",
    ("POST", "/v1/accounts"): "account.register",
    ("POST", "/v1/accounts/verification"): "account.verify_email",
    ("POST", "/v1/accounts/password-reset"): "account.reset_password",
    ("POST", "/v1/accounts/password-reset/confirmation"): "account.reset_password",
    ("GET", "/v1/accounts/{account_id}"): "account.read",
    ("PUT", "/v1/accounts/me/password"): "account.change_password",
    ("GET", "/v1/accounts/me/export"): "account.export",
    ("POST", "/v1/accounts/me/erasure"): "account.erase",
    ("POST", "/v1/sessions"): "session.login",
    ("POST", "/v1/sessions/refresh"): "session.refresh",
    ("GET", "/v1/sessions/oidc"): "session.sso",
    ("POST", "/v1/sessions/oidc"): "session.sso",
    ("POST", "/v1/sessions/oidc/callback"): "session.sso",
    ("POST", "/v1/sessions/logout"): "session.logout",
    ("GET", "/v1/consultations"): "consultation.read",
    ("POST", "/v1/consultations"): "consultation.create",
    ("GET", "/v1/consultations/{consultation_id}"): "consultation.read",
    ("POST", "/v1/consultations/{consultation_id}/threads"): "thread.create",
    ("GET", "/v1/consultations/{consultation_id}/threads"): "thread.read",
    ("GET", "/v1/threads/{thread_id}"): "thread.read",
    ("POST", "/v1/threads/{thread_id}/posts"): "post.create",
    ("GET", "/v1/threads/{thread_id}/posts"): "post.read",
    ("PUT", "/v1/consultations/{consultation_id}/pseudonym"): "pseudonym.set",
    ("GET", "/v1/consultations/{consultation_id}/pseudonym"): "pseudonym.read",
    ("PUT", "/v1/consultations/{consultation_id}/structure"): "consultation.adapt",
    ("POST", "/v1/consultations/{consultation_id}/phase-changes"): "consultation.change_phase",
    ("GET", "/v1/consultations/{consultation_id}/participation"): "consultation.participation",
    ("GET", "/v1/consultations/{consultation_id}/participation/days"):
        "consultation.participation",
    ("PUT", "/v1/threads/{thread_id}/columns/{column_id}/summary"): "column.summarise",
    ("GET", "/v1/posts/{post_id}"): "post.read",
    ("PATCH", "/v1/posts/{post_id}"): "post.edit",
    ("GET", "/v1/posts/{post_id}/revisions"): "post.read",
    ("PUT", "/v1/posts/{post_id}/pin"): "post.pin",
    ("PUT", "/v1/posts/{post_id}/reaction"): "post.react",
    ("DELETE", "/v1/posts/{post_id}/reaction"): "post.react",
    ("POST", "/v1/posts/{post_id}/reports"): "post.report",
    ("POST", "/v1/posts/{post_id}/moderation"): "post.moderate",
    ("GET", "/v1/consultations/{consultation_id}/moderation/queue"): "moderation.read",
    ("GET", "/v1/consultations/{consultation_id}/moderation/log"): "moderation.read",
    ("POST", "/v1/consultations/{consultation_id}/resources"): "resource.publish",
    ("GET", "/v1/consultations/{consultation_id}/resources"): "resource.read",
    ("PUT", "/v1/posts/{post_id}/fact-check"): "post.fact_check",
    ("POST", "/v1/consultations/{consultation_id}/workshop-imports"): "workshop.import",
    ("GET", "/v1/consultations/{consultation_id}/events"): "live.read",
    ("POST", "/v1/consultations/{consultation_id}/vote-sessions"): "vote_session.manage",
    ("GET", "/v1/consultations/{consultation_id}/vote-sessions"): "vote_session.read",
    ("GET", "/v1/vote-sessions/{session_id}"): "vote_session.read",
    ("POST", "/v1/vote-sessions/{session_id}/open"): "vote_session.manage",
    ("POST", "/v1/vote-sessions/{session_id}/close"): "vote_session.manage",
    ("PUT", "/v1/vote-sessions/{session_id}/ballot"): "ballot.write",
    ("GET", "/v1/vote-sessions/{session_id}/ballot"): "ballot.read",
    ("GET", "/v1/vote-sessions/{session_id}/ballots/{voter_id}"): "ballot.read",
    ("GET", "/v1/vote-sessions/{session_id}/results"): "vote_session.read",
    ("GET", "/v1/vote-sessions/{session_id}/results.csv"): "vote_session.read",
    ("GET", "/v1/vote-sessions/{session_id}/leaves"): "vote_session.read",
    ("GET", "/v1/vote-sessions/{session_id}/receipt"): "ballot.read",
    ("GET", "/v1/consultations/{consultation_id}/roles"): "role.read",
    ("POST", "/v1/consultations/{consultation_id}/roles"): "role.grant",
    ("DELETE", "/v1/consultations/{consultation_id}/roles/{account_id}/{role}"): "role.revoke",
    ("GET", "/v1/consultations/{consultation_id}/access"): "access_policy.read",
    ("GET", "/v1/consultations/{consultation_id}/me"): "consultation.my_access",
    ("PUT", "/v1/consultations/{consultation_id}/access"): "access_policy.write",
    ("POST", "/v1/consultations/{consultation_id}/extracts"): "extract.write",
    ("GET", "/v1/consultations/{consultation_id}/extracts"): "extract.read",
    ("GET", "/v1/consultations/{consultation_id}/extracts/{extract_id}"): "extract.read",
    ("PUT", "/v1/consultations/{consultation_id}/extracts/{extract_id}/anchor"):
        "extract.write",
    ("POST", "/v1/consultations/{consultation_id}/ideas"): "idea.write",
    ("GET", "/v1/consultations/{consultation_id}/ideas"): "idea.read",
    ("GET", "/v1/consultations/{consultation_id}/next-posts"): "exposure.read",
    ("GET", "/v1/consultations/{consultation_id}/opinion-groups"): "opinions.read",
    ("GET", "/v1/consultations/{consultation_id}/opinion-map"): "opinions.read",
    ("GET", "/v1/consultations/{consultation_id}/ideas/{idea_id}"): "idea.read",
    ("PATCH", "/v1/consultations/{consultation_id}/ideas/{idea_id}"): "idea.write",
    ("PUT", "/v1/consultations/{consultation_id}/ideas/{idea_id}/status"): "idea.write",
    ("POST", "/v1/consultations/{consultation_id}/ideas/{idea_id}/merge"): "idea.write",
    ("DELETE", "/v1/consultations/{consultation_id}/ideas/{idea_id}/merge"): "idea.write",
    ("POST", "/v1/consultations/{consultation_id}/syntheses"): "synthesis.write",
    ("GET", "/v1/consultations/{consultation_id}/syntheses"): "synthesis.read",
    ("GET", SYNTHESIS): "synthesis.read",
    ("PUT", SYNTHESIS + "/draft"): "synthesis.write",
    ("POST", SYNTHESIS + "/versions"): "synthesis.write",
    ("GET", SYNTHESIS + "/versions/{number}"): "synthesis.read",
    ("GET", SYNTHESIS + "/diff"): "synthesis.read",
    ("POST", SYNTHESIS + "/versions/{number}/paragraphs/{anchor}/contests"): "contest.write",
    ("GET", SYNTHESIS + "/contests"): "synthesis.read",
    ("POST", "/v1/consultations/{consultation_id}/contests/{contest_id}/answers"):
        "synthesis.write",
    ("PUT", "/v1/consultations/{consultation_id}/contests/{contest_id}/resolution"):
        "synthesis.write",
    ("POST", "/v1/consultations/{consultation_id}/deliverables"): "deliverable.write",
    ("GET", "/v1/consultations/{consultation_id}/deliverable-jobs/{job_id}"):
        "deliverable.write",
    ("GET", "/v1/consultations/{consultation_id}/deliverables"): "deliverable.read",
    ("GET", "/v1/consultations/{consultation_id}/deliverables/{number}"): "deliverable.read",
    ("GET", "/v1/consultations/{consultation_id}/deliverables/{number}/{file_format}"):
        "deliverable.read",
    ("GET", "/v1/schemas/deliverable.json"): "deliverable.read",
    ("POST", "/v1/consultations/{consultation_id}/topics/runs"): "topics.compute",
    ("GET", "/v1/consultations/{consultation_id}/topics"): "topics.read",
    ("GET", "/v1/consultations/{consultation_id}/suggestions"): "topics.read",
    ("POST", "/v1/consultations/{consultation_id}/suggestions/{suggestion_id}/acceptance"):
        "suggestion.decide",
    ("POST", "/v1/consultations/{consultation_id}/suggestions/{suggestion_id}/dismissal"):
        "suggestion.decide",
    ("POST", "/v1/consultations/{consultation_id}/similar"): "similar.read",
    ("PUT", "/v1/posts/{post_id}/translations/{lang}"): "translation.correct",
    ("PUT", "/v1/posts/{post_id}/language"): "post.correct_language",
    ("POST", "/v1/consultations/{consultation_id}/glossary/versions"): "glossary.publish",
    ("GET", "/v1/consultations/{consultation_id}/glossary"): "glossary.read",
    ("PUT", "/v1/consultations/{consultation_id}/subscriptions/{target_kind}/{target_id}"):
        "subscription.write",
    ("DELETE", "/v1/consultations/{consultation_id}/subscriptions/{target_kind}/{target_id}"):
        "subscription.write",
    ("GET", "/v1/consultations/{consultation_id}/subscriptions"): "subscription.read",
    ("GET", "/v1/consultations/{consultation_id}/notification-preferences"):
        "subscription.read",
    ("PUT", "/v1/consultations/{consultation_id}/notification-preferences"):
        "subscription.write",
    ("POST", "/v1/consultations/{consultation_id}/announcements"): "announcement.create",
    ("GET", "/v1/notifications"): "notification.read",
    ("GET", "/v1/notifications/unread-count"): "notification.read",
    ("POST", "/v1/notifications/read"): "notification.write",
    ("GET", "/v1/notifications/unsubscribe"): "notification.unsubscribe",
    ("POST", "/v1/notifications/unsubscribe"): "notification.unsubscribe",
}


def action_of(method: str, path: str) -> str | None:
    return ROUTES.get((method, path))


def allowed(action: str, roles: Iterable[str]) -> bool:
    """Whether a caller holding roles (or `ANONYMOUS`) may perform action."""
    return not PERMISSIONS[action].isdisjoint(roles)
