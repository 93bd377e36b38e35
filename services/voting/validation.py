"""Checks on what callers send, naming the offending field.

The ballot check is the heart of the budget rule: a ballot is the voter's whole
allocation, validated here as one value against the session (proposals and categories
exist, non-negative integers, per-proposal caps, category budgets, exclusivity) and then
stored as one document that replaces the previous one atomically. Because a stored
ballot is always a ballot that passed this check, no interleaving of requests can leave
a voter over budget: there is no partial state to race on.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from agora_kit.errors import InvalidArgument
from agora_kit.requests import actor as actor
from agora_kit.requests import idempotency_key as idempotency_key
from agora_kit.types import Document
from agora_kit.validators import has_control_characters, is_language_code, is_opaque_id

COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")
MAX_CATEGORIES = 5
MAX_PROPOSALS = 200
MAX_TOKENS = 1000
MAX_GAUGES = 5
MAX_CHOICES = 10
MAX_SCALE = 1_000_000
MAX_SCALE_STEPS = 1000
NAME_MAX = 200
TEXT_MAX = 5000


@dataclass(frozen=True)
class CategoryDraft:
    name: Mapping[str, str]
    color: str
    total_number: int
    max_per_proposal: int


@dataclass(frozen=True)
class GaugeDraft:
    """Labelled choices (answers 0..n-1), or an integer scale min..max when no choices."""

    question: Mapping[str, str]
    choices: Sequence[Mapping[str, str]]
    min: int
    max: int
    unit: str


@dataclass(frozen=True)
class ProposalDraft:
    title: Mapping[str, str]
    description: Mapping[str, str]
    idea_id: str
    gauges: Sequence[GaugeDraft] = ()


@dataclass(frozen=True)
class GaugeAnswerInput:
    proposal_id: str
    gauge_id: str
    value: int


@dataclass(frozen=True)
class AllocationInput:
    proposal_id: str
    category_id: str
    tokens: int


def localized(
    value: Mapping[str, str], *, field: str, max_chars: int, required: bool = True
) -> dict[str, str]:
    """Language code -> text; every text stripped, non-empty and within bounds."""
    if required and not value:
        raise InvalidArgument(f"{field} needs at least one language", field=field)
    result = {}
    for language, text in value.items():
        if not is_language_code(language):
            raise InvalidArgument(f"{language!r} is not a language code", field=field)
        stripped = text.strip()
        if not stripped or len(stripped) > max_chars:
            raise InvalidArgument(
                f"{field}.{language} must be 1 to {max_chars} characters", field=field
            )
        if has_control_characters(stripped):
            raise InvalidArgument(f"{field}.{language} contains control characters", field=field)
        result[language] = stripped
    return result


def categories(drafts: Sequence[CategoryDraft]) -> list[CategoryDraft]:
    if not 1 <= len(drafts) <= MAX_CATEGORIES:
        raise InvalidArgument(f"1 to {MAX_CATEGORIES} token categories", field="categories")
    checked = []
    for i, draft in enumerate(drafts):
        field = f"categories.{i}"
        if not COLOR.match(draft.color):
            raise InvalidArgument("color must look like #2e7d32", field=f"{field}.color")
        if not 1 <= draft.total_number <= MAX_TOKENS:
            raise InvalidArgument(
                f"total_number must be 1 to {MAX_TOKENS}", field=f"{field}.total_number"
            )
        if not 0 <= draft.max_per_proposal <= draft.total_number:
            raise InvalidArgument(
                "max_per_proposal must be 0 (no cap) to total_number",
                field=f"{field}.max_per_proposal",
            )
        name = localized(draft.name, field=f"{field}.name", max_chars=NAME_MAX)
        checked.append(CategoryDraft(name, draft.color, draft.total_number,
                                     draft.max_per_proposal))
    return checked


def proposals(drafts: Sequence[ProposalDraft]) -> list[ProposalDraft]:
    if not 1 <= len(drafts) <= MAX_PROPOSALS:
        raise InvalidArgument(f"1 to {MAX_PROPOSALS} proposals", field="proposals")
    checked = []
    for i, draft in enumerate(drafts):
        field = f"proposals.{i}"
        if draft.idea_id and not is_opaque_id(draft.idea_id):
            raise InvalidArgument("idea_id must be an id", field=f"{field}.idea_id")
        checked.append(ProposalDraft(
            title=localized(draft.title, field=f"{field}.title", max_chars=NAME_MAX),
            description=localized(draft.description, field=f"{field}.description",
                                  max_chars=TEXT_MAX, required=False),
            idea_id=draft.idea_id,
            gauges=gauges(draft.gauges, field=f"{field}.gauges"),
        ))
    return checked


def gauges(drafts: Sequence[GaugeDraft], *, field: str) -> list[GaugeDraft]:
    if len(drafts) > MAX_GAUGES:
        raise InvalidArgument(f"at most {MAX_GAUGES} gauges per proposal", field=field)
    checked = []
    for i, draft in enumerate(drafts):
        where = f"{field}.{i}"
        question = localized(draft.question, field=f"{where}.question", max_chars=NAME_MAX)
        choices = [localized(c, field=f"{where}.choices.{j}", max_chars=NAME_MAX)
                   for j, c in enumerate(draft.choices)]
        if choices and not 2 <= len(choices) <= MAX_CHOICES:
            raise InvalidArgument(f"2 to {MAX_CHOICES} choices", field=f"{where}.choices")
        if not choices and not (-MAX_SCALE <= draft.min < draft.max <= MAX_SCALE
                                and draft.max - draft.min <= MAX_SCALE_STEPS):
            raise InvalidArgument(
                f"a numeric gauge needs min < max, at most {MAX_SCALE_STEPS} steps apart",
                field=f"{where}.max",
            )
        if len(draft.unit) > 20:
            raise InvalidArgument("unit is at most 20 characters", field=f"{where}.unit")
        checked.append(GaugeDraft(question, choices, draft.min if not choices else 0,
                                  draft.max if not choices else len(choices) - 1, draft.unit))
    return checked


def within_languages(languages: Sequence[str], *, instructions: Mapping[str, str],
                     categories: Sequence[CategoryDraft],
                     proposals: Sequence[ProposalDraft]) -> None:
    """InvalidArgument naming the first text written in a language the consultation does
    not speak: readers get the session in one of the consultation's languages."""
    texts: list[tuple[str, Mapping[str, str]]] = [("instructions", instructions)]
    texts += [(f"categories.{i}.name", c.name) for i, c in enumerate(categories)]
    for i, proposal in enumerate(proposals):
        texts += [(f"proposals.{i}.title", proposal.title),
                  (f"proposals.{i}.description", proposal.description)]
        for j, gauge in enumerate(proposal.gauges):
            where = f"proposals.{i}.gauges.{j}"
            texts.append((f"{where}.question", gauge.question))
            texts += [(f"{where}.choices.{k}", c) for k, c in enumerate(gauge.choices)]
    spoken = set(languages)
    for field, text in texts:
        foreign = sorted(set(text) - spoken)
        if foreign:
            raise InvalidArgument(
                f"{field} is written in {', '.join(foreign)}, which the consultation does not "
                f"speak (its languages: {', '.join(languages)})", field=field)


def gauge_answers(answers: Sequence[GaugeAnswerInput], session: Document) -> list[Document]:
    """Answers as stored (sorted) if each names a gauge of its proposal and is in range."""
    known = {(p["id"], g["id"]): g for p in session["proposals"] for g in p.get("gauges", [])}
    proposal_ids = {p["id"] for p in session["proposals"]}
    seen: set[tuple[str, str]] = set()
    for i, answer in enumerate(answers):
        field = f"gauge_answers.{i}"
        if answer.proposal_id not in proposal_ids:
            raise InvalidArgument(f"proposal {answer.proposal_id!r} is not in this session",
                                  field=f"{field}.proposal_id")
        gauge = known.get((answer.proposal_id, answer.gauge_id))
        if gauge is None:
            raise InvalidArgument(f"gauge {answer.gauge_id!r} is not a gauge of this proposal",
                                  field=f"{field}.gauge_id")
        if (answer.proposal_id, answer.gauge_id) in seen:
            raise InvalidArgument("this gauge is answered twice", field=field)
        seen.add((answer.proposal_id, answer.gauge_id))
        if not gauge["min"] <= answer.value <= gauge["max"]:
            raise InvalidArgument(f"value must be {gauge['min']} to {gauge['max']}",
                                  field=f"{field}.value")
    stored = [{"proposal_id": a.proposal_id, "gauge_id": a.gauge_id, "value": a.value}
              for a in answers]
    return sorted(stored, key=lambda a: (a["proposal_id"], a["gauge_id"]))


def ballot(allocations: Sequence[AllocationInput], session: Document) -> list[Document]:
    """The allocations as stored (zeros dropped, sorted) if they fit the session's rules."""
    proposal_ids = {p["id"] for p in session["proposals"]}
    rules = {c["id"]: c for c in session["categories"]}
    seen: set[tuple[str, str]] = set()
    spent = dict.fromkeys(rules, 0)
    categories_on: dict[str, set[str]] = {}
    for i, allocation in enumerate(allocations):
        field = f"allocations.{i}"
        if allocation.proposal_id not in proposal_ids:
            raise InvalidArgument(
                f"proposal {allocation.proposal_id!r} is not in this session",
                field=f"{field}.proposal_id",
            )
        rule = rules.get(allocation.category_id)
        if rule is None:
            raise InvalidArgument(
                f"category {allocation.category_id!r} is not in this session",
                field=f"{field}.category_id",
            )
        cell = (allocation.proposal_id, allocation.category_id)
        if cell in seen:
            raise InvalidArgument("this proposal and category appear twice", field=field)
        seen.add(cell)
        tokens = allocation.tokens
        if tokens < 0:
            raise InvalidArgument("tokens must not be negative", field=f"{field}.tokens")
        cap = rule["max_per_proposal"] or rule["total_number"]
        if tokens > cap:
            raise InvalidArgument(
                f"at most {cap} tokens of this category on one proposal", field=f"{field}.tokens"
            )
        spent[allocation.category_id] += tokens
        if spent[allocation.category_id] > rule["total_number"]:
            raise InvalidArgument(
                f"more than the {rule['total_number']} tokens of category "
                f"{allocation.category_id} in total",
                field="allocations",
            )
        if tokens > 0:
            categories_on.setdefault(allocation.proposal_id, set()).add(allocation.category_id)
            if session["exclusive_categories"] and len(categories_on[allocation.proposal_id]) > 1:
                raise InvalidArgument(
                    "tokens of two categories on the same proposal (categories are exclusive)",
                    field=f"{field}.category_id",
                )
    stored = [
        {"proposal_id": a.proposal_id, "category_id": a.category_id, "tokens": a.tokens}
        for a in allocations
        if a.tokens > 0
    ]
    return sorted(stored, key=lambda a: (a["proposal_id"], a["category_id"]))


def remaining(allocations: Sequence[Document], session: Document) -> dict[str, int]:
    """Tokens left per category after the given allocations."""
    left = {c["id"]: int(c["total_number"]) for c in session["categories"]}
    for allocation in allocations:
        left[allocation["category_id"]] -= allocation["tokens"]
    return left
