"""Schemathesis hooks for the contract runs: the rules no JSON Schema can state.

`positive_data_acceptance` expects every schema-valid request to be accepted. Our
request schemas carry every rule one field can state (lengths, patterns, enums, ranges,
id formats), but some rules relate a field to another field or to stored state — a
post's language must be one of its consultation's, a theme must belong to the
consultation, a mailed code must be the one that was mailed. The API refuses those with
a 422 naming the field. So the runs accept a 422 on schema-valid data (configured in
schemathesis_run.py) and this check takes over judging it, more strictly than a status
list could: the 422 must name only fields listed here for that operation, each with the
rule the schema cannot express. Any other 422 on schema-valid data fails the run.
"""

from __future__ import annotations

import json
import re
from typing import Any

import schemathesis
from schemathesis.specs.openapi.checks import skips_on_unexpected_http_status

LANGUAGE = "must be one of the consultation's languages (stored state)"
THEME = "must be a theme of this consultation (stored state)"
IN_SESSION = "must be one of this vote session's (stored state)"
TEXT_LANGUAGE = "keyed by the consultation's languages only (stored state)"
THEME_TITLES = "theme titles differ, trimmed and ignoring case (uniqueness by a property)"
MODULES = "only the modules of its phase's kind (two fields)"
SELECTION = {"start": "within the post's text, not only whitespace (stored state)",
             "end": "after start, within the post's text (two fields; stored state)"}
# A consultation's texts in its other languages (services/threads/versions.py).
VERSIONS = {
    "original_language": "one of `languages` (two fields)",
    "versions.*.language": "one of `languages`, not the original's, once each (two fields; "
                           "uniqueness by a property)",
    "versions.*.themes": "none, or one per theme in the themes' order (two lists)",
    "versions.*.themes.*.sub_themes": "none, or one per sub-theme of that theme (two lists)"}
# (method, path template) -> {field the 422 may name: the rule}
SEMANTIC: dict[tuple[str, str], dict[str, str]] = {
    ("POST", "/v1/accounts"): {
        "password": "not a common password, not containing the email (a list; two fields)",
        "display_name": "at most 80 characters and not blank once normalised (NFKC, "
                        "invisible characters removed), no '@' once normalised (a fullwidth "
                        "one is one), no letters of look-alike scripts mixed (confusables)"},
    ("PUT", "/v1/accounts/me/password"): {
        "new_password": "not a common password", "password": "not a common password"},
    ("POST", "/v1/accounts/verification"): {"code": "the code that was mailed (stored)"},
    ("POST", "/v1/accounts/password-reset/confirmation"): {
        "code": "the code that was mailed (stored)", "password": "not a common password"},
    ("POST", "/v1/consultations/{consultation_id}/resources"): {"theme_id": THEME},
    ("POST", "/v1/consultations/{consultation_id}/roles"): {
        "account_id": "an existing account (stored state)"},
    ("POST", "/v1/consultations/{consultation_id}/vote-sessions"): {
        "closes_at": "after opens_at (two fields), and in the future (the clock)",
        "instructions": TEXT_LANGUAGE, "categories.*.name": TEXT_LANGUAGE,
        "proposals.*.title": TEXT_LANGUAGE, "proposals.*.description": TEXT_LANGUAGE,
        "proposals.*.gauges.*.question": TEXT_LANGUAGE,
        "proposals.*.gauges.*.choices.*": TEXT_LANGUAGE,
        "proposals.*.gauges.*.max": "above min (two fields)",
        "proposals.*.gauges.*.choices": "2-10 choices, or none for a min..max scale (two fields)",
        "categories.*.max_per_proposal": "at most total_number (two fields)"},
    ("POST", "/v1/consultations/{consultation_id}/workshop-imports"): {
        "csv.line.*": "a header line, then theme,text rows naming this consultation's "
                      "themes (the content of one string; stored state)"},
    ("GET", "/v1/consultations/{consultation_id}/participation"): {
        "query.day": "a calendar date (2026-02-30 has the pattern's shape)"},
    ("POST", "/v1/consultations/{consultation_id}/threads"): {
        "theme_id": THEME,
        "sub_theme_id": "a sub-theme of the thread's theme (stored state)",
        "idea_id": "only, and always, for kind two_column (two fields)",
        "column_labels": "only for kind two_column, 2-4 distinct labels (two fields)",
        "kind": "survey questions and two-column threads need their roles' module open"},
    ("PUT", "/v1/consultations/{consultation_id}/notification-preferences"): {
        "language": LANGUAGE},
    ("POST", "/v1/consultations/{consultation_id}/announcements"): {"texts": TEXT_LANGUAGE},
    ("POST", "/v1/notifications/read"): {
        "ids": "some ids, or all: true (two fields)"},
    ("POST", "/v1/threads/{thread_id}/posts"): {
        "language": LANGUAGE,
        "parent_id": "a post of the same thread (stored state)",
        "column_id": "a column of this two-column thread, top-level posts only (stored)"},
    ("GET", "/v1/consultations/{consultation_id}/participation/days"): {
        "query.to": "on or after `from`, at most 92 days later (two fields); a calendar date",
        "query.from": "a calendar date (2026-02-30 has the pattern's shape)"},
    ("POST", "/v1/consultations/{consultation_id}/phase-changes"): {
        "phase": "required to extend or reopen (two fields)",
        "ends_at": "required to extend or reopen, after the phase's start (two fields)"},
    ("POST", "/v1/consultations/{consultation_id}/extracts"): {
        **SELECTION, "post_id": "a post of this consultation (stored state)",
        "idea_id": "an idea of this consultation (stored state)"},
    ("GET", "/v1/consultations/{consultation_id}/extracts"): {
        "idea_id": "an idea of this consultation (stored state)"},
    ("POST", "/v1/consultations/{consultation_id}/similar"): {"theme_id": THEME},
    ("GET", "/v1/consultations/{consultation_id}/topics"): {"theme_id": THEME},
    ("GET", "/v1/consultations/{consultation_id}/suggestions"): {"theme_id": THEME},
    ("POST", "/v1/consultations/{consultation_id}/ideas"): {
        "theme_id": THEME, "parent_id": "a current idea of the same theme (stored state)"},
    ("PUT", "/v1/consultations/{consultation_id}/ideas/{idea_id}/status"): {
        "open_deepening": "only with status retained (two fields)"},
    ("POST", "/v1/consultations/{consultation_id}/ideas/{idea_id}/merge"): {
        "into_id": "another idea of this consultation, not below this one (stored state)"},
    ("PUT", "/v1/consultations/{consultation_id}/extracts/{extract_id}/anchor"): SELECTION,
    ("POST", "/v1/consultations/{consultation_id}/syntheses"): {"theme_id": THEME},
    ("PUT", "/v1/consultations/{consultation_id}/syntheses/{synthesis_id}/draft"): {
        "paragraphs.*.text": "its [idea:…]/[extract:…] citations name ideas and extracts of "
                             "this consultation (stored state)",
        "paragraphs.*.anchor": "an anchor of the latest published version, once (stored "
                               "state; uniqueness)"},
    ("POST", "/v1/consultations/{consultation_id}/deliverables"): {
        "step_after": "required when the consultation states no step after (stored state)",
        "language": LANGUAGE},
    ("PUT", "/v1/consultations/{consultation_id}/contests/{contest_id}/resolution"): {
        "version": "later than the contested version (stored state)"},
    ("POST", "/v1/posts/{post_id}/moderation"): {
        "reason": "required to hide (two fields)"},
    ("POST", "/v1/consultations"): {
        "phases": "each phase kind once, in order (uniqueness by a property)",
        "phases.*.ends_at": "after its starts_at (two fields)",
        "phases.*.modules": MODULES, "themes.*.title": THEME_TITLES, **VERSIONS},
    ("PUT", "/v1/consultations/{consultation_id}/pseudonym"): {
        "pseudonym": "not blank once normalised (NFKC, invisible characters removed), and "
                     "no letters of look-alike scripts mixed (Unicode confusables data)"},
    ("PUT", "/v1/consultations/{consultation_id}/structure"): {
        "phases": "each phase kind once, in order (uniqueness by a property)",
        "phases.*.ends_at": "after its starts_at (two fields)",
        "themes.*.id": THEME, "themes.*.title": THEME_TITLES,
        "phases.*.modules": MODULES,
        "themes.*.sub_themes": "sub-theme ids of this theme, each once (stored state)",
        "themes": "each theme id once (uniqueness by a property); themes with threads stay",
        **VERSIONS},
    ("PUT", "/v1/vote-sessions/{session_id}/ballot"): {
        "allocations.*.proposal_id": IN_SESSION, "allocations.*.category_id": IN_SESSION,
        "gauge_answers.*.proposal_id": IN_SESSION, "gauge_answers.*.gauge_id": IN_SESSION,
        "gauge_answers.*.value": "within the gauge's own min..max or choices (stored)",
        "gauge_answers.*": "each gauge answered once (uniqueness by two fields)",
        "allocations.*": "each proposal and category once (uniqueness by two fields)",
        "allocations.*.tokens": "within the category's max_per_proposal (stored)",
        "allocations": "the category's budget: tokens summed over the ballot (an aggregate)"},
    ("PUT", "/v1/posts/{post_id}/translations/{lang}"): {
        "target": "a language of the post's consultation, not the post's own (stored state)"},
    ("PUT", "/v1/posts/{post_id}/language"): {
        "language": "one of the post's consultation's languages (stored state)"},
    ("POST", "/v1/consultations/{consultation_id}/glossary/versions"): {
        "keep": "each term once, case-insensitively (uniqueness by a property)",
        "fixed.*.source_language": "a language of the consultation (stored state)",
        "fixed.*.target_language": "a language of the consultation, not the source (stored "
                                   "state; two fields)",
        "fixed.*.term": "once per language pair and not also kept (uniqueness, two lists)"},
}
# Any creating request: an Idempotency-Key already used with another body (stored state).
EVERYWHERE = {"idempotency_key": "a key already used for another request (stored state)"}
NUMBER = re.compile(r"(?<=\.)[0-9]+(?=\.|$)")


@schemathesis.check
@skips_on_unexpected_http_status  # as positive_data_acceptance: not request-shape probes
def semantic_refusals_are_documented(ctx: Any, response: Any, case: Any) -> bool | None:
    """A 422 to schema-valid data names only the operation's documented semantic rules."""
    meta = case.meta
    if response.status_code != 422 or meta is None or not meta.generation.mode.is_positive:
        return None
    if case.operation.body and not isinstance(case.body, dict):
        return None  # every request body here is an object: a `0` cannot be schema-valid
    try:
        fields = {NUMBER.sub("*", error["field"])
                  for error in json.loads(response.content)["errors"]}
    except (ValueError, KeyError, TypeError):
        fields = set()
    rules = {**EVERYWHERE, **SEMANTIC.get((case.method.upper(), case.operation.path), {})}
    unexplained = sorted(fields - rules.keys()) if fields else ["(no field named)"]
    if unexplained:
        raise AssertionError(
            f"schema-valid data refused with 422 for {unexplained}: either the schema is "
            f"missing a constraint or the rule belongs in tests/contract/hooks.py SEMANTIC")
    return None
