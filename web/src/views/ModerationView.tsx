import { useEffect, useRef, useState } from "preact/hooks";
import { api, ApiError, ok, type Schemas } from "../api/client";
import { ErrorNote } from "../components/ErrorNote";
import { authorLabel } from "../components/PostItem";
import { formatDate, lang, translate, useT, type T } from "../i18n";
import { subscribe } from "../live";
import { useScreenFocus } from "../focus";
import { useLoad } from "../load";
import { href } from "../router";
import { session } from "../session";
import { useStore } from "../store";

type Item = Schemas["QueueItemPublic"];
type Action = Schemas["ModerationCreate"]["action"];

// Events after which the queue may have changed: another moderator acted, or an author
// revised a post. Held posts and reports are not in the public stream; Refresh reads them.
const QUEUE_EVENTS = ["moderation.post_hidden", "moderation.post_restored", "post.created", "post.edited"];

async function loadQueue(id: string) {
  const [consultation, queue] = await Promise.all([
    api.GET("/v1/consultations/{consultation_id}", { params: { path: { consultation_id: id } } }).then(ok),
    api.GET("/v1/consultations/{consultation_id}/moderation/queue", {
      params: { path: { consultation_id: id }, query: { limit: 100 } },
    }).then(ok),
  ]);
  return { consultation, items: queue.items };
}

/** The moderators' queue: reported and held posts with their reports and history; approve,
 * hide with a reason, or dismiss the reports; the queue follows the live stream. */
export function ModerationView({ id }: { id: string }) {
  const t = useT();
  const language = useStore(lang);
  const who = useStore(session);
  const [announcement, setAnnouncement] = useState("");
  const loaded = useLoad(() => loadQueue(id), [language, who?.accountId], id);
  useScreenFocus(Boolean(loaded.data));
  // Posts this screen acted on: their events echo our own act, already shown and announced.
  const mine = useRef(new Set<string>());

  useEffect(() => subscribe(id, language, (event) => {
    const postId = String(event.data.post_id ?? (event.data.post as { id?: string } | undefined)?.id ?? "");
    if (QUEUE_EVENTS.includes(event.type) && !mine.current.has(postId)) {
      loaded.reload();
      setAnnouncement(translate(lang.value, "moderation.updated"));
    }
  }), [id, language]);

  useEffect(() => { document.title = `${t("moderation.title")} · Agora`; }, [language]);

  if (loaded.error instanceof ApiError && loaded.error.status === 403) {
    return <><h1 tabIndex={-1}>{t("moderation.title")}</h1><p class="notice">{t("moderation.forbidden")}</p></>;
  }
  if (loaded.error !== null && !loaded.data) return <ErrorNote error={loaded.error} onRetry={loaded.reload} />;
  if (!loaded.data) return <p>{t("loading")}</p>;
  const { consultation, items } = loaded.data;

  function done(item: Item, action: Action) {
    mine.current.add(item.post.id);
    loaded.set((d) => ({ ...d, items: d.items.filter((i) => i.post.id !== item.post.id) }));
    setAnnouncement(translate(lang.value, `moderation.done.${action}` as "moderation.done.hide"));
    document.querySelector<HTMLElement>("main h1")?.focus();
  }

  return (
    <>
      <p class="live-region" role="status" aria-live="polite">{announcement}</p>
      <nav aria-label={t("thread.back")} class="crumbs">
        <a href={href.consultation(id)}>← {consultation.title}</a>
      </nav>
      <h1 tabIndex={-1}>{t("moderation.title")}</h1>
      <p class="hint">{t("moderation.intro")}</p>
      {loaded.error !== null && <ErrorNote error={loaded.error} onRetry={loaded.reload} />}
      <div class="actions"><button type="button" onClick={loaded.reload}>{t("moderation.refresh")}</button></div>
      {items.length === 0 ? <p>{t("moderation.empty")}</p> : (
        <ul class="queue">
          {items.map((item) => <QueueItem key={item.post.id} item={item} t={t} onDone={done} />)}
        </ul>
      )}
    </>
  );
}

function QueueItem({ item, t, onDone }: { item: Item; t: T; onDone: (item: Item, action: Action) => void }) {
  const language = useStore(lang);
  const [reason, setReason] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const post = item.post;
  const held = post.status === "pending";
  const heading = `queue-${post.id}`;
  const reasonId = `reason-${post.id}`;

  async function act(action: Action) {
    setBusy(true);
    setError(null);
    try {
      ok(await api.POST("/v1/posts/{post_id}/moderation", {
        params: { path: { post_id: post.id } }, body: { action, reason: reason.trim() },
      }));
      onDone(item, action);
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  }

  return (
    <li class="queue-item">
      <article aria-labelledby={heading}>
        <header class="post-meta">
          <h2 id={heading} class="queue-author">{authorLabel(t, post)}</h2>{" "}
          <span class="badge">{t(held ? "moderation.held" : "moderation.reported")}</span>{" "}
          <time dateTime={post.created_at}>{formatDate(language, post.created_at, true)}</time>
        </header>
        <div class="post-body" lang={post.language === "und" ? undefined : post.language}
          dangerouslySetInnerHTML={{ __html: post.body_html }} />
        <p><a href={href.thread(post.thread_id)}>{t("moderation.inThread")}</a></p>
        {item.reports.length > 0 && (
          <>
            <h3>{t("moderation.reports")}</h3>
            <ul class="reports">
              {item.reports.map((r) => (
                <li key={r.id}><strong>{t(`moderation.why.${r.reason}`)}</strong>{r.note && <> — {r.note}</>}{" "}
                  <span class="muted">{formatDate(language, r.created_at, true)}</span></li>
              ))}
            </ul>
          </>
        )}
        {item.history.length > 0 && (
          <>
            <h3>{t("moderation.history")}</h3>
            <ul class="history">
              {item.history.map((h) => (
                <li key={h.id}>{formatDate(language, h.at, true)}: {t(`moderation.action.${h.action}`)}
                  {h.reason && <> — {h.reason}</>}</li>
              ))}
            </ul>
          </>
        )}
        <label for={reasonId}>{t("moderation.reason")}</label>
        <textarea id={reasonId} rows={2} maxLength={500} value={reason}
          onInput={(e) => setReason(e.currentTarget.value)} />
        {error !== null && <ErrorNote error={error} />}
        <div class="actions">
          {held && <button type="button" class="primary" disabled={busy} onClick={() => act("approve")}>{t("moderation.approve")}</button>}
          <button type="button" disabled={busy} onClick={() => act("hide")}>{t("moderation.hide")}</button>
          {item.reports.length > 0 && (
            <button type="button" disabled={busy} onClick={() => act("dismiss")}>{t("moderation.dismiss")}</button>
          )}
        </div>
      </article>
    </li>
  );
}
