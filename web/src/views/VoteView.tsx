import { useEffect, useState } from "preact/hooks";
import { api, ok, type Schemas } from "../api/client";
import { ErrorNote } from "../components/ErrorNote";
import { formatDate, lang, translate, useT, type T } from "../i18n";
import { subscribe } from "../live";
import { useScreenFocus } from "../focus";
import { useLoad } from "../load";
import { href } from "../router";
import { session } from "../session";
import { useStore } from "../store";

type VoteSession = Schemas["VoteSessionPublic"];
type Ballot = Schemas["BallotPublic"];
type Results = Schemas["ResultsPublic"];
type Cells = Record<string, number>;
type Gauge = Schemas["GaugePublic"];
/** Gauge answers by `${proposal}:${gauge}`; absent: not answered. */
type Answers = Record<string, number>;

/** A session's text in the reader's language, else its first language's, else any. */
export function textIn(texts: Record<string, string>, language: string, languages: string[]): string {
  return texts[language] ?? texts[languages[0] ?? ""] ?? Object.values(texts)[0] ?? "";
}

const cell = (proposalId: string, categoryId: string) => `${proposalId}:${categoryId}`;

function cellsOf(ballot: Ballot | null): Cells {
  const cells: Cells = {};
  for (const a of ballot?.allocations ?? []) cells[cell(a.proposal_id, a.category_id)] = a.tokens;
  return cells;
}

function answersOf(ballot: Ballot | null): Answers {
  const answers: Answers = {};
  for (const a of ballot?.gauge_answers ?? []) answers[cell(a.proposal_id, a.gauge_id)] = a.value;
  return answers;
}

/** Tokens spent per category: the remaining budget is counted here, live, as the voter
 * types; the API counts again and has the last word. */
function spent(vote: VoteSession, cells: Cells): Record<string, number> {
  const out: Record<string, number> = {};
  for (const category of vote.categories) {
    out[category.id] = vote.proposals.reduce((sum, p) => sum + (cells[cell(p.id, category.id)] ?? 0), 0);
  }
  return out;
}

/** The open session if there is one, else the latest closed one (its results). */
function current(sessions: VoteSession[]): VoteSession | undefined {
  return sessions.find((s) => s.status === "open")
    ?? [...sessions].reverse().find((s) => s.status === "closed" || s.status === "closing");
}

async function loadVote(id: string) {
  const [consultation, sessions] = await Promise.all([
    api.GET("/v1/consultations/{consultation_id}", { params: { path: { consultation_id: id } } }).then(ok),
    api.GET("/v1/consultations/{consultation_id}/vote-sessions", {
      params: { path: { consultation_id: id }, query: { limit: 100 } },
    }).then(ok),
  ]);
  const vote = current(sessions.items);
  const path = vote ? { params: { path: { session_id: vote.id } } } : null;
  const [ballot, results] = await Promise.all([
    path && vote?.status === "open" && session.value ? api.GET("/v1/vote-sessions/{session_id}/ballot", path).then(ok) : null,
    path && (vote?.status !== "open" || vote.live_results)
      ? api.GET("/v1/vote-sessions/{session_id}/results", path).then(ok) : null,
  ]);
  return { consultation, vote, ballot, results };
}

/** The token vote of a consultation in prioritisation: the open session's proposals, a
 * number of tokens of each category per proposal with the budget left counted live, the
 * whole ballot sent at once (PUT …/ballot, all-or-nothing), and the results once closed. */
export function VoteView({ id }: { id: string }) {
  const t = useT();
  const language = useStore(lang);
  const who = useStore(session);
  const [announcement, setAnnouncement] = useState("");
  const loaded = useLoad(() => loadVote(id), [language, who?.accountId], id);
  useScreenFocus(Boolean(loaded.data));

  useEffect(() => subscribe(id, language, (event) => {
    if (event.type === "consultation.phase_changed") loaded.reload();
  }), [id, language]);

  useEffect(() => {
    if (loaded.data) document.title = `${t("vote.title")} · ${loaded.data.consultation.title} · Agora`;
  }, [loaded.data, language]);

  if (loaded.error !== null && !loaded.data) return <ErrorNote error={loaded.error} onRetry={loaded.reload} />;
  if (!loaded.data) return <p>{t("loading")}</p>;
  const { consultation, vote, ballot, results } = loaded.data;
  const back = href.vote(id);
  return (
    <>
      <p class="live-region" role="status" aria-live="polite">{announcement}</p>
      <nav aria-label={t("vote.back")} class="crumbs">
        <a href={href.consultation(id)}>← {consultation.title}</a>
      </nav>
      <h1 tabIndex={-1}>{t("vote.title")}</h1>
      {!vote && <p>{t("vote.none")}</p>}
      {vote && textIn(vote.instructions, language, vote.languages) && (
        <section aria-labelledby="instructions">
          <h2 id="instructions">{t("vote.instructions")}</h2>
          <p class="prose">{textIn(vote.instructions, language, vote.languages)}</p>
        </section>
      )}
      {vote?.status === "open" && (who ? (
        vote.accepting_ballots
          ? <BallotForm key={vote.id} vote={vote} ballot={ballot} t={t} language={language}
              onSaved={(saved) => {
                loaded.set((d) => ({ ...d, ballot: saved }));
                const total = saved.allocations.reduce((sum, a) => sum + a.tokens, 0);
                setAnnouncement(translate(lang.value, "vote.saved", { count: total }));
              }} />
          : <p class="notice">{t("vote.notAccepting")}</p>
      ) : (
        <p><a href={href.login(back)}>{t("vote.loginToVote")}</a></p>
      ))}
      {vote && vote.status !== "open" && (
        <p class="notice">{t(vote.status === "closing" ? "vote.closing" : "vote.closed")}</p>
      )}
      {vote && results && <ResultsTable vote={vote} results={results} t={t} />}
    </>
  );
}

function BallotForm({ vote, ballot, t, language, onSaved }: {
  vote: VoteSession; ballot: Ballot | null; t: T; language: string; onSaved: (ballot: Ballot) => void;
}) {
  const [cells, setCells] = useState<Cells>(() => cellsOf(ballot));
  const [answers, setAnswers] = useState<Answers>(() => answersOf(ballot));
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [saved, setSaved] = useState(false);
  const used = spent(vote, cells);
  const over = vote.categories.some((c) => (used[c.id] ?? 0) > c.total_number);
  const name = (texts: Record<string, string>) => textIn(texts, language, vote.languages);

  function change(key: string, raw: string) {
    const value = Number.parseInt(raw, 10);
    setCells((old) => ({ ...old, [key]: Number.isFinite(value) && value > 0 ? value : 0 }));
    setSaved(false);
  }

  async function submit(event: Event) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    setSaved(false);
    try {
      const allocations = vote.proposals.flatMap((p) => vote.categories.map((c) => ({
        proposal_id: p.id, category_id: c.id, tokens: cells[cell(p.id, c.id)] ?? 0,
      }))).filter((a) => a.tokens > 0);
      const version = ballot?.version ?? 0;
      const reply = ok(await api.PUT("/v1/vote-sessions/{session_id}/ballot", {
        params: { path: { session_id: vote.id }, header: version > 0 ? { "If-Match": `"${version}"` } : {} },
        body: { allocations, gauge_answers: Object.entries(answers).map(([key, value]) => {
          const [proposal_id, gauge_id] = key.split(":") as [string, string];
          return { proposal_id, gauge_id, value };
        }) },
      }));
      setSaved(true);
      onSaved(reply);
    } catch (caught) {
      setError(caught);
      document.getElementById("ballot-error")?.focus();
    } finally {
      setBusy(false);
    }
  }

  return (
    <form class="ballot" onSubmit={submit} noValidate>
      <p class="hint">{t("vote.howto")}</p>
      <section aria-labelledby="budget" class="budget">
        <h2 id="budget">{t("vote.budget")}</h2>
        <ul aria-live="polite">
          {vote.categories.map((c) => {
            const left = c.total_number - (used[c.id] ?? 0);
            return (
              <li key={c.id} class={left < 0 ? "over" : ""} data-category={c.id}>
                <span class="swatch" style={{ background: c.color }} aria-hidden="true" />
                {left < 0
                  ? <strong>{t("vote.over", { category: name(c.name), over: -left })}</strong>
                  : t("vote.remaining", { category: name(c.name), remaining: left, total: c.total_number })}
                {c.max_per_proposal > 0 && <span class="muted"> · {t("vote.cap", { cap: c.max_per_proposal })}</span>}
              </li>
            );
          })}
        </ul>
      </section>
      <h2>{t("vote.proposals")}</h2>
      <ol class="proposals">
        {vote.proposals.map((p) => (
          <li key={p.id} class="proposal">
            <h3 id={`proposal-${p.id}`}>{name(p.title)}</h3>
            {name(p.description) && <p class="prose">{name(p.description)}</p>}
            <div class="tokens">
              {vote.categories.map((c) => {
                const key = cell(p.id, c.id);
                const inputId = `tokens-${p.id}-${c.id}`;
                return (
                  <div key={key} class="token-field">
                    <label for={inputId}>
                      <span class="swatch" style={{ background: c.color }} aria-hidden="true" />
                      {t("vote.tokensFor", { category: name(c.name), proposal: name(p.title) })}
                    </label>
                    <input id={inputId} type="number" inputMode="numeric" min={0}
                      max={c.max_per_proposal || c.total_number} step={1}
                      value={cells[key] ?? 0} onInput={(e) => change(key, e.currentTarget.value)} />
                  </div>
                );
              })}
            </div>
            {p.gauges.map((g) => (
              <GaugeField key={g.id} proposalId={p.id} gauge={g} name={name} t={t}
                value={answers[cell(p.id, g.id)]}
                onChange={(value) => {
                  setAnswers((old) => {
                    const next = { ...old };
                    if (value === undefined) delete next[cell(p.id, g.id)];
                    else next[cell(p.id, g.id)] = value;
                    return next;
                  });
                  setSaved(false);
                }} />
            ))}
          </li>
        ))}
      </ol>
      {over && <p class="error" role="alert">{t("vote.overBudget")}</p>}
      <div id="ballot-error" tabIndex={-1}>
        {error !== null && (
          <>
            <p class="error-title">{t("vote.rejected")}</p>
            <ErrorNote error={error} />
          </>
        )}
      </div>
      <div class="actions">
        <button type="submit" class="primary" disabled={busy}>{busy ? t("vote.submitting") : t("vote.submit")}</button>
        {saved && <span role="status">{t("vote.saved", { count: Object.values(cells).reduce((a, b) => a + b, 0) })}</span>}
        {!saved && ballot?.submitted_at && (
          <span class="muted">{t("vote.savedAt", { date: formatDate(lang.value, ballot.submitted_at, true) })}</span>
        )}
      </div>
    </form>
  );
}

/** A gauge beside a proposal's tokens: labelled choices as radio buttons, or an integer
 * scale as a number field; "no answer" is always possible (the gauge is optional). */
function GaugeField({ proposalId, gauge, name, t, value, onChange }: {
  proposalId: string; gauge: Gauge; name: (texts: Record<string, string>) => string; t: T;
  value: number | undefined; onChange: (value: number | undefined) => void;
}) {
  const id = `gauge-${proposalId}-${gauge.id}`;
  if (gauge.choices.length > 0) {
    return (
      <fieldset class="gauge">
        <legend>{name(gauge.question)}</legend>
        {[undefined, ...gauge.choices.map((_, i) => i)].map((choice) => (
          <label key={String(choice)} class="check">
            <input type="radio" name={id} checked={value === choice} onChange={() => onChange(choice)} />
            {choice === undefined ? t("gauge.noAnswer") : name(gauge.choices[choice]!)}
          </label>
        ))}
      </fieldset>
    );
  }
  return (
    <div class="gauge token-field">
      <label for={id}>{t("gauge.scale", { question: name(gauge.question), min: gauge.min, max: gauge.max, unit: gauge.unit })}</label>
      <input id={id} type="number" inputMode="numeric" min={gauge.min} max={gauge.max} step={1}
        value={value ?? ""} onInput={(e) => {
          const raw = e.currentTarget.value.trim();
          const parsed = Number.parseInt(raw, 10);
          onChange(raw === "" || !Number.isFinite(parsed) ? undefined : parsed);
        }} />
    </div>
  );
}

export function ResultsTable({ vote, results, t, level = 2 }: { vote: VoteSession; results: Results; t: T; level?: 2 | 4 }) {
  const Heading = level === 2 ? "h2" : "h4";
  const headingId = `results-${vote.id}`;
  return (
    <section aria-labelledby={headingId} class="results">
      <Heading id={headingId}>{t(results.final ? "vote.results" : "vote.resultsLive")}</Heading>
      <p>{results.ballot_count === 1 ? t("vote.ballot1") : t("vote.ballots", { count: results.ballot_count })}</p>
      {vote.categories.map((c) => {
        const rows = results.tallies.filter((row) => row.category_id === c.id);
        const caption = rows[0]?.category_name ?? textIn(c.name, results.language, vote.languages);
        return (
          <div class="table-wrap" key={c.id}>
            <table>
              <caption>{caption}</caption>
              <thead>
                <tr><th scope="col">{t("vote.rank")}</th><th scope="col">{t("vote.proposal")}</th>
                  <th scope="col">{t("vote.tokens")}</th><th scope="col">{t("vote.voters")}</th></tr>
              </thead>
              <tbody>
                {rows.map((row) => (
                  <tr key={row.proposal_id}>
                    <td>{row.rank}</td><th scope="row">{row.proposal_title}</th>
                    <td class="count">{row.tokens}</td><td class="count">{row.voters}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        );
      })}
      {results.gauges.length > 0 && <GaugeResults vote={vote} results={results} t={t} />}
      {results.results_digest && <p class="muted digest">{t("vote.digest", { digest: results.results_digest })}</p>}
    </section>
  );
}


function GaugeResults({ vote, results, t }: { vote: VoteSession; results: Results; t: T }) {
  const gauges = new Map(vote.proposals.flatMap((p) => p.gauges.map((g) => [g.id, g] as const)));
  const label = (gaugeId: string, value: string) => {
    const choices = gauges.get(gaugeId)?.choices ?? [];
    return choices.length ? textIn(choices[Number(value)] ?? {}, results.language, vote.languages) || value : value;
  };
  return (
    <div class="table-wrap">
      <table>
        <caption>{t("gauge.results")}</caption>
        <thead>
          <tr><th scope="col">{t("vote.proposal")}</th><th scope="col">{t("gauge.question")}</th>
            <th scope="col">{t("gauge.answers")}</th><th scope="col">{t("gauge.average")}</th>
            <th scope="col">{t("gauge.distribution")}</th></tr>
        </thead>
        <tbody>
          {results.gauges.map((g) => (
            <tr key={g.gauge_id}>
              <th scope="row">{g.proposal_title}</th><td>{g.question}</td>
              <td class="count">{g.answers}</td>
              <td class="count">{new Intl.NumberFormat(results.language, { maximumFractionDigits: 2 }).format(g.average)}</td>
              <td>{Object.entries(g.distribution).map(([value, count]) => `${label(g.gauge_id, value)}: ${count}`).join(" · ")}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
