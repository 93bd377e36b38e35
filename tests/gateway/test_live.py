"""Live updates over SSE, fed from NATS: phase changes, posts, reactions, hides, resume."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from devstack.stack import Stack
from tests.debate import MODERATOR, STRATEGIST, phased, post, thread_in
from tests.gateway.test_problems import assert_problem
from tests.helpers import auth, metric_value
from tests.identity.support import new_account
from tests.synthesis.support import CATCHER, SYNTHESISER, debate


@dataclass
class Event:
    id: int
    type: str
    data: dict[str, Any]


class Stream:
    def __init__(self, lines: AsyncIterator[str]) -> None:
        self._lines = lines

    async def next_event(self) -> Event:
        fields: dict[str, str] = {}
        async for line in self._lines:
            if line == "" and "event" in fields:
                return Event(int(fields["id"]), fields["event"], json.loads(fields["data"]))
            if line and not line.startswith(":"):
                name, _, value = line.partition(": ")
                fields[name] = value
        raise AssertionError("the stream ended")

    async def until(self, done: Callable[[list[Event]], bool],
                    within: float = 20.0) -> list[Event]:
        """Events read until done(events) holds."""
        seen: list[Event] = []

        async def read() -> None:
            while not done(seen):
                seen.append(await self.next_event())

        try:
            await asyncio.wait_for(read(), within)
        except TimeoutError:
            raise AssertionError(f"not seen within {within}s: {seen}") from None
        return seen


@asynccontextmanager
async def listen(api: httpx.AsyncClient, consultation_id: str,
                 headers: dict[str, str] | None = None,
                 params: dict[str, str] | None = None) -> AsyncIterator[Stream]:
    async with api.stream("GET", f"/v1/consultations/{consultation_id}/events",
                          headers=headers or {}, params=params or {}) as reply:
        assert reply.status_code == 200
        assert reply.headers["content-type"].startswith("text/event-stream")
        lines = reply.aiter_lines()
        assert await anext(lines) == ": connected"  # subscribed: later events will arrive
        yield Stream(lines)


def has(*types: str) -> Callable[[list[Event]], bool]:
    return lambda events: set(types) <= {e.type for e in events}


async def test_phase_changes_posts_and_reactions_arrive_live(api: httpx.AsyncClient) -> None:
    consultation = await phased(api, "appropriation")
    async with listen(api, consultation["id"], auth("watcher")) as stream:
        advanced = await api.post(f"/v1/consultations/{consultation['id']}/phase-changes",
                                  json={"change": "advance"}, headers=STRATEGIST)
        assert advanced.status_code == 200
        thread = await thread_in(api, consultation)
        written = await post(api, thread, "Live *idea*", format="markdown")
        await api.put(f"/v1/posts/{written['id']}/reaction", json={"kind": "like"},
                      headers=auth("fan"))
        events = await stream.until(has("consultation.phase_changed", "post.created",
                                        "reaction.changed"))
    by_type = {e.type: e for e in events}
    assert by_type["consultation.phase_changed"].data == {
        "previous_phase": "appropriation", "current_phase": "ideation", "change": "advance"}
    assert by_type["post.created"].data["post"]["body_html"] == "<p>Live <em>idea</em></p>\n"
    assert by_type["reaction.changed"].data["reaction_counts"]["like"] == 1
    ids = [e.id for e in events]
    assert ids == sorted(ids)


async def test_streamed_posts_carry_their_authors_public_name(
    api: httpx.AsyncClient, work_dir: Path,
) -> None:
    """Like every read, the stream names the author (it used to send `author_name: null`)."""
    consultation = await phased(api, "ideation")
    thread = await thread_in(api, consultation)
    ada = await new_account(api, work_dir / "mail")
    named = await api.put(f"/v1/consultations/{consultation['id']}/pseudonym",
                          json={"pseudonym": "Kestrel"}, headers=ada.headers)
    assert named.status_code == 204, named.text
    async with listen(api, consultation["id"]) as stream:
        written = await api.post(f"/v1/threads/{thread['id']}/posts", json={"body": "Hi"},
                                 headers=ada.headers)
        assert written.status_code == 201, written.text
        events = await stream.until(has("post.created"))
    (created,) = [e for e in events if e.type == "post.created"]
    assert created.data["post"]["id"] == written.json()["id"]
    assert created.data["post"]["author_name"] == "Kestrel"


async def test_many_readers_share_one_read_of_each_post(
    api: httpx.AsyncClient, stack: Stack,
) -> None:
    """Ten connected readers, one post: the gateway reads the post once or nearly (not
    once per connection), and every reader gets the same frame."""
    consultation = await phased(api, "ideation")
    thread = await thread_in(api, consultation)
    metrics = f"http://127.0.0.1:{stack.config.metrics_ports['threads']}/metrics"

    async def get_post_calls() -> float:
        async with httpx.AsyncClient(timeout=5) as client:
            return metric_value((await client.get(metrics)).text,
                                "rpc_server_duration_seconds_count",
                                method="/agora.v1.ThreadsService/GetPost")

    async with AsyncExitStack() as streams:
        readers = [await streams.enter_async_context(
            listen(api, consultation["id"], auth(f"reader{i}"))) for i in range(10)]
        before = await get_post_calls()
        written = await post(api, thread, "Seen by ten")
        received = await asyncio.gather(*(r.until(has("post.created")) for r in readers))
        calls = await get_post_calls() - before
    frames = {json.dumps(events[-1].data, sort_keys=True) for events in received}
    assert len(frames) == 1
    assert written["id"] in frames.pop()
    assert 1 <= calls <= 5, calls


async def test_hidden_posts_are_never_streamed_and_resume_misses_nothing(
    api: httpx.AsyncClient,
) -> None:
    consultation = await phased(api, "ideation")
    thread = await thread_in(api, consultation)
    visible = await post(api, thread, "Fine")
    rude = await post(api, thread, "Nasty words here", account="troll")
    hidden = await api.post(f"/v1/posts/{rude['id']}/moderation",
                            json={"action": "hide", "reason": "rude"}, headers=MODERATOR)
    assert hidden.status_code == 200
    later = await post(api, thread, "After the hide")

    def replayed(events: list[Event]) -> bool:
        posted = {e.data["post"]["id"] for e in events if e.type == "post.created"}
        return {visible["id"], later["id"]} <= posted and has("moderation.post_hidden")(events)

    async with listen(api, consultation["id"], {"Last-Event-ID": "0"}) as stream:
        events = await stream.until(replayed)
    assert "Nasty" not in json.dumps([e.data for e in events])
    assert rude["id"] not in {e.data["post"]["id"] for e in events if e.type == "post.created"}

    first = events[0]
    async with listen(api, consultation["id"], {"Last-Event-ID": str(first.id)}) as stream:
        resumed = await stream.until(lambda seen: len(seen) == len(events) - 1)
    assert [e.id for e in resumed] == [e.id for e in events[1:]]


async def test_bad_stream_requests_are_problems(api: httpx.AsyncClient) -> None:
    assert_problem(await api.get("/v1/consultations/000000000000000000000000/events"), 404)
    consultation = await phased(api, "ideation")
    reply = await api.get(f"/v1/consultations/{consultation['id']}/events",
                          headers={"Last-Event-ID": "abc"})
    assert_problem(reply, 422, "header.Last-Event-ID")


async def test_an_id_beyond_the_stream_resumes_at_its_end(api: httpx.AsyncClient) -> None:
    """A Last-Event-ID past the last event (a stream restored or reset, a client's own
    guess, up to the largest 20-digit number) resumes with the next event: no 200 that
    then aborts, no event skipped."""
    consultation = await phased(api, "ideation")
    thread = await thread_in(api, consultation)
    async with listen(api, consultation["id"]) as stream:
        first = await post(api, thread, "Sets the stream's end")
        (event,) = await stream.until(has("post.created"))
    beyond = [str(event.id + 1000), "18446744073709551615", "99999999999999999999"]
    for last_event_id in beyond:
        async with listen(api, consultation["id"], {"Last-Event-ID": last_event_id}) as stream:
            written = await post(api, thread, f"After {last_event_id}")
            events = await stream.until(has("post.created"))
        assert [e.data["post"]["id"] for e in events] == [written["id"]], last_event_id
        assert events[0].id > event.id
    assert first["id"] != written["id"]


async def test_malformed_last_event_ids_are_refused_before_the_stream(
    api: httpx.AsyncClient,
) -> None:
    consultation = await phased(api, "ideation")
    # b"\xb2" reads as "²" (headers are Latin-1), a digit to str.isdigit but not to int.
    for bad in (b"-1", b"abc", b"1.5", b"+7", "\u0661\u0662".encode(), b"", b"1" * 21,
                b"\xb2", b"1\xb9"):
        reply = await api.get(f"/v1/consultations/{consultation['id']}/events",
                              headers=[(b"Last-Event-ID", bad)])
        assert_problem(reply, 422, "header.Last-Event-ID")


async def test_synthesis_events_stream_and_drafts_reach_synthesisers_only(
    api: httpx.AsyncClient,
) -> None:
    """Extracts, ideas, syntheses and contests stream to every admitted reader as ids and
    states; a saved draft (not public) reaches synthesisers alone."""
    consultation, (written,) = await debate(api, "Buses need lanes on every avenue.")
    base = f"/v1/consultations/{consultation['id']}"
    async with listen(api, consultation["id"], auth("watcher")) as public, \
            listen(api, consultation["id"], SYNTHESISER) as synthesisers:
        idea = (await api.post(f"{base}/ideas", headers=CATCHER, json={
            "theme_id": consultation["themes"][0]["id"], "title": "Bus lanes"})).json()
        filed = await api.post(f"{base}/extracts", headers=CATCHER, json={
            "post_id": written["id"], "start": 0, "end": 16, "nature": "issue",
            "idea_id": idea["id"]})
        assert filed.status_code == 201, filed.text
        synthesis = (await api.post(f"{base}/syntheses", headers=SYNTHESISER,
                                    json={"title": "Mobility"})).json()
        url = f"{base}/syntheses/{synthesis['id']}"
        saved = await api.put(f"{url}/draft", headers=SYNTHESISER,
                              json={"paragraphs": [{"text": "Secret draft words"}]})
        assert saved.status_code == 200, saved.text
        version = (await api.post(f"{url}/versions", headers=SYNTHESISER)).json()
        anchor = version["paragraphs"][0]["anchor"]
        contested = await api.post(f"{url}/versions/1/paragraphs/{anchor}/contests",
                                   headers=auth("critic"), json={"body": "Why?"})
        assert contested.status_code == 201, contested.text
        done = has("idea.created", "extract.filed", "synthesis.created",
                   "synthesis.published", "contest.opened")
        seen = await public.until(done)
        written_for_synthesisers = await synthesisers.until(
            lambda events: done(events) and has("synthesis.draft_saved")(events))
    by_type = {e.type: e.data for e in seen}
    assert "synthesis.draft_saved" not in by_type
    assert by_type["idea.created"] == {"idea_id": idea["id"], "status": "proposed",
                                       "merged_into": None}
    assert by_type["extract.filed"] == {"extract_id": filed.json()["id"],
                                        "post_id": written["id"], "state": "anchored"}
    assert by_type["synthesis.published"]["version"] == 1
    assert by_type["contest.opened"]["contest_id"] == contested.json()["id"]
    drafts = [e.data for e in written_for_synthesisers if e.type == "synthesis.draft_saved"]
    assert drafts == [{"synthesis_id": synthesis["id"], "version": None, "contest_id": None}]
    assert "Secret" not in json.dumps([e.data for e in written_for_synthesisers])
