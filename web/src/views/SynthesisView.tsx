import { useEffect, useRef, useState } from "preact/hooks";
import { api, ok, type Schemas } from "../api/client";
import { ErrorNote } from "../components/ErrorNote";
import { formatDate, lang, translate, useT, type T } from "../i18n";
import { subscribe } from "../live";
import { useScreenFocus } from "../focus";
import { useLoad } from "../load";
import { href } from "../router";
import { session } from "../session";
import { useStore } from "../store";
import { EditLink, SynthesisTools } from "./SynthesisEditor";

type Version = Schemas["SynthesisVersionPublic"];
type Contest = Schemas["ContestPublic"];
type Diff = Schemas["SynthesisDiffPublic"];

// What the live stream says about syntheses: ids only; the screen reads the rest again.
const SYNTHESIS_EVENTS = ["synthesis.published", "contest.opened", "contest.answered", "contest.resolved"];

function idempotencyKey(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

const consultationPath = (id: string) => ({ params: { path: { consultation_id: id } } });

/** A consultation's published syntheses (those with at least one version). */
export function SynthesesView({ id }: { id: string }) {
  const t = useT();
  const language = useStore(lang);
  const loaded = useLoad(async () => {
    const [consultation, page] = await Promise.all([
      api.GET("/v1/consultations/{consultation_id}", consultationPath(id)).then(ok),
      api.GET("/v1/consultations/{consultation_id}/syntheses", {
        params: { path: { consultation_id: id }, query: { limit: 100 } },
      }).then(ok),
    ]);
    return { consultation, all: page.items, syntheses: page.items.filter((s) => s.latest_version > 0) };
  }, [language], id);
  useScreenFocus(Boolean(loaded.data));
  useEffect(() => { document.title = `${t("synthesis.list")} · Agora`; }, [language]);

  if (loaded.error !== null && !loaded.data) return <ErrorNote error={loaded.error} onRetry={loaded.reload} />;
  if (!loaded.data) return <p>{t("loading")}</p>;
  const { consultation, all, syntheses } = loaded.data;
  return (
    <>
      <nav aria-label={t("thread.back")} class="crumbs">
        <a href={href.consultation(id)}>← {consultation.title}</a>
      </nav>
      <h1 tabIndex={-1}>{t("synthesis.list")}</h1>
      <SynthesisTools id={id} syntheses={all} />
      {syntheses.length === 0 ? <p>{t("synthesis.none")}</p> : (
        <ul class="cards">
          {syntheses.map((s) => {
            const theme = consultation.themes.find((th) => th.id === s.theme_id);
            return (
              <li key={s.id} class="card">
                <h2><a href={href.synthesis(id, s.id)}>{s.title}</a></h2>
                <p class="muted">
                  {theme ? theme.title : t("synthesis.whole")} · {t("synthesis.versionCount", { count: s.latest_version })}
                </p>
              </li>
            );
          })}
        </ul>
      )}
    </>
  );
}

async function loadSynthesis(id: string, synthesisId: string, number: number | null) {
  const path = { params: { path: { consultation_id: id, synthesis_id: synthesisId } } };
  const [consultation, synthesis, contests] = await Promise.all([
    api.GET("/v1/consultations/{consultation_id}", consultationPath(id)).then(ok),
    api.GET("/v1/consultations/{consultation_id}/syntheses/{synthesis_id}", path).then(ok),
    api.GET("/v1/consultations/{consultation_id}/syntheses/{synthesis_id}/contests", {
      params: { ...path.params, query: { limit: 100 } },
    }).then(ok),
  ]);
  const shown = number ?? synthesis.latest_version;
  const version = shown > 0
    ? ok(await api.GET("/v1/consultations/{consultation_id}/syntheses/{synthesis_id}/versions/{number}", {
      params: { path: { consultation_id: id, synthesis_id: synthesisId, number: String(shown) } },
    }))
    : null;
  return { consultation, synthesis, version, contests: contests.items };
}

/** A published synthesis: a version's paragraphs (the API's sanitised HTML), the contests
 * on each paragraph with the synthesisers' answers and their state, a form to contest a
 * paragraph, and what changed between two versions. */
export function SynthesisView({ id, synthesisId }: { id: string; synthesisId: string }) {
  const t = useT();
  const language = useStore(lang);
  const who = useStore(session);
  const [number, setNumber] = useState<number | null>(null);
  const [announcement, setAnnouncement] = useState("");
  const loaded = useLoad(() => loadSynthesis(id, synthesisId, number), [language, who?.accountId, number], synthesisId);
  useScreenFocus(Boolean(loaded.data));
  const mine = useRef(new Set<string>());

  useEffect(() => subscribe(id, language, (event) => {
    if (!SYNTHESIS_EVENTS.includes(event.type) || event.data.synthesis_id !== synthesisId) return;
    const contestId = String(event.data.contest_id ?? "");
    loaded.reload();
    if (event.type === "contest.opened" && mine.current.has(contestId)) return;
    setAnnouncement(translate(lang.value, `synthesis.live.${event.type}` as "synthesis.live.contest.answered"));
  }), [id, synthesisId, language]);

  useEffect(() => {
    if (loaded.data) document.title = `${loaded.data.synthesis.title} · Agora`;
  }, [loaded.data]);

  if (loaded.error !== null && !loaded.data) return <ErrorNote error={loaded.error} onRetry={loaded.reload} />;
  if (!loaded.data) return <p>{t("loading")}</p>;
  const { consultation, synthesis, version, contests } = loaded.data;
  const latest = synthesis.latest_version;
  const versions = Array.from({ length: latest }, (_, i) => i + 1);

  function opened(contest: Contest) {
    mine.current.add(contest.id);
    loaded.set((d) => ({ ...d, contests: [...d.contests.filter((c) => c.id !== contest.id), contest] }));
    setAnnouncement(translate(lang.value, "synthesis.contestSent"));
  }

  return (
    <>
      <p class="live-region" role="status" aria-live="polite">{announcement}</p>
      <nav aria-label={t("thread.back")} class="crumbs">
        <a href={href.consultation(id)}>← {consultation.title}</a>{" · "}
        <a href={href.syntheses(id)}>{t("synthesis.list")}</a>
      </nav>
      <h1 tabIndex={-1}>{version?.title ?? synthesis.title}</h1>
      <EditLink id={id} synthesisId={synthesisId} />
      {loaded.error !== null && <ErrorNote error={loaded.error} onRetry={loaded.reload} />}
      {!version ? <p>{t("synthesis.unpublished")}</p> : (
        <>
          <div class="version-bar">
            <label for="version-pick">{t("synthesis.version")}</label>
            <select id="version-pick" value={version.number}
              onChange={(e) => setNumber(Number(e.currentTarget.value))}>
              {versions.map((n) => (
                <option key={n} value={n}>{t(n === latest ? "synthesis.versionLatest" : "synthesis.versionN", { n })}</option>
              ))}
            </select>
            <span class="muted">{t("synthesis.publishedAt", { date: formatDate(language, version.published_at, true) })}</span>
          </div>
          {version.number !== latest && <p class="notice">{t("synthesis.older", { latest })}</p>}
          <ol class="paragraphs">
            {version.paragraphs.map((p, i) => (
              <Paragraph key={p.anchor} index={i + 1} t={t} consultationId={id} synthesisId={synthesisId}
                version={version} paragraph={p} signedIn={Boolean(who)}
                contests={contests.filter((c) => c.anchor === p.anchor)} onOpened={opened} />
            ))}
          </ol>
          {latest >= 2 && <DiffSection t={t} consultationId={id} synthesisId={synthesisId} latest={latest} version={version} />}
        </>
      )}
    </>
  );
}

function statusLabel(t: T, contest: Contest): string {
  if (contest.status === "taken_into_account") {
    return contest.resolved_in_version
      ? t("synthesis.status.taken_into_account_in", { n: contest.resolved_in_version })
      : t("synthesis.status.taken_into_account");
  }
  return t(contest.status === "answered" ? "synthesis.status.answered" : "synthesis.status.open");
}

function who(t: T, key: string | null | undefined): string {
  return key ? t("thread.participant", { key: key.slice(0, 6) }) : t("thread.anonymous");
}

function Paragraph({ index, t, consultationId, synthesisId, version, paragraph, contests, signedIn, onOpened }: {
  index: number; t: T; consultationId: string; synthesisId: string; version: Version;
  paragraph: Version["paragraphs"][number]; contests: Contest[]; signedIn: boolean;
  onOpened: (contest: Contest) => void;
}) {
  const language = useStore(lang);
  const [writing, setWriting] = useState(false);
  const anchor = paragraph.anchor ?? "";
  const heading = `para-${anchor}`;
  return (
    <li class="paragraph" id={`p-${anchor}`}>
      <article aria-labelledby={heading}>
        <h2 id={heading} class="paragraph-n">{t("synthesis.paragraph", { n: index })}</h2>
        <div class="post-body" dangerouslySetInnerHTML={{ __html: paragraph.html }} />
        <p class="muted">{contests.length === 1 ? t("synthesis.contests1")
          : t("synthesis.contests", { count: contests.length })}</p>
        {contests.length > 0 && (
          <ul class="contests" aria-label={t("synthesis.contestsOf", { n: index })}>
            {contests.map((c) => (
              <li key={c.id} class={`contest ${c.status}`}>
                <p class="contest-meta">
                  <strong>{who(t, c.author_key)}</strong>{" "}
                  <span class="state">{statusLabel(t, c)}</span>{" "}
                  {c.version !== version.number && <span class="muted">{t("synthesis.onVersion", { n: c.version })}</span>}
                </p>
                <p class="prose">{c.body}</p>
                {c.replies.length > 0 && (
                  <ul class="answers">
                    {c.replies.map((r, i) => (
                      <li key={i}>
                        <p class="contest-meta"><strong>{t("synthesis.answer")}</strong>{" "}
                          <time dateTime={r.created_at} class="muted">{formatDate(language, r.created_at, true)}</time></p>
                        <p class="prose">{r.body}</p>
                      </li>
                    ))}
                  </ul>
                )}
              </li>
            ))}
          </ul>
        )}
        {!signedIn ? (
          <p><a href={href.login(location.hash)}>{t("synthesis.loginToContest")}</a></p>
        ) : writing ? (
          <ContestForm t={t} index={index} consultationId={consultationId} synthesisId={synthesisId}
            version={version.number} anchor={anchor} onCancel={() => setWriting(false)}
            onOpened={(c) => { setWriting(false); onOpened(c); }} />
        ) : (
          <button type="button" onClick={() => setWriting(true)}>{t("synthesis.contest", { n: index })}</button>
        )}
      </article>
    </li>
  );
}

function ContestForm({ t, index, consultationId, synthesisId, version, anchor, onOpened, onCancel }: {
  t: T; index: number; consultationId: string; synthesisId: string; version: number; anchor: string;
  onOpened: (contest: Contest) => void; onCancel: () => void;
}) {
  const [body, setBody] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const keyRef = useRef<{ body: string; key: string } | null>(null);
  const fieldId = `contest-${anchor}`;

  async function submit(event: Event) {
    event.preventDefault();
    if (!body.trim()) return;
    setBusy(true);
    setError(null);
    if (keyRef.current?.body !== body) keyRef.current = { body, key: idempotencyKey() };
    try {
      const contest = ok(await api.POST(
        "/v1/consultations/{consultation_id}/syntheses/{synthesis_id}/versions/{number}/paragraphs/{anchor}/contests", {
          params: {
            path: { consultation_id: consultationId, synthesis_id: synthesisId, number: String(version), anchor },
            header: { "Idempotency-Key": keyRef.current.key },
          },
          body: { body },
        }));
      onOpened(contest);
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  }

  return (
    <form class="contest-form" onSubmit={submit}>
      <label for={fieldId}>{t("synthesis.contestWhy", { n: index })}</label>
      <textarea id={fieldId} rows={3} required maxLength={5000} value={body} autoFocus
        onInput={(e) => setBody(e.currentTarget.value)} />
      {error !== null && <ErrorNote error={error} />}
      <div class="actions">
        <button type="submit" class="primary" disabled={busy}>{t("synthesis.contestSend")}</button>
        <button type="button" onClick={onCancel}>{t("thread.cancel")}</button>
      </div>
    </form>
  );
}

const CHANGE_KEYS = {
  added: "diff.added", removed: "diff.removed", changed: "diff.changed", unchanged: "diff.unchanged",
} as const;

/** What changed between two versions, paragraph by paragraph. The API marks words with
 * <del>/<ins>; they are struck through / underlined and announced ("removed:", "added:")
 * by the stylesheet's hidden labels, so the change is not told by colour alone. */
function DiffSection({ t, consultationId, synthesisId, latest, version }: {
  t: T; consultationId: string; synthesisId: string; latest: number; version: Version;
}) {
  const [from, setFrom] = useState(Math.max(1, (version.number === 1 ? 2 : version.number) - 1));
  const [to, setTo] = useState(version.number === 1 ? 2 : version.number);
  const [diff, setDiff] = useState<Diff | null>(null);
  const [error, setError] = useState<unknown>(null);
  const versions = Array.from({ length: latest }, (_, i) => i + 1);

  async function show(event: Event) {
    event.preventDefault();
    setError(null);
    try {
      setDiff(ok(await api.GET("/v1/consultations/{consultation_id}/syntheses/{synthesis_id}/diff", {
        params: { path: { consultation_id: consultationId, synthesis_id: synthesisId }, query: { from, to } },
      })));
      requestAnimationFrame(() => document.getElementById("diff-result")?.focus());
    } catch (caught) {
      setDiff(null);
      setError(caught);
    }
  }

  const labels = {
    "--del-label": JSON.stringify(`${t("diff.delStart")} `),
    "--ins-label": JSON.stringify(`${t("diff.insStart")} `),
    "--end-label": JSON.stringify(` ${t("diff.end")}`),
  };
  return (
    <section aria-labelledby="diff" class="diff-section">
      <h2 id="diff">{t("diff.title")}</h2>
      <form class="diff-pick" onSubmit={show}>
        <div>
          <label for="diff-from">{t("diff.from")}</label>
          <select id="diff-from" value={from} onChange={(e) => setFrom(Number(e.currentTarget.value))}>
            {versions.map((n) => <option key={n} value={n}>{t("synthesis.versionN", { n })}</option>)}
          </select>
        </div>
        <div>
          <label for="diff-to">{t("diff.to")}</label>
          <select id="diff-to" value={to} onChange={(e) => setTo(Number(e.currentTarget.value))}>
            {versions.map((n) => <option key={n} value={n}>{t("synthesis.versionN", { n })}</option>)}
          </select>
        </div>
        <button type="submit">{t("diff.show")}</button>
      </form>
      {error !== null && <ErrorNote error={error} />}
      {diff && (
        <div id="diff-result" tabIndex={-1} style={labels}>
          <p class="hint">{t("diff.legend", { from: diff.from_version, to: diff.to_version })}</p>
          <ol class="diff">
            {diff.changes.map((c) => (
              <li key={c.anchor} class={`change ${c.change}`}>
                <p class="change-kind"><strong>{t(CHANGE_KEYS[c.change])}</strong></p>
                <p class="change-text prose" dangerouslySetInnerHTML={{ __html: c.html }} />
              </li>
            ))}
          </ol>
        </div>
      )}
    </section>
  );
}
