import { useRef, useState } from "preact/hooks";
import { api, ok, type Post } from "../api/client";
import { useT } from "../i18n";
import { ErrorNote } from "./ErrorNote";

let formCount = 0;

/** Write a contribution (or a reply, with parentId); the thread shows it from the answer
 * and, for everyone else, from the live stream. */
export function PostForm({ threadId, parentId, label, onPosted, onCancel }: {
  threadId: string;
  parentId?: string;
  label: string;
  onPosted: (post: Post) => void;
  onCancel?: () => void;
}) {
  const t = useT();
  const [body, setBody] = useState("");
  const [sending, setSending] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const id = useRef(`post-form-${++formCount}`).current;

  async function submit(event: Event) {
    event.preventDefault();
    if (!body.trim()) return;
    setSending(true);
    setError(null);
    try {
      const post = ok(await api.POST("/v1/threads/{thread_id}/posts", {
        params: { path: { thread_id: threadId }, header: { "Idempotency-Key": crypto.randomUUID() } },
        body: { body, format: "markdown", parent_id: parentId ?? null },
      }));
      setBody("");
      onPosted(post);
    } catch (caught) {
      setError(caught);
    } finally {
      setSending(false);
    }
  }

  return (
    <form class="post-form" onSubmit={submit}>
      <label for={id}>{label}</label>
      <textarea id={id} value={body} rows={parentId ? 3 : 4} required maxLength={10000}
        aria-describedby={`${id}-hint`} onInput={(e) => setBody(e.currentTarget.value)}
        autoFocus={Boolean(parentId)} />
      <p id={`${id}-hint`} class="hint">{t("thread.bodyHint")}</p>
      {error !== null && <ErrorNote error={error} />}
      <div class="actions">
        <button type="submit" class="primary" disabled={sending}>
          {sending ? t("thread.sending") : t("thread.send")}
        </button>
        {onCancel && <button type="button" onClick={onCancel}>{t("thread.cancel")}</button>}
      </div>
    </form>
  );
}
