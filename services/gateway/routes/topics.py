"""/v1/consultations/{id}/topics, /suggestions and /similar — topics of the posts,
the candidate ideas drawn from them, and duplicates while writing.

Topics and suggestions are for idea catchers and synthesisers (`topics.read`,
`topics.compute`, `suggestion.decide`); a run is started with a POST that answers 202
at once with the run's state, and the topics are read with a GET (its `run` says
whether the run is done). Accepting a suggestion creates the idea (201) through the
ideas code path; an already decided one is a 409. `POST …/similar` takes the draft
in the body (a draft can be long and should not sit in URLs and logs) and answers the
most similar posts and ideas, for any member writing.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from agora.v1 import topics_pb2
from services.gateway.deps import Clients, CurrentUser, OptionalUser, Writer, roles
from services.gateway.languages import AcceptLanguage, LangQuery
from services.gateway.routes.ids import existing_id
from services.gateway.schemas import ResourceId
from services.gateway.synthesis_schemas import IdeaPublic
from services.gateway.topics_schemas import (
    AcceptedSuggestion,
    DraftQuery,
    SimilarPage,
    SimilarPublic,
    SuggestionAcceptance,
    SuggestionPublic,
    SuggestionsPublic,
    SuggestionStatus,
    TopicPublic,
    TopicRunPublic,
    TopicsPublic,
)

router = APIRouter(prefix="/v1/consultations", tags=["topics"])
ThemeQuery = Annotated[ResourceId | None, Query(
    description="A theme's topics (else those across themes).")]


@router.post("/{consultation_id}/topics/runs", status_code=202, response_model=TopicRunPublic)
async def compute_topics(consultation_id: str, user: Writer,
                         clients: Clients) -> TopicRunPublic:
    """Recompute the consultation's topics and suggestions (or answer the run under
    way); read them with GET …/topics once its state is `done`."""
    request = topics_pb2.ComputeTopicsRequest(
        consultation_id=existing_id(consultation_id, "consultation"),
        actor_id=user.account_id, actor_roles=roles(user))
    return TopicRunPublic.of(await clients.call("synthesis", clients.topics.ComputeTopics,
                                                request))


@router.get("/{consultation_id}/topics", response_model=TopicsPublic)
async def list_topics(consultation_id: str, user: OptionalUser, clients: Clients,
                      theme_id: ThemeQuery = None) -> TopicsPublic:
    """The last run's topics, largest first, with key phrases and representative posts."""
    request = topics_pb2.ListTopicsRequest(
        consultation_id=existing_id(consultation_id, "consultation"),
        theme_id=theme_id or "", viewer_roles=roles(user))
    found = await clients.call("synthesis", clients.topics.ListTopics, request)
    return TopicsPublic(run=TopicRunPublic.of(found.run),
                        items=[TopicPublic.of(t) for t in found.topics])


@router.get("/{consultation_id}/suggestions", response_model=SuggestionsPublic)
async def list_suggestions(
    consultation_id: str, user: OptionalUser, clients: Clients, theme_id: ThemeQuery = None,
    status: Annotated[SuggestionStatus, Query(description="Which ones.")] = "open",
) -> SuggestionsPublic:
    """Candidate ideas from the last topic run, each with its source posts."""
    request = topics_pb2.ListSuggestionsRequest(
        consultation_id=existing_id(consultation_id, "consultation"),
        theme_id=theme_id or "", status=status, viewer_roles=roles(user))
    found = await clients.call("synthesis", clients.topics.ListSuggestions, request)
    return SuggestionsPublic(items=[SuggestionPublic.of(s) for s in found.suggestions])


@router.post("/{consultation_id}/suggestions/{suggestion_id}/acceptance", status_code=201,
             response_model=AcceptedSuggestion)
async def accept_suggestion(consultation_id: str, suggestion_id: str,
                            body: SuggestionAcceptance, user: Writer,
                            clients: Clients) -> AcceptedSuggestion:
    """Accept: the idea is created in the suggestion's theme, its source posts filed as
    its extracts."""
    request = topics_pb2.AcceptSuggestionRequest(
        consultation_id=existing_id(consultation_id, "consultation"),
        suggestion_id=existing_id(suggestion_id, "suggestion"), title=body.title,
        description=body.description, actor_id=user.account_id, actor_roles=roles(user))
    accepted = await clients.call("synthesis", clients.topics.AcceptSuggestion, request)
    return AcceptedSuggestion(suggestion=SuggestionPublic.of(accepted.suggestion),
                              idea=IdeaPublic.of(accepted.idea))


@router.post("/{consultation_id}/suggestions/{suggestion_id}/dismissal",
             response_model=SuggestionPublic)
async def dismiss_suggestion(consultation_id: str, suggestion_id: str, user: Writer,
                             clients: Clients) -> SuggestionPublic:
    """Dismiss: it is not offered again, nor a later topic made mostly of its posts."""
    request = topics_pb2.DismissSuggestionRequest(
        consultation_id=existing_id(consultation_id, "consultation"),
        suggestion_id=existing_id(suggestion_id, "suggestion"), actor_id=user.account_id,
        actor_roles=roles(user))
    return SuggestionPublic.of(await clients.call(
        "synthesis", clients.topics.DismissSuggestion, request))


@router.post("/{consultation_id}/similar", response_model=SimilarPage)
async def similar(consultation_id: str, body: DraftQuery, user: CurrentUser,
                  clients: Clients, lang: LangQuery = None,
                  accept_language: AcceptLanguage = None) -> SimilarPage:
    """The existing posts and ideas most similar to a draft, best first."""
    language = lang or (accept_language or "").split(",")[0].split(";")[0].strip()
    request = topics_pb2.FindSimilarRequest(
        consultation_id=existing_id(consultation_id, "consultation"), text=body.text,
        theme_id=body.theme_id or "", limit=body.limit, language=language[:35])
    found = await clients.call("synthesis", clients.topics.FindSimilar, request)
    return SimilarPage(items=[SimilarPublic.of(m) for m in found.matches])
