import { useEffect, useRef, useState } from "preact/hooks";
import { api, ok, type Schemas } from "../api/client";
import { IdeaActions, type Done } from "../components/IdeaActions";
import { ErrorNote } from "../components/ErrorNote";
import { lang, useT, type T } from "../i18n";
import { subscribe } from "../live";
import { useScreenFocus } from "../focus";
import { useLoad } from "../load";
import { href } from "../router";
import { useStore } from "../store";

type Idea = Schemas["IdeaPublic"];
type Extract = Schemas["ExtractPublic"];

async function loadIdeas(id: string) {
  const [consultation, ideas] = await Promise.all([
    api.GET("/v1/consultations/{consultation_id}", { params: { path: { consultation_id: id } } }).then(ok),
    api.GET("/v1/consultations/{consultation_id}/ideas", { params: { path: { consultation_id: id }, query: { limit: 100, include_merged: true } } }).then(ok),
  ]);
  return { consultation, ideas: ideas.items };
}

/** The ideas table of each theme: status and counts (extracts, posts, authors,
 * reactions), each idea's sources with links to their contributions, and the idea
 * catchers' actions (retain, set aside, merge, undo a merge; the API decides who may). */
export function IdeasView({ id }: { id: string }) {
  const t = useT();
  const language = useStore(lang);
  const loaded = useLoad(() => loadIdeas(id), [language], id);
  const [notice, setNotice] = useState("");
  const noticeRef = useRef<HTMLParagraphElement>(null);
  useScreenFocus(Boolean(loaded.data));

  /** An action's result replaces the rows it changed (a merge changes two) and is said
   * in the notice, which takes the focus: the button pressed may be gone. */
  function done(result: Done) {
    loaded.reload();
    setNotice(result.message);
    setTimeout(() => noticeRef.current?.focus(), 0);
  }
  useEffect(() => { document.title = `${t("ideas.title")} · Agora`; }, [language]);
  // Extracts filed elsewhere change the counts: read the table again on synthesis events.
  useEffect(() => subscribe(id, language, (event) => {
    if (event.type.startsWith("idea.") || event.type.startsWith("extract.")) loaded.reload();
  }), [id, language]);

  if (loaded.error !== null && !loaded.data) return <ErrorNote error={loaded.error} onRetry={loaded.reload} />;
  if (!loaded.data) return <p>{t("loading")}</p>;
  const { consultation, ideas } = loaded.data;

  return (
    <>
      <nav aria-label={t("thread.back")} class="crumbs">
        <a href={href.consultation(id)}>← {consultation.title}</a>
      </nav>
      <h1 tabIndex={-1}>{t("ideas.title")}</h1>
      <p class="hint">{t("ideas.intro")}</p>
      <p class="notice idea-notice" role="status" tabIndex={-1} ref={noticeRef} hidden={!notice}>{notice}</p>
      {consultation.themes.map((theme) => {
        const own = ideas.filter((i) => i.theme_id === theme.id);
        return (
          <section key={theme.id} aria-labelledby={`theme-${theme.id}`}>
            <h2 id={`theme-${theme.id}`}>{theme.title}</h2>
            {own.length === 0 ? <p>{t("ideas.empty")}</p> : (
              <div class="table-wrap">
                <table class="ideas">
                  <caption>{t("ideas.caption", { theme: theme.title })}</caption>
                  <thead>
                    <tr>
                      <th scope="col">{t("ideas.idea")}</th>
                      <th scope="col">{t("ideas.status")}</th>
                      <th scope="col" class="count">{t("ideas.extracts")}</th>
                      <th scope="col" class="count">{t("ideas.posts")}</th>
                      <th scope="col" class="count">{t("ideas.authors")}</th>
                      <th scope="col" class="count">{t("ideas.reactions")}</th>
                      <th scope="col">{t("ideas.actions")}</th>
                    </tr>
                  </thead>
                  <tbody>
                    {own.map((idea) => <IdeaRow key={idea.id} idea={idea} ideas={ideas} t={t} onDone={done} />)}
                  </tbody>
                </table>
              </div>
            )}
          </section>
        );
      })}
    </>
  );
}

function IdeaRow({ idea, ideas, t, onDone }: { idea: Idea; ideas: Idea[]; t: T; onDone: (done: Done) => void }) {
  const [sources, setSources] = useState<Extract[] | null>(null);
  const [error, setError] = useState<unknown>(null);

  async function open(e: Event) {
    if (!(e.currentTarget as HTMLDetailsElement).open || sources) return;
    try {
      const page = ok(await api.GET("/v1/consultations/{consultation_id}/extracts", {
        params: { path: { consultation_id: idea.consultation_id }, query: { idea_id: idea.id, limit: 100 } },
      }));
      setSources(page.items);
    } catch (caught) {
      setError(caught);
    }
  }

  return (
    <tr>
      <th scope="row">
        <span class="idea-title">{idea.title}</span>
        {idea.description && <span class="muted idea-description">{idea.description}</span>}
        <details onToggle={open}>
          <summary>{t("ideas.sources")} ({idea.counts.extracts})</summary>
          {error !== null && <ErrorNote error={error} />}
          {sources === null && error === null && <p>{t("loading")}</p>}
          {sources?.length === 0 && <p>{t("ideas.noSources")}</p>}
          {sources && sources.length > 0 && (
            <ul class="sources">
              {sources.map((extract) => <Source key={extract.id} extract={extract} t={t} />)}
            </ul>
          )}
        </details>
      </th>
      <td>{idea.status === "merged"
        ? t("ideas.mergedInto", { idea: ideas.find((i) => i.id === idea.merged_into)?.title ?? "?" })
        : t(`ideas.status.${idea.status}`)}</td>
      <td class="count">{idea.counts.extracts}</td>
      <td class="count">{idea.counts.posts}</td>
      <td class="count">{idea.counts.authors}</td>
      <td class="count">{idea.counts.reactions}</td>
      <td class="idea-actions"><IdeaActions idea={idea} ideas={ideas} onDone={onDone} /></td>
    </tr>
  );
}

function Source({ extract, t }: { extract: Extract; t: T }) {
  const quote = extract.selectors.find((s) => s.type === "TextQuoteSelector");
  const exact = quote && "exact" in quote ? quote.exact : "";
  return (
    <li>
      <strong>{t(`nature.${extract.nature}`)}</strong>{" "}
      {extract.quote_withheld ? <span class="muted">{t("ideas.withheld")}</span>
        : <q lang={extract.language === "und" ? undefined : extract.language}>{exact}</q>}
      {extract.state === "orphaned" && <span class="muted"> {t("ideas.orphaned")}</span>}{" — "}
      <a href={href.thread(extract.thread_id)}>{t("ideas.inThread")}</a>
    </li>
  );
}
