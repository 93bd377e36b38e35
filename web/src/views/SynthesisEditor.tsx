import { useEffect, useRef, useState } from "preact/hooks";
import { api, ApiError, ok, type Consultation, type Schemas } from "../api/client";
import { useCan } from "../can";
import { ErrorNote } from "../components/ErrorNote";
import { formatDate, lang, translate, useT, type T } from "../i18n";
import { subscribe } from "../live";
import { useScreenFocus } from "../focus";
import { useLoad } from "../load";
import { go, href } from "../router";
import { useStore } from "../store";

type Synthesis = Schemas["SynthesisPublic"];
type Version = Schemas["SynthesisVersionPublic"];
type Contest = Schemas["ContestPublic"];
type Idea = Schemas["IdeaPublic"];
type Extract = Schemas["ExtractPublic"];

/** A paragraph being edited: `key` is local (React's), `anchor` the published one it continues. */
interface Draft { key: string; anchor: string | null; text: string }

const CONTEST_EVENTS = ["synthesis.published", "contest.opened", "contest.answered", "contest.resolved"];
let counter = 0;
const newKey = () => `p${++counter}`;
const drafts = (paragraphs: { anchor?: string | null; text: string }[]): Draft[] =>
  paragraphs.map((p) => ({ key: newKey(), anchor: p.anchor ?? null, text: p.text }));

function idempotencyKey(): string {
  return Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, "0")).join("");
}

/** Links for the synthesis team on the list of syntheses: write one, continue a draft. */
export function SynthesisTools({ id, syntheses }: { id: string; syntheses: Synthesis[] }) {
  const t = useT();
  if (!useCan(id, "synthesis.write")) return null;
  const unpublished = syntheses.filter((s) => s.latest_version === 0);
  return (
    <section aria-labelledby="team" class="team-tools">
      <h2 id="team">{t("editor.team")}</h2>
      <p><a href={href.synthesisEditor(id, null)}>{t("editor.new")}</a></p>
      {unpublished.length > 0 && (
        <ul>
          {unpublished.map((s) => (
            <li key={s.id}><a href={href.synthesisEditor(id, s.id)}>{t("editor.continue", { title: s.title })}</a></li>
          ))}
        </ul>
      )}
    </section>
  );
}

/** The link from a published synthesis to its editor, for the synthesis team. */
export function EditLink({ id, synthesisId }: { id: string; synthesisId: string }) {
  const t = useT();
  if (!useCan(id, "synthesis.write")) return null;
  return <p><a href={href.synthesisEditor(id, synthesisId)}>{t("editor.edit")}</a></p>;
}

/** The synthesis editor (synthesisers): start a synthesis, write its Markdown paragraphs
 * with citations picked from the consultation's ideas and extracts, save the draft (the
 * API's citation errors shown by their paragraph), publish versions, and answer or
 * resolve the contests on published paragraphs. */
export function SynthesisEditor({ id, synthesisId }: { id: string; synthesisId: string | null }) {
  const t = useT();
  const language = useStore(lang);
  const allowed = useCan(id, "synthesis.write");
  useEffect(() => { document.title = `${t("editor.title")} · Agora`; }, [language]);
  if (allowed === null) return <p>{t("loading")}</p>;
  if (!allowed) {
    return <><h1 tabIndex={-1}>{t("editor.title")}</h1><p class="notice">{t("editor.forbidden")}</p></>;
  }
  return synthesisId ? <Editor id={id} synthesisId={synthesisId} /> : <Create id={id} />;
}

function Create({ id }: { id: string }) {
  const t = useT();
  const language = useStore(lang);
  const loaded = useLoad(() => api.GET("/v1/consultations/{consultation_id}", {
    params: { path: { consultation_id: id } } }).then(ok), [language], id);
  useScreenFocus(Boolean(loaded.data));
  const [title, setTitle] = useState("");
  const [theme, setTheme] = useState("");
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const key = useRef(idempotencyKey());

  if (loaded.error !== null && !loaded.data) return <ErrorNote error={loaded.error} onRetry={loaded.reload} />;
  if (!loaded.data) return <p>{t("loading")}</p>;
  const consultation = loaded.data;

  async function submit(event: Event) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const created = ok(await api.POST("/v1/consultations/{consultation_id}/syntheses", {
        params: { path: { consultation_id: id }, header: { "Idempotency-Key": key.current } },
        body: { title, ...(theme ? { theme_id: theme } : {}) },
      }));
      go(href.synthesisEditor(id, created.id));
    } catch (caught) {
      setError(caught);
      setBusy(false);
    }
  }

  return (
    <>
      <Crumbs t={t} consultation={consultation} />
      <h1 tabIndex={-1}>{t("editor.new")}</h1>
      <form onSubmit={submit} class="editor-new">
        <label for="synthesis-title">{t("editor.titleField")}</label>
        <input id="synthesis-title" required maxLength={200} value={title}
          onInput={(e) => { setTitle(e.currentTarget.value); key.current = idempotencyKey(); }} />
        <label for="synthesis-theme">{t("editor.scope")}</label>
        <select id="synthesis-theme" value={theme} onChange={(e) => { setTheme(e.currentTarget.value); key.current = idempotencyKey(); }}>
          <option value="">{t("synthesis.whole")}</option>
          {consultation.themes.map((th) => <option key={th.id} value={th.id}>{th.title}</option>)}
        </select>
        {error !== null && <ErrorNote error={error} />}
        <div class="actions"><button type="submit" class="primary" disabled={busy}>{t("editor.create")}</button></div>
      </form>
    </>
  );
}

function Crumbs({ t, consultation }: { t: T; consultation: Consultation }) {
  return (
    <nav aria-label={t("thread.back")} class="crumbs">
      <a href={href.consultation(consultation.id)}>← {consultation.title}</a>{" · "}
      <a href={href.syntheses(consultation.id)}>{t("synthesis.list")}</a>
    </nav>
  );
}

async function loadEditor(id: string, synthesisId: string) {
  const consultation = { params: { path: { consultation_id: id } } };
  const [c, synthesis, ideas, extracts] = await Promise.all([
    api.GET("/v1/consultations/{consultation_id}", consultation).then(ok),
    api.GET("/v1/consultations/{consultation_id}/syntheses/{synthesis_id}", {
      params: { path: { consultation_id: id, synthesis_id: synthesisId } } }).then(ok),
    api.GET("/v1/consultations/{consultation_id}/ideas", { params: { path: { consultation_id: id }, query: { limit: 100 } } }).then(ok),
    api.GET("/v1/consultations/{consultation_id}/extracts", { params: { path: { consultation_id: id }, query: { limit: 100 } } }).then(ok),
  ]);
  return { consultation: c, synthesis, ideas: ideas.items, extracts: extracts.items };
}

/** Where the API says a paragraph is wrong: `paragraphs.<i>.text` or `.anchor`. */
function paragraphErrors(error: unknown): Map<number, string> {
  const found = new Map<number, string>();
  if (!(error instanceof ApiError) || error.status !== 422) return found;
  const items = error.problem?.errors ?? [];
  for (const item of items) {
    const match = item.field?.match(/^paragraphs\.(\d+)\.(text|anchor)$/);
    if (match) found.set(Number(match[1]), item.message ?? error.message);
  }
  return found;
}

function Editor({ id, synthesisId }: { id: string; synthesisId: string }) {
  const t = useT();
  const language = useStore(lang);
  const loaded = useLoad(() => loadEditor(id, synthesisId), [language], synthesisId);
  const [paragraphs, setParagraphs] = useState<Draft[] | null>(null);
  useScreenFocus(Boolean(loaded.data) && paragraphs !== null);
  const [dirty, setDirty] = useState(false);
  const [errors, setErrors] = useState<Map<string, string>>(new Map());
  const [failure, setFailure] = useState<unknown>(null);
  const [summary, setSummary] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [announcement, setAnnouncement] = useState("");
  const [published, setPublished] = useState<number | null>(null);
  const [latest, setLatest] = useState(0);

  useEffect(() => {
    if (!loaded.data) return;
    setLatest(loaded.data.synthesis.latest_version);
    if (paragraphs === null) {
      const saved = drafts(loaded.data.synthesis.draft);
      setParagraphs(saved.length ? saved : [{ key: newKey(), anchor: null, text: "" }]);
    }
  }, [loaded.data]);

  if (loaded.error !== null && !loaded.data) return <ErrorNote error={loaded.error} onRetry={loaded.reload} />;
  if (!loaded.data || paragraphs === null) return <p>{t("loading")}</p>;
  const { consultation, synthesis, ideas, extracts } = loaded.data;

  function change(key: string, text: string) {
    setParagraphs((list) => list!.map((p) => (p.key === key ? { ...p, text } : p)));
    setDirty(true);
  }

  function add() {
    const fresh = { key: newKey(), anchor: null, text: "" };
    setParagraphs((list) => [...list!, fresh]);
    setDirty(true);
    requestAnimationFrame(() => document.getElementById(`text-${fresh.key}`)?.focus());
  }

  function remove(key: string) {
    const index = paragraphs!.findIndex((p) => p.key === key);
    const rest = paragraphs!.filter((p) => p.key !== key);
    setParagraphs(rest);
    setErrors((old) => { const copy = new Map(old); copy.delete(key); return copy; });
    setDirty(true);
    setAnnouncement(translate(lang.value, "editor.removed", { n: index + 1 }));
    const next = rest[Math.min(index, rest.length - 1)];
    requestAnimationFrame(() => document.getElementById(next ? `text-${next.key}` : "add-paragraph")?.focus());
  }

  function move(key: string, by: number) {
    const list = [...paragraphs!];
    const from = list.findIndex((p) => p.key === key);
    const to = from + by;
    if (to < 0 || to >= list.length) return;
    [list[from], list[to]] = [list[to]!, list[from]!];
    setParagraphs(list);
    setDirty(true);
    setAnnouncement(translate(lang.value, "editor.moved", { from: from + 1, to: to + 1 }));
    requestAnimationFrame(() => document.getElementById(`${by < 0 ? "up" : "down"}-${key}`)?.focus()
      ?? document.getElementById(`text-${key}`)?.focus());
  }

  /** Save the draft; on a refusal, say which paragraph and why, and focus the first. */
  async function save(): Promise<boolean> {
    setFailure(null);
    setSummary(null);
    setErrors(new Map());
    const list = paragraphs!.filter((p) => p.text.trim() || p.anchor);
    try {
      const saved = ok(await api.PUT("/v1/consultations/{consultation_id}/syntheses/{synthesis_id}/draft", {
        params: { path: { consultation_id: id, synthesis_id: synthesisId } },
        body: { paragraphs: list.map((p) => (p.anchor ? { anchor: p.anchor, text: p.text } : { text: p.text })) },
      }));
      setParagraphs(list.length ? list.map((p, i) => ({ ...p, anchor: saved.draft[i]?.anchor ?? p.anchor })) : list);
      setDirty(false);
      return true;
    } catch (caught) {
      const byIndex = paragraphErrors(caught);
      if (byIndex.size === 0) {
        setFailure(caught);
        setAnnouncement(translate(lang.value, "editor.notSaved"));
        return false;
      }
      const byKey = new Map([...byIndex].map(([i, message]) => [list[i]?.key ?? "", message]));
      setErrors(byKey);
      setSummary(translate(lang.value, "editor.fix", { count: byKey.size }));
      const first = list[Math.min(...byIndex.keys())];
      requestAnimationFrame(() => first && document.getElementById(`text-${first.key}`)?.focus());
      return false;
    }
  }

  async function saveDraft(event: Event) {
    event.preventDefault();
    setBusy(true);
    if (await save()) setAnnouncement(translate(lang.value, "editor.saved"));
    setBusy(false);
  }

  async function publish() {
    setBusy(true);
    setPublished(null);
    try {
      if (dirty && !(await save())) return;
      const version: Version = ok(await api.POST("/v1/consultations/{consultation_id}/syntheses/{synthesis_id}/versions", {
        params: { path: { consultation_id: id, synthesis_id: synthesisId } },
      }));
      setParagraphs(drafts(version.paragraphs));
      setLatest(version.number);
      setPublished(version.number);
      setDirty(false);
      setAnnouncement(translate(lang.value, "editor.published", { n: version.number }));
    } catch (caught) {
      setFailure(caught);
    } finally {
      setBusy(false);
    }
  }

  const theme = consultation.themes.find((th) => th.id === synthesis.theme_id);
  return (
    <>
      <p class="live-region" role="status" aria-live="polite">{announcement}</p>
      <Crumbs t={t} consultation={consultation} />
      <h1 tabIndex={-1}>{t("editor.editing", { title: synthesis.title })}</h1>
      <p class="muted">
        {theme ? theme.title : t("synthesis.whole")} · {latest > 0 ? t("synthesis.versionCount", { count: latest }) : t("editor.unpublished")}
        {latest > 0 && <> · <a href={href.synthesis(id, synthesisId)}>{t("editor.view")}</a></>}
      </p>
      <p class="hint">{t("editor.intro")}</p>
      <form onSubmit={saveDraft} class="editor" noValidate>
        <ol class="paragraphs editing">
          {paragraphs.map((p, i) => (
            <ParagraphEditor key={p.key} t={t} index={i + 1} count={paragraphs.length} paragraph={p}
              error={errors.get(p.key) ?? null} ideas={ideas} extracts={extracts}
              onChange={(text) => change(p.key, text)} onRemove={() => remove(p.key)}
              onMove={(by) => move(p.key, by)} />
          ))}
        </ol>
        <div class="actions">
          <button type="button" id="add-paragraph" onClick={add}>{t("editor.add")}</button>
        </div>
        {summary !== null && <div class="error" role="alert"><p>{summary}</p></div>}
        {failure !== null && <ErrorNote error={failure} />}
        <div class="actions editor-actions">
          <button type="submit" disabled={busy}>{t("editor.save")}</button>
          <button type="button" class="primary" disabled={busy} onClick={publish}>{t("editor.publish")}</button>
          <span class="muted">{dirty ? t("editor.unsaved") : t("editor.upToDate")}</span>
        </div>
        {published !== null && (
          <p class="notice">{t("editor.published", { n: published })}{" "}
            <a href={href.synthesis(id, synthesisId)}>{t("editor.view")}</a></p>
        )}
      </form>
      {latest > 0 && <ContestsToAnswer id={id} synthesisId={synthesisId} latest={latest} />}
    </>
  );
}

function quoteOf(extract: Extract): string {
  const quote = extract.selectors.find((s) => s.type === "TextQuoteSelector") as { exact?: string } | undefined;
  return quote?.exact ?? "";
}

function clip(text: string, length = 90): string {
  return text.length > length ? `${text.slice(0, length - 1)}…` : text;
}

function ParagraphEditor({ t, index, count, paragraph, error, ideas, extracts, onChange, onRemove, onMove }: {
  t: T; index: number; count: number; paragraph: Draft; error: string | null; ideas: Idea[]; extracts: Extract[];
  onChange: (text: string) => void; onRemove: () => void; onMove: (by: number) => void;
}) {
  const [picking, setPicking] = useState(false);
  const caret = useRef<[number, number]>([paragraph.text.length, paragraph.text.length]);
  const field = `text-${paragraph.key}`;
  const errorId = `error-${paragraph.key}`;

  function openPicker() {
    const area = document.getElementById(field) as HTMLTextAreaElement | null;
    caret.current = area ? [area.selectionStart, area.selectionEnd] : [paragraph.text.length, paragraph.text.length];
    setPicking(true);
  }

  function insert(citation: string) {
    const [start, end] = caret.current;
    const before = paragraph.text.slice(0, start);
    const spacer = before && !/\s$/.test(before) ? " " : "";
    const text = `${before}${spacer}${citation}${paragraph.text.slice(end)}`;
    onChange(text);
    setPicking(false);
    const at = start + spacer.length + citation.length;
    requestAnimationFrame(() => {
      const area = document.getElementById(field) as HTMLTextAreaElement | null;
      area?.focus();
      area?.setSelectionRange(at, at);
    });
  }

  function closePicker() {
    setPicking(false);
    requestAnimationFrame(() => document.getElementById(`cite-${paragraph.key}`)?.focus());
  }

  return (
    <li class={`paragraph${error ? " invalid" : ""}`}>
      <label for={field}>{t("editor.paragraph", { n: index })}{paragraph.anchor ? ` ${t("editor.carried")}` : ""}</label>
      <textarea id={field} rows={4} maxLength={20000} value={paragraph.text}
        aria-invalid={error ? "true" : undefined} aria-describedby={error ? errorId : undefined}
        onInput={(e) => onChange(e.currentTarget.value)} />
      {error && <p id={errorId} class="field-error">{t("editor.paragraphError", { n: index, detail: error })}</p>}
      <Cites t={t} text={paragraph.text} ideas={ideas} extracts={extracts} />
      <div class="actions">
        <button type="button" id={`cite-${paragraph.key}`} aria-expanded={picking} onClick={() => (picking ? closePicker() : openPicker())}>
          {t("editor.cite", { n: index })}
        </button>
        <button type="button" id={`up-${paragraph.key}`} disabled={index === 1} onClick={() => onMove(-1)}>{t("editor.up", { n: index })}</button>
        <button type="button" id={`down-${paragraph.key}`} disabled={index === count} onClick={() => onMove(1)}>{t("editor.down", { n: index })}</button>
        <button type="button" onClick={onRemove}>{t("editor.remove", { n: index })}</button>
      </div>
      {picking && <CitationPicker t={t} index={index} pickerId={paragraph.key} ideas={ideas} extracts={extracts}
        onInsert={insert} onClose={closePicker} />}
    </li>
  );
}

const CITATION = /\[(idea|extract):([^\]\s]*)\]/g;

/** What a paragraph's citations name, in words: the ids alone say nothing to a reader. */
function Cites({ t, text, ideas, extracts }: { t: T; text: string; ideas: Idea[]; extracts: Extract[] }) {
  const named = [...text.matchAll(CITATION)].map(([, kind, cited]) => {
    if (kind === "idea") {
      const idea = ideas.find((i) => i.id === cited);
      return idea ? t("editor.citesIdea", { title: clip(idea.title, 60) }) : t("editor.citesUnknownIdea");
    }
    const extract = extracts.find((e) => e.id === cited);
    return extract ? t("editor.citesExtract", { quote: clip(quoteOf(extract), 60) }) : t("editor.citesUnknownExtract");
  });
  if (named.length === 0) return null;
  return <p class="hint cites">{t("editor.cites", { list: named.join(" · ") })}</p>;
}

/** Choose an idea or an extract to cite: filter by words, pick in a list (arrow keys),
 * insert with Enter or the button; Escape closes and returns to the paragraph. */
function CitationPicker({ t, index, pickerId, ideas, extracts, onInsert, onClose }: {
  t: T; index: number; pickerId: string; ideas: Idea[]; extracts: Extract[];
  onInsert: (citation: string) => void; onClose: () => void;
}) {
  const [filter, setFilter] = useState("");
  const words = filter.toLowerCase().split(/\s+/).filter(Boolean);
  const matches = (text: string) => words.every((w) => text.toLowerCase().includes(w));
  const shownIdeas = ideas.filter((i) => i.status !== "merged" && matches(`${i.title} ${i.description ?? ""}`));
  const shownExtracts = extracts.filter((e) => !e.quote_withheld && matches(quoteOf(e)));
  const first = shownIdeas[0] ? `idea:${shownIdeas[0].id}` : shownExtracts[0] ? `extract:${shownExtracts[0].id}` : "";
  const [choice, setChoice] = useState(first);
  const current = [...shownIdeas.map((i) => `idea:${i.id}`), ...shownExtracts.map((e) => `extract:${e.id}`)]
    .includes(choice) ? choice : first;
  const search = useRef<HTMLInputElement>(null);
  useEffect(() => search.current?.focus(), []);
  const filterId = `filter-${pickerId}`;
  const listId = `choices-${pickerId}`;

  function keys(event: KeyboardEvent) {
    if (event.key === "Escape") {
      event.preventDefault();
      onClose();
    }
  }

  function pick(event?: Event) {
    event?.preventDefault();
    if (current) onInsert(`[${current}]`);
  }

  const count = shownIdeas.length + shownExtracts.length;
  return (
    <div class="picker" role="group" aria-label={t("editor.pickerOf", { n: index })} onKeyDown={keys}>
      <label for={filterId}>{t("editor.filter")}</label>
      <input id={filterId} ref={search} type="search" value={filter} autoComplete="off"
        onInput={(e) => setFilter(e.currentTarget.value)}
        onKeyDown={(e) => { if (e.key === "Enter") pick(e); }} />
      <p class="hint" aria-live="polite">{t("editor.matches", { count })}</p>
      <label for={listId}>{t("editor.choose")}</label>
      <select id={listId} size={Math.min(8, Math.max(2, count + 2))} value={current}
        onChange={(e) => setChoice(e.currentTarget.value)}
        onKeyDown={(e) => { if (e.key === "Enter") pick(e); }}>
        <optgroup label={t("editor.ideas")}>
          {shownIdeas.map((i) => <option key={i.id} value={`idea:${i.id}`}>{clip(i.title)}</option>)}
        </optgroup>
        <optgroup label={t("editor.extracts")}>
          {shownExtracts.map((e) => <option key={e.id} value={`extract:${e.id}`}>“{clip(quoteOf(e))}”</option>)}
        </optgroup>
      </select>
      <div class="actions">
        <button type="button" class="primary" disabled={!current} onClick={pick}>{t("editor.insert")}</button>
        <button type="button" onClick={onClose}>{t("thread.cancel")}</button>
      </div>
    </div>
  );
}

/** Contests on the published versions: answer them, and mark them taken into account by
 * a later version that changed the paragraph. Live: a new contest appears by itself. */
function ContestsToAnswer({ id, synthesisId, latest }: { id: string; synthesisId: string; latest: number }) {
  const t = useT();
  const language = useStore(lang);
  const loaded = useLoad(async () => {
    const path = { consultation_id: id, synthesis_id: synthesisId };
    const [contests, version] = await Promise.all([
      api.GET("/v1/consultations/{consultation_id}/syntheses/{synthesis_id}/contests", {
        params: { path, query: { limit: 100 } } }).then(ok),
      api.GET("/v1/consultations/{consultation_id}/syntheses/{synthesis_id}/versions/{number}", {
        params: { path: { ...path, number: String(latest) } } }).then(ok),
    ]);
    return { contests: contests.items, version };
  }, [language, latest], synthesisId);

  useEffect(() => subscribe(id, language, (event) => {
    if (CONTEST_EVENTS.includes(event.type) && event.data.synthesis_id === synthesisId) loaded.reload();
  }), [id, synthesisId, language]);

  if (loaded.error !== null && !loaded.data) return <ErrorNote error={loaded.error} onRetry={loaded.reload} />;
  if (!loaded.data) return <p>{t("loading")}</p>;
  const { contests, version } = loaded.data;
  const position = new Map(version.paragraphs.map((p, i) => [p.anchor ?? "", i + 1]));

  function updated(contest: Contest) {
    loaded.set((d) => ({ ...d, contests: d.contests.map((c) => (c.id === contest.id ? contest : c)) }));
  }

  return (
    <section aria-labelledby="to-answer" class="to-answer">
      <h2 id="to-answer">{t("editor.contests")}</h2>
      {contests.length === 0 ? <p>{t("editor.noContests")}</p> : (
        <ul class="contests">
          {contests.map((c) => (
            <ContestItem key={c.id} t={t} id={id} contest={c} latest={latest} language={language}
              where={position.get(c.anchor)} onUpdated={updated} />
          ))}
        </ul>
      )}
    </section>
  );
}

function ContestItem({ t, id, contest, latest, where, language, onUpdated }: {
  t: T; id: string; contest: Contest; latest: number; where: number | undefined; language: string;
  onUpdated: (contest: Contest) => void;
}) {
  const [answer, setAnswer] = useState("");
  const [picked, setVersion] = useState(latest);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const later = Array.from({ length: Math.max(0, latest - contest.version) }, (_, i) => contest.version + 1 + i);
  // A version published since the choice was made: default to the latest.
  const version = later.includes(picked) ? picked : latest;
  const heading = `contest-${contest.id}`;

  async function act(work: () => Promise<Contest>) {
    setBusy(true);
    setError(null);
    try {
      onUpdated(await work());
      return true;
    } catch (caught) {
      setError(caught);
      return false;
    } finally {
      setBusy(false);
    }
  }

  async function sendAnswer(event: Event) {
    event.preventDefault();
    if (!answer.trim()) return;
    const sent = await act(async () => ok(await api.POST("/v1/consultations/{consultation_id}/contests/{contest_id}/answers", {
      params: { path: { consultation_id: id, contest_id: contest.id } }, body: { body: answer } })));
    if (sent) setAnswer("");
  }

  async function resolve(event: Event) {
    event.preventDefault();
    await act(async () => ok(await api.PUT("/v1/consultations/{consultation_id}/contests/{contest_id}/resolution", {
      params: { path: { consultation_id: id, contest_id: contest.id } }, body: { version } })));
  }

  const status = contest.status === "taken_into_account"
    ? t("synthesis.status.taken_into_account_in", { n: contest.resolved_in_version ?? "" })
    : t(contest.status === "answered" ? "synthesis.status.answered" : "synthesis.status.open");
  return (
    <li class={`contest ${contest.status}`}>
      <article aria-labelledby={heading}>
        <h3 id={heading} class="contest-meta">
          {where ? t("editor.contestOn", { n: where, v: contest.version }) : t("editor.contestOnGone", { v: contest.version })}
          {" "}<span class="state">{status}</span>
        </h3>
        <p class="prose">{contest.body}</p>
        {contest.replies.length > 0 && (
          <ul class="answers">
            {contest.replies.map((r, i) => (
              <li key={i}>
                <p class="contest-meta"><strong>{t("synthesis.answer")}</strong>{" "}
                  <time dateTime={r.created_at} class="muted">{formatDate(language as "en", r.created_at, true)}</time></p>
                <p class="prose">{r.body}</p>
              </li>
            ))}
          </ul>
        )}
        <form onSubmit={sendAnswer} class="contest-form">
          <label for={`answer-${contest.id}`}>{t("editor.answer")}</label>
          <textarea id={`answer-${contest.id}`} rows={2} maxLength={5000} value={answer}
            onInput={(e) => setAnswer(e.currentTarget.value)} />
          <div class="actions"><button type="submit" disabled={busy || !answer.trim()}>{t("editor.sendAnswer")}</button></div>
        </form>
        {contest.status !== "taken_into_account" && (later.length === 0 ? <p class="hint">{t("editor.resolveLater")}</p> : (
          <form onSubmit={resolve} class="resolve">
            <label for={`resolve-${contest.id}`}>{t("editor.resolvedIn")}</label>
            <div class="actions">
              <select id={`resolve-${contest.id}`} value={version} onChange={(e) => setVersion(Number(e.currentTarget.value))}>
                {later.map((n) => <option key={n} value={n}>{t("synthesis.versionN", { n })}</option>)}
              </select>
              <button type="submit" disabled={busy}>{t("editor.resolve")}</button>
            </div>
          </form>
        ))}
        {error !== null && <ErrorNote error={error} />}
      </article>
    </li>
  );
}
