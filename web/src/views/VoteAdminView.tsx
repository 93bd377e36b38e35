import { useEffect, useState } from "preact/hooks";
import { saveBlob } from "../download";
import { api, ok, type Schemas } from "../api/client";
import { Confirm } from "../components/Confirm";
import { Refusal } from "../components/Refusal";
import { lang, translate, useT, type T } from "../i18n";
import { subscribe } from "../live";
import { useScreenFocus } from "../focus";
import { useLoad } from "../load";
import { href } from "../router";
import { session } from "../session";
import { useStore } from "../store";
import { SessionForm } from "./VoteSessionForm";
import { ResultsTable, textIn } from "./VoteView";

type VoteSession = Schemas["VoteSessionPublic"];
type Results = Schemas["ResultsPublic"];

/** Results are readable once closed, or while open when the session shows them live. */
const hasResults = (s: VoteSession) => s.status === "closed" || s.status === "closing" || (s.status === "open" && s.live_results);

async function loadAdmin(id: string) {
  const [consultation, page] = await Promise.all([
    api.GET("/v1/consultations/{consultation_id}", { params: { path: { consultation_id: id } } }).then(ok),
    api.GET("/v1/consultations/{consultation_id}/vote-sessions", {
      params: { path: { consultation_id: id }, query: { limit: 100 } },
    }).then(ok),
  ]);
  const results: Record<string, Results> = {};
  // A session still counting (closing) may not answer yet: the others are shown regardless.
  await Promise.allSettled(page.items.filter(hasResults).map(async (s) => {
    results[s.id] = ok(await api.GET("/v1/vote-sessions/{session_id}/results", {
      params: { path: { session_id: s.id } },
    }));
  }));
  return { consultation, sessions: page.items, results };
}

/** Strategists' vote sessions: every session with its status (drafts included, which only
 * they see), open and close (closing after a confirmation: it is final), the results with
 * their CSV once readable, and a form for a new session. */
export function VoteAdminView({ id }: { id: string }) {
  const t = useT();
  const language = useStore(lang);
  const who = useStore(session);
  const [announcement, setAnnouncement] = useState("");
  const loaded = useLoad(() => loadAdmin(id), [language, who?.accountId], id);
  useScreenFocus(Boolean(loaded.data));

  useEffect(() => subscribe(id, language, (event) => {
    if (event.type === "consultation.phase_changed") loaded.reload(); // votes have no live events
  }), [id, language]);

  useEffect(() => { document.title = `${t("votes.title")} · Agora`; }, [language]);

  if (loaded.error !== null && !loaded.data) {
    return <><h1 tabIndex={-1}>{t("votes.title")}</h1>{<Refusal error={loaded.error} forbidden={t("votes.forbidden")} />}</>;
  }
  if (!loaded.data) return <p>{t("loading")}</p>;
  const { consultation, sessions, results } = loaded.data;
  return (
    <>
      <p class="live-region" role="status" aria-live="polite">{announcement}</p>
      <nav aria-label={t("vote.back")} class="crumbs">
        <a href={href.consultation(id)}>← {consultation.title}</a>
      </nav>
      <h1 tabIndex={-1}>{t("votes.title")}</h1>
      <section aria-labelledby="sessions">
        <h2 id="sessions">{t("votes.sessions")}</h2>
        <div class="actions"><button type="button" onClick={loaded.reload}>{t("votes.refresh")}</button></div>
        {sessions.length === 0 ? <p>{t("votes.none")}</p> : (
          <ol class="cards vote-sessions">
            {sessions.map((s, i) => (
              <SessionCard key={s.id} vote={s} number={i + 1} results={results[s.id]} t={t} language={language}
                onChanged={(message) => { setAnnouncement(message); loaded.reload(); }} />
            ))}
          </ol>
        )}
      </section>
      <section aria-labelledby="new-session">
        <h2 id="new-session">{t("votes.new")}</h2>
        <SessionForm consultation={consultation} t={t}
          onCreated={() => { setAnnouncement(translate(lang.value, "votes.created")); loaded.reload(); }} />
      </section>
    </>
  );
}

function SessionCard({ vote, number, results, t, language, onChanged }: {
  vote: VoteSession; number: number; results: Results | undefined; t: T; language: string;
  onChanged: (message: string) => void;
}) {
  const [busy, setBusy] = useState(false);
  const [asking, setAsking] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const heading = `session-${vote.id}`;
  const instructions = textIn(vote.instructions, language, vote.languages);

  async function act(action: "open" | "close") {
    setBusy(true);
    setError(null);
    try {
      const path = { params: { path: { session_id: vote.id } } };
      ok(action === "open"
        ? await api.POST("/v1/vote-sessions/{session_id}/open", path)
        : await api.POST("/v1/vote-sessions/{session_id}/close", path));
      setAsking(false);
      onChanged(translate(lang.value, action === "open" ? "votes.opened" : "votes.closedNow", { number }));
      setTimeout(() => document.getElementById(heading)?.focus());
    } catch (caught) {
      setAsking(false);
      setError(caught);
    } finally {
      setBusy(false);
    }
  }

  async function download() {
    setError(null);
    try {
      const blob = ok(await api.GET("/v1/vote-sessions/{session_id}/results.csv", {
        params: { path: { session_id: vote.id }, query: { lang: language } }, parseAs: "blob",
      })) as unknown as Blob;
      saveBlob(blob, `results-${vote.id}.csv`);
    } catch (caught) {
      setError(caught);
    }
  }

  return (
    <li class="card vote-session" data-status={vote.status}>
      <h3 id={heading} tabIndex={-1}>{t("votes.session", { number })} <span class={`status status-${vote.status}`}>{t(`votes.status.${vote.status}`)}</span></h3>
      {instructions && <p class="prose">{instructions}</p>}
      <p class="muted">
        {t("votes.summary", { proposals: vote.proposals.length, categories: vote.categories.length })}
        {/* The API counts ballots at the close only (no tally leaks while voting). */}
        {vote.status === "closed" && ` · ${(vote.ballot_count === 1 ? t("votes.ballot1") : t("votes.ballots", { ballots: vote.ballot_count }))}`}
      </p>
      <ul class="inline-list">
        {vote.categories.map((c) => (
          <li key={c.id}><span class="swatch" style={{ background: c.color }} aria-hidden="true" />
            {t("votes.categoryLine", { name: textIn(c.name, language, vote.languages), total: c.total_number })}</li>
        ))}
      </ul>
      <div class="actions">
        {vote.status === "draft" && (
          <button type="button" class="primary" disabled={busy} onClick={() => act("open")}>{t("votes.open")}</button>
        )}
        {vote.status === "open" && !asking && (
          <button id={`close-${vote.id}`} type="button" disabled={busy} onClick={() => { setError(null); setAsking(true); }}>{t("votes.close")}</button>
        )}
        {results && <button type="button" onClick={download}>{t("votes.csv")}</button>}
      </div>
      {asking && (
        <Confirm id={`confirm-${vote.id}`} busy={busy} question={t("votes.confirmClose")}
          confirm={t("votes.yesClose")} cancel={t("phases.cancel")} onConfirm={() => act("close")}
          onCancel={() => { setAsking(false); setTimeout(() => document.getElementById(`close-${vote.id}`)?.focus()); }} />
      )}
      {error !== null && <Refusal error={error} forbidden={t("votes.forbidden")} />}
      {results && <ResultsTable vote={vote} results={results} t={t} level={4} />}
    </li>
  );
}
