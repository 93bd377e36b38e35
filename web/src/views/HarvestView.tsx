import { useEffect, useRef, useState } from "preact/hooks";
import { api, ok, type Post, type Schemas } from "../api/client";
import { ErrorNote } from "../components/ErrorNote";
import { authorLabel } from "../components/PostItem";
import { lang, translate, useT, type T } from "../i18n";
import { useScreenFocus } from "../focus";
import { useLoad } from "../load";
import { href } from "../router";
import { session } from "../session";
import { useStore } from "../store";

type Idea = Schemas["IdeaPublic"];
type Nature = Schemas["ExtractCreate"]["nature"];
export const NATURES: Nature[] = ["issue", "actionable_solution", "knowledge", "example", "concept", "argument"];
const NEW_IDEA = "new";

/** The API counts offsets in code points; the DOM in UTF-16 units. */
export function codePoints(text: string, utf16: number): number {
  return Array.from(text.slice(0, utf16)).length;
}

function passage(text: string, start: number, end: number): string {
  return Array.from(text).slice(start, end).join("");
}

/** Where a passage selected in the rendered post lies in its original text (the first
 * occurrence; the rendering drops Markdown's marks, so a passage across them is not found). */
export function locate(text: string, selected: string): [number, number] | null {
  const wanted = selected.trim().replace(/\s+/g, " ");
  if (!wanted) return null;
  const flat = text.replace(/\s/g, " ");
  const at = flat.indexOf(wanted);
  if (at < 0) return null;
  return [codePoints(text, at), codePoints(text, at + wanted.length)];
}

async function loadHarvest(id: string) {
  const thread = ok(await api.GET("/v1/threads/{thread_id}", { params: { path: { thread_id: id } } }));
  const [consultation, page, ideas] = await Promise.all([
    api.GET("/v1/consultations/{consultation_id}", { params: { path: { consultation_id: thread.consultation_id } } }).then(ok),
    api.GET("/v1/threads/{thread_id}/posts", { params: { path: { thread_id: id }, query: { limit: 100, original: true } } }).then(ok),
    api.GET("/v1/consultations/{consultation_id}/ideas", {
      params: { path: { consultation_id: thread.consultation_id }, query: { theme_id: thread.theme_id, limit: 100 } },
    }).then(ok),
  ]);
  const posts = page.items.filter((p) => p.status === "visible");
  return { thread, consultation, posts, ideas: ideas.items };
}

interface Chosen { postId: string; start: number; end: number }

/** An idea catcher's screen: a discussion's contributions in their original text; a
 * passage selected (with the mouse in the post, or in the form's text with the keyboard)
 * is filed as an extract of a nature, under an existing or a new idea. */
export function HarvestView({ id }: { id: string }) {
  const t = useT();
  const language = useStore(lang);
  const who = useStore(session);
  const loaded = useLoad(() => loadHarvest(id), [who?.accountId], id);
  useScreenFocus(Boolean(loaded.data));
  const [chosen, setChosen] = useState<Chosen | null>(null);
  const [announcement, setAnnouncement] = useState("");

  useEffect(() => {
    if (loaded.data) document.title = `${translate(language, "harvest.title", { thread: loaded.data.thread.title })} · Agora`;
  }, [loaded.data, language]);

  if (loaded.error !== null && !loaded.data) return <ErrorNote error={loaded.error} onRetry={loaded.reload} />;
  if (!loaded.data) return <p>{t("loading")}</p>;
  const { thread, consultation, posts, ideas } = loaded.data;

  function picked(post: Post) {
    const selected = window.getSelection()?.toString() ?? "";
    const range = locate(post.body, selected);
    if (range) setChosen({ postId: post.id, start: range[0], end: range[1] });
  }

  function filed(message: string, idea: Idea | null) {
    setAnnouncement(message);
    setChosen(null);
    if (idea && !ideas.some((i) => i.id === idea.id)) loaded.set((d) => ({ ...d, ideas: [...d.ideas, idea] }));
    else loaded.reload();
  }

  return (
    <>
      <p class="live-region" role="status" aria-live="polite">{announcement}</p>
      <nav aria-label={t("thread.back")} class="crumbs">
        <a href={href.consultation(consultation.id)}>← {consultation.title}</a>{" · "}
        <a href={href.thread(thread.id)}>{thread.title}</a>
      </nav>
      <h1 tabIndex={-1}>{t("harvest.title", { thread: thread.title })}</h1>
      <p class="hint">{t("harvest.intro")}</p>
      {announcement && <p class="notice">{announcement} <a href={href.ideas(consultation.id)}>{t("harvest.toIdeas")}</a></p>}
      {posts.length === 0 && <p>{t("harvest.empty")}</p>}
      <ul class="harvest">
        {posts.map((post) => (
          <li key={post.id}>
            <article aria-labelledby={`h-${post.id}`} class="post">
              <h2 id={`h-${post.id}`} class="queue-author">{authorLabel(t, post)}</h2>
              <div class="post-body" lang={post.language === "und" ? undefined : post.language}
                onMouseUp={() => picked(post)} dangerouslySetInnerHTML={{ __html: post.body_html }} />
              {chosen?.postId === post.id ? (
                <HarvestForm post={post} chosen={chosen} ideas={ideas} themeId={thread.theme_id}
                  consultationId={consultation.id} t={t} onChoose={setChosen} onFiled={filed}
                  onCancel={() => setChosen(null)} />
              ) : (
                <div class="actions">
                  <button type="button" onClick={() => setChosen({ postId: post.id, start: 0, end: 0 })}>{t("harvest.start")}</button>
                </div>
              )}
            </article>
          </li>
        ))}
      </ul>
    </>
  );
}

interface FormProps {
  post: Post; chosen: Chosen; ideas: Idea[]; themeId: string; consultationId: string; t: T;
  onChoose: (chosen: Chosen) => void; onFiled: (message: string, idea: Idea | null) => void; onCancel: () => void;
}

function HarvestForm({ post, chosen, ideas, themeId, consultationId, t, onChoose, onFiled, onCancel }: FormProps) {
  const [nature, setNature] = useState<Nature>("issue");
  const [ideaId, setIdeaId] = useState(ideas.length > 0 ? ideas[ideas.length - 1]!.id : NEW_IDEA);
  const [title, setTitle] = useState("");
  const [description, setDescription] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const text = useRef<HTMLTextAreaElement>(null);
  const base = `harvest-${post.id}`;
  const length = Array.from(post.body).length;
  const quote = passage(post.body, chosen.start, chosen.end);

  useEffect(() => { text.current?.focus(); }, []);

  function selected(area: HTMLTextAreaElement) {
    const start = codePoints(area.value, area.selectionStart);
    const end = codePoints(area.value, area.selectionEnd);
    if (end > start) onChoose({ ...chosen, start, end });
  }

  function offset(which: "start" | "end", value: string) {
    const n = Math.max(0, Math.min(length, Math.trunc(Number(value)) || 0));
    onChoose({ ...chosen, [which]: n });
  }

  async function submit(e: Event) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      let idea: Idea | null = ideas.find((i) => i.id === ideaId) ?? null;
      if (ideaId === NEW_IDEA) {
        idea = ok(await api.POST("/v1/consultations/{consultation_id}/ideas", {
          params: { path: { consultation_id: consultationId } },
          body: { theme_id: themeId, title: title.trim(), description: description.trim() },
        }));
        setIdeaId(idea.id);
      }
      ok(await api.POST("/v1/consultations/{consultation_id}/extracts", {
        params: { path: { consultation_id: consultationId } },
        body: { post_id: post.id, nature, start: chosen.start, end: chosen.end, idea_id: idea?.id ?? null },
      }));
      onFiled(idea ? t("harvest.filedInto", { idea: idea.title }) : t("harvest.filed"), idea);
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  }

  return (
    <form class="harvest-form" aria-labelledby={`${base}-title`} onSubmit={submit}>
      <h3 id={`${base}-title`}>{t("harvest.form")}</h3>
      <label for={`${base}-text`}>{t("harvest.text")}</label>
      {/* Not `readonly`: Chromium gives a read-only textarea no caret, so no keyboard
          selection. Edits are refused instead (beforeinput), and undone if one slips by. */}
      <textarea id={`${base}-text`} ref={text} aria-readonly="true" rows={5} value={post.body}
        onBeforeInput={(e) => e.preventDefault()}
        onInput={(e) => { e.currentTarget.value = post.body; }}
        onSelect={(e) => selected(e.currentTarget)} onKeyUp={(e) => selected(e.currentTarget)}
        onMouseUp={(e) => selected(e.currentTarget)} />
      <div class="offsets">
        <div>
          <label for={`${base}-from`}>{t("harvest.from")}</label>
          <input id={`${base}-from`} type="number" min={0} max={length} value={chosen.start} onChange={(e) => offset("start", e.currentTarget.value)} />
        </div>
        <div>
          <label for={`${base}-to`}>{t("harvest.to")}</label>
          <input id={`${base}-to`} type="number" min={0} max={length} value={chosen.end} onChange={(e) => offset("end", e.currentTarget.value)} />
        </div>
      </div>
      <p id={`${base}-passage`} aria-live="polite"><strong>{t("harvest.passage")}</strong>{" "}
        {quote ? <q class="passage">{quote}</q> : <span class="muted">{t("harvest.none")}</span>}</p>
      <label for={`${base}-nature`}>{t("harvest.nature")}</label>
      <select id={`${base}-nature`} value={nature} onChange={(e) => setNature(e.currentTarget.value as Nature)}>
        {NATURES.map((n) => <option key={n} value={n}>{t(`nature.${n}`)}</option>)}
      </select>
      <label for={`${base}-idea`}>{t("harvest.idea")}</label>
      <select id={`${base}-idea`} value={ideaId} onChange={(e) => setIdeaId(e.currentTarget.value)}>
        <option value="">{t("harvest.noIdea")}</option>
        {ideas.map((i) => <option key={i.id} value={i.id}>{i.title}</option>)}
        <option value={NEW_IDEA}>{t("harvest.newIdea")}</option>
      </select>
      {ideaId === NEW_IDEA && (
        <>
          <label for={`${base}-idea-title`}>{t("harvest.ideaTitle")}</label>
          <input id={`${base}-idea-title`} required maxLength={200} value={title} onInput={(e) => setTitle(e.currentTarget.value)} />
          <label for={`${base}-idea-description`}>{t("harvest.ideaDescription")}</label>
          <textarea id={`${base}-idea-description`} rows={2} value={description} onInput={(e) => setDescription(e.currentTarget.value)} />
        </>
      )}
      {error !== null && <ErrorNote error={error} />}
      <div class="actions">
        <button type="submit" class="primary" disabled={busy}>{t("harvest.file")}</button>
        <button type="button" disabled={busy} onClick={onCancel}>{t("harvest.cancel")}</button>
      </div>
    </form>
  );
}
