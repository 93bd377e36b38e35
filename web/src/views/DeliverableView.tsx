import type { ComponentChildren } from "preact";
import { useEffect, useRef, useState } from "preact/hooks";
import { api, apiFetch, ApiError, ok, type Consultation, type Problem, type Schemas } from "../api/client";
import { useCan } from "../can";
import { ErrorNote } from "../components/ErrorNote";
import { formatDate, lang, useT, type Lang, type T } from "../i18n";
import { useScreenFocus } from "../focus";
import { useLoad } from "../load";
import { href } from "../router";
import { session } from "../session";
import { useStore } from "../store";
import type { DeliverableDocument, Recommendation, Tally, Vote } from "./deliverableDocument";

type Deliverable = Schemas["DeliverablePublic"];
type DeliverableFile = Schemas["DeliverableFilePublic"];
type Job = Schemas["DeliverableJobPublic"];

const path = (id: string) => ({ params: { path: { consultation_id: id } } });
const POLL_MS = 700;
const EXTENSIONS: Record<DeliverableFile["format"], string> = { markdown: "md", pdf: "pdf", json: "json", csv: "zip" };

function idempotencyKey(): string {
  return Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, "0")).join("");
}

/** Every published version, oldest first (the list is paged). */
async function allDeliverables(id: string): Promise<Deliverable[]> {
  const items: Deliverable[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < 20; page++) {
    const found = ok(await api.GET("/v1/consultations/{consultation_id}/deliverables", {
      params: { path: { consultation_id: id }, query: { limit: 100, ...(cursor ? { cursor } : {}) } },
    }));
    items.push(...found.items);
    if (!found.next_cursor) break;
    cursor = found.next_cursor;
  }
  return items;
}

/** The version a reader sees first: the latest in their language, else the latest. */
export function preferred(versions: Deliverable[], language: string): Deliverable | undefined {
  const mine = versions.filter((d) => d.language === language);
  return mine[mine.length - 1] ?? versions[versions.length - 1];
}

async function readDocument(file: DeliverableFile): Promise<DeliverableDocument> {
  const reply = await apiFetch(new Request(file.url));
  if (!reply.ok) {
    const problem = (await reply.json().catch(() => null)) as Problem | null;
    throw new ApiError(problem, reply.status);
  }
  return (await reply.json()) as DeliverableDocument;
}

function languageName(reader: Lang, code: string): string {
  if (!code) return "—";
  try {
    return new Intl.DisplayNames([reader], { type: "language" }).of(code) ?? code;
  } catch {
    return code;
  }
}

/** The deliverable: the published versions with their files, the chosen one's sections
 * read from its open-data export, and, for strategists, generating the next one. */
export function DeliverableView({ id }: { id: string }) {
  const t = useT();
  const language = useStore(lang);
  const who = useStore(session);
  const strategist = useCan(id, "deliverable.write");
  const [chosen, setChosen] = useState<number | null>(null);
  const loaded = useLoad(async () => {
    const [consultation, versions] = await Promise.all([
      api.GET("/v1/consultations/{consultation_id}", path(id)).then(ok), allDeliverables(id)]);
    return { consultation, versions };
  }, [language, who?.accountId], id);
  useScreenFocus(Boolean(loaded.data));
  useEffect(() => { document.title = `${t("deliverable.title")} · Agora`; }, [language]);

  if (loaded.error !== null && !loaded.data) return <ErrorNote error={loaded.error} onRetry={loaded.reload} />;
  if (!loaded.data) return <p>{t("loading")}</p>;
  const { consultation, versions } = loaded.data;
  const shown = versions.find((d) => d.number === chosen) ?? preferred(versions, language);

  function generated(number: number) {
    setChosen(number);
    loaded.reload();
  }

  return (
    <>
      <nav aria-label={t("thread.back")} class="crumbs">
        <a href={href.consultation(id)}>← {consultation.title}</a>
      </nav>
      <h1 tabIndex={-1}>{t("deliverable.title")}</h1>
      {loaded.error !== null && <ErrorNote error={loaded.error} onRetry={loaded.reload} />}
      {strategist && <Generate consultation={consultation} onDone={generated} />}
      {versions.length === 0 ? <p>{t("deliverable.none")}</p> : (
        <>
          <Versions t={t} language={language} versions={versions} shown={shown} onChoose={setChosen} />
          {shown && <Shown key={shown.number} t={t} deliverable={shown} />}
        </>
      )}
    </>
  );
}

function fileLabel(t: T, file: DeliverableFile): string {
  return t(`deliverable.format.${file.format}`);
}

function size(language: Lang, bytes: number): string {
  return new Intl.NumberFormat(language, { style: "unit", unit: bytes < 1024 * 1024 ? "kilobyte" : "megabyte", maximumFractionDigits: 1 })
    .format(bytes < 1024 * 1024 ? Math.max(0.1, bytes / 1024) : bytes / 1024 / 1024);
}

/** A file's link. Signed in, the file is fetched with the session's token (a registered
 * consultation's files are not public) and handed to the browser as a download. */
function Download({ t, deliverable, file }: { t: T; deliverable: Deliverable; file: DeliverableFile }) {
  const language = useStore(lang);
  const [error, setError] = useState<unknown>(null);
  const name = `deliverable-${deliverable.number}.${EXTENSIONS[file.format]}`;

  async function download(event: MouseEvent) {
    if (!session.value) return; // the link itself serves an open consultation
    event.preventDefault();
    setError(null);
    try {
      const reply = await apiFetch(new Request(file.url));
      if (!reply.ok) throw new ApiError((await reply.json().catch(() => null)) as Problem | null, reply.status);
      const url = URL.createObjectURL(await reply.blob());
      const link = document.createElement("a");
      link.href = url;
      link.download = name;
      document.body.append(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(url), 60_000);
    } catch (caught) {
      setError(caught);
    }
  }

  return (
    <li>
      <a href={file.url} download={name} type={file.media_type} onClick={download}
        aria-label={t("deliverable.downloadOf", { format: fileLabel(t, file), n: deliverable.number })}>
        {fileLabel(t, file)}
      </a>{" "}
      <span class="muted">({size(language, file.size)})</span>
      {error !== null && <ErrorNote error={error} />}
    </li>
  );
}

function Versions({ t, language, versions, shown, onChoose }: {
  t: T; language: Lang; versions: Deliverable[]; shown: Deliverable | undefined; onChoose: (n: number) => void;
}) {
  return (
    <section aria-labelledby="versions">
      <h2 id="versions">{t("deliverable.versions")}</h2>
      <ul class="cards deliverables">
        {[...versions].reverse().map((d) => (
          <li key={d.number} class={`card${d.number === shown?.number ? " shown" : ""}`}>
            <h3>{t("deliverable.versionN", { n: d.number })}</h3>
            <p class="muted">
              {t("deliverable.meta", {
                date: formatDate(language, d.generated_at, true), language: languageName(language, d.language),
                count: d.recommendations,
              })}
            </p>
            <p class="muted">{t("deliverable.downloads")}</p>
            <ul class="downloads">
              {d.files.map((f) => <Download key={f.format} t={t} deliverable={d} file={f} />)}
            </ul>
            {d.number === shown?.number ? <p class="notice">{t("deliverable.shownBelow")}</p> : (
              <button type="button" onClick={() => onChoose(d.number)}>{t("deliverable.read", { n: d.number })}</button>
            )}
          </li>
        ))}
      </ul>
    </section>
  );
}

/** A version's sections, from its open-data export. */
function Shown({ t, deliverable }: { t: T; deliverable: Deliverable }) {
  const language = useStore(lang);
  const json = deliverable.files.find((f) => f.format === "json");
  const loaded = useLoad(() => (json ? readDocument(json) : Promise.resolve(null)), [], `${deliverable.number}`);
  const written = deliverable.language;
  return (
    <article aria-labelledby="shown" class="deliverable" lang={written || undefined}>
      <h2 id="shown" lang={language}>{t("deliverable.shown", { n: deliverable.number })}</h2>
      {written && written !== language && (
        <p class="notice" lang={language}>{t("deliverable.otherLanguage", { language: languageName(language, written) })}</p>
      )}
      {!json ? <Section id="after" title={t("consultation.stepAfter")}><p class="prose">{deliverable.step_after}</p></Section>
        : loaded.error !== null ? <ErrorNote error={loaded.error} onRetry={loaded.reload} />
        : !loaded.data ? <p lang={language}>{t("loading")}</p>
        : <Sections t={t} doc={loaded.data} />}
    </article>
  );
}

function Section({ id, title, children }: { id: string; title: string; children: ComponentChildren }) {
  const language = useStore(lang);
  return (
    <section aria-labelledby={`d-${id}`}>
      <h3 id={`d-${id}`} lang={language}>{title}</h3>
      {children}
    </section>
  );
}

function Sections({ t, doc }: { t: T; doc: DeliverableDocument }) {
  const language = useStore(lang);
  const p = doc.participation;
  const figures: [string, number][] = [
    [t("deliverable.contributions"), p.contributions], [t("deliverable.contributors"), p.contributors],
    [t("deliverable.reactors"), p.reactors], [t("deliverable.extracts"), p.extracts],
    [t("deliverable.ideas"), p.ideas], [t("deliverable.retained"), p.retained_ideas],
    [t("deliverable.ballots"), p.ballots],
  ];
  const number = new Intl.NumberFormat(language);
  return (
    <>
      <Section id="after" title={t("consultation.stepAfter")}><p class="prose">{doc.step_after}</p></Section>
      <Section id="recommendations" title={t("deliverable.recommendations")}>
        {doc.recommendations.length === 0 ? <p lang={language}>{t("deliverable.noRecommendations")}</p> : (
          <ol class="recommendations">
            {doc.recommendations.map((r) => <RecommendationItem key={r.idea_id} t={t} r={r} />)}
          </ol>
        )}
      </Section>
      <Section id="votes" title={t("deliverable.votes")}>
        {doc.votes.length === 0 ? <p lang={language}>{t("deliverable.noVotes")}</p>
          : doc.votes.map((v, i) => <VoteTable key={v.session_id} t={t} vote={v} index={i + 1} />)}
      </Section>
      <Section id="synthesis" title={t("deliverable.synthesis")}>
        {!doc.synthesis ? <p lang={language}>{t("deliverable.noSynthesis")}</p> : (
          <>
            <p class="muted" lang={language}>
              {t("deliverable.synthesisOf", { title: doc.synthesis.title, n: doc.synthesis.version,
                date: formatDate(language, doc.synthesis.published_at) })}
            </p>
            {doc.synthesis.paragraphs.map((para) => <p key={para.anchor} class="prose"><Cited text={para.text} doc={doc} /></p>)}
          </>
        )}
      </Section>
      <Section id="participation" title={t("deliverable.participation")}>
        <dl class="figures" lang={language}>
          {figures.map(([label, value]) => (
            <div key={label}><dt>{label}</dt><dd class="count">{number.format(value)}</dd></div>
          ))}
        </dl>
      </Section>
    </>
  );
}

const CITATION = /\[(idea|extract):([0-9a-f]{24})\]/g;

/** A synthesis paragraph with its citations told by what they cite (a retained idea's
 * title, an extract's words) when the deliverable carries it; the raw token otherwise. */
function Cited({ text, doc }: { text: string; doc: DeliverableDocument }) {
  const ideas = new Map(doc.recommendations.map((r) => [r.idea_id, r.title]));
  const quotes = new Map(doc.recommendations.flatMap((r) => r.extracts.map((e) => [e.extract_id, e.quote] as const)));
  const parts: (string | preact.JSX.Element)[] = [];
  let last = 0;
  for (const match of text.matchAll(CITATION)) {
    const [token, kind, cited] = match as unknown as [string, string, string];
    parts.push(text.slice(last, match.index));
    last = (match.index ?? 0) + token.length;
    const idea = kind === "idea" ? ideas.get(cited) : undefined;
    const quote = kind === "extract" ? quotes.get(cited) : undefined;
    parts.push(idea ? <cite key={last}>[{idea}]</cite> : quote ? <q key={last}>{quote}</q> : token);
  }
  parts.push(text.slice(last));
  return <>{parts}</>;
}

function RecommendationItem({ t, r }: { t: T; r: Recommendation }) {
  const language = useStore(lang);
  const heading = `rec-${r.idea_id}`;
  return (
    <li class="recommendation">
      <article aria-labelledby={heading}>
        <h4 id={heading}>{r.title}</h4>
        {r.description && <p class="prose">{r.description}</p>}
        <p class="muted" lang={language}>
          {t("deliverable.recMeta", { theme: r.theme, extracts: r.counts.extracts, posts: r.counts.posts,
            authors: r.counts.authors, reactions: r.counts.reactions })}
        </p>
        {r.extracts.length > 0 && (
          <>
            <h5 lang={language}>{t("deliverable.extractsOf")}</h5>
            <ul class="quotes">
              {r.extracts.map((e) => (
                <li key={e.extract_id}>
                  {e.quote === null ? <span class="muted" lang={language}>{t("ideas.withheld")}</span>
                    : <q lang={e.language || undefined}>{e.quote}</q>}{" "}
                  <span class="muted" lang={language}>({t(`nature.${e.nature}` as "nature.issue")})</span>
                </li>
              ))}
            </ul>
          </>
        )}
        {r.arguments.length > 0 && (
          <>
            <h5 lang={language}>{t("deliverable.arguments")}</h5>
            <div class="columns">
              {r.arguments.map((c) => (
                <section key={c.column_id} class="column" aria-label={c.label}>
                  <h6>{c.label}</h6>
                  {c.summary && <p class="prose">{c.summary}</p>}
                  {c.posts.length === 0 ? <p class="muted" lang={language}>{t("columns.empty")}</p> : (
                    <ul class="arguments">
                      {c.posts.map((a) => (
                        <li key={a.post_id}>
                          {a.text === null ? <span class="muted" lang={language}>{t("thread.hidden")}</span> : (
                            <>
                              <span class="prose" lang={a.language || undefined}>{a.text}</span>
                              {a.translated && a.original_text !== null && (
                                <details lang={language}>
                                  <summary>{t("deliverable.original", { language: languageName(language, a.original_language) })}</summary>
                                  <p class="prose" lang={a.original_language || undefined}>{a.original_text}</p>
                                </details>
                              )}
                            </>
                          )}
                        </li>
                      ))}
                    </ul>
                  )}
                </section>
              ))}
            </div>
          </>
        )}
      </article>
    </li>
  );
}

function VoteTable({ t, vote, index }: { t: T; vote: Vote; index: number }) {
  const language = useStore(lang);
  const cell = (tallies: Tally[], category: string) => tallies.find((x) => x.category_id === category);
  return (
    <div class="table-wrap">
      <table>
        <caption lang={language}>
          {t("deliverable.voteCaption", { n: index, ballots: vote.ballot_count, date: formatDate(language, vote.closed_at) })}
        </caption>
        <thead>
          <tr>
            <th scope="col" lang={language}>{t("deliverable.proposal")}</th>
            {vote.categories.map((c) => <th key={c.id} scope="col" class="count">{c.name}</th>)}
          </tr>
        </thead>
        <tbody>
          {vote.proposals.map((p) => (
            <tr key={p.proposal_id}>
              <th scope="row">{p.title}</th>
              {vote.categories.map((c) => {
                const found = cell(p.tallies, c.id);
                return (
                  <td key={c.id} class="count" lang={language}>
                    {found ? t("deliverable.tally", { tokens: found.tokens, voters: found.voters, rank: found.rank }) : "—"}
                  </td>
                );
              })}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** Strategists: start a generation, follow its job (progress announced politely), and
 * show the new version when it is done, or the problem when it is refused or fails. */
function Generate({ consultation, onDone }: { consultation: Consultation; onDone: (number: number) => void }) {
  const t = useT();
  const language = useStore(lang);
  const languages = consultation.languages.length ? consultation.languages : [language];
  const [written, setWritten] = useState(languages.includes(language) ? language : languages[0]!);
  const [stepAfter, setStepAfter] = useState("");
  const [job, setJob] = useState<Job | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const alive = useRef(true);
  useEffect(() => () => { alive.current = false; }, []);
  const needsStep = !consultation.step_after;

  async function follow(started: Job) {
    let current = started;
    while (alive.current && (current.status === "queued" || current.status === "running")) {
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
      current = ok(await api.GET("/v1/consultations/{consultation_id}/deliverable-jobs/{job_id}", {
        params: { path: { consultation_id: consultation.id, job_id: started.id } },
      }));
      if (alive.current) setJob(current);
    }
    if (current.status === "done" && current.version) onDone(current.version);
  }

  async function submit(event: Event) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    setJob(null);
    try {
      const started = ok(await api.POST("/v1/consultations/{consultation_id}/deliverables", {
        params: { path: { consultation_id: consultation.id }, header: { "Idempotency-Key": idempotencyKey() } },
        body: { language: written, ...(stepAfter.trim() ? { step_after: stepAfter } : {}) },
      }));
      setJob(started);
      await follow(started);
    } catch (caught) {
      setError(caught);
    } finally {
      if (alive.current) setBusy(false);
    }
  }

  const status = job ? jobStatus(t, job) : "";
  return (
    <section aria-labelledby="generate" class="generate">
      <h2 id="generate">{t("deliverable.generate")}</h2>
      <p class="hint">{t("deliverable.generateHint")}</p>
      <form onSubmit={submit}>
        <label for="deliverable-language">{t("deliverable.language")}</label>
        <select id="deliverable-language" value={written} onChange={(e) => setWritten(e.currentTarget.value)}>
          {languages.map((code) => <option key={code} value={code}>{languageName(language, code)}</option>)}
        </select>
        <label for="deliverable-step">{needsStep ? t("deliverable.stepAfter") : t("deliverable.stepAfterOptional")}</label>
        <textarea id="deliverable-step" rows={2} maxLength={2000} required={needsStep} value={stepAfter}
          placeholder={consultation.step_after} aria-describedby="deliverable-step-hint"
          onInput={(e) => setStepAfter(e.currentTarget.value)} />
        <p id="deliverable-step-hint" class="hint">{needsStep ? t("deliverable.stepAfterNeeded") : t("deliverable.stepAfterHint")}</p>
        <div class="actions">
          <button type="submit" class="primary" disabled={busy}>{t("deliverable.generateButton")}</button>
        </div>
      </form>
      {job && (
        <div class="job">
          <label for="deliverable-progress">{t("deliverable.progress")}</label>
          <progress id="deliverable-progress" max={100} value={job.progress} aria-valuetext={status} />
        </div>
      )}
      <p role="status" aria-live="polite" class="job-status">{status}</p>
      {job?.status === "failed" && (
        <div class="error" role="alert"><p>{t("deliverable.failed", { detail: job.error ?? "" })}</p></div>
      )}
      {error !== null && <ErrorNote error={error} />}
    </section>
  );
}

function jobStatus(t: T, job: Job): string {
  switch (job.status) {
    case "queued": return t("deliverable.queued");
    case "running": return t("deliverable.running", { progress: job.progress, stage: job.stage });
    case "done": return t("deliverable.done", { n: job.version ?? "" });
    default: return t("deliverable.failedShort");
  }
}

