import { useRef, useState } from "preact/hooks";
import { api, ok, type Post } from "../api/client";
import { useT } from "../i18n";
import { ErrorNote } from "./ErrorNote";

let formCount = 0;

/** A fresh Idempotency-Key: a retried publish is one post. crypto.randomUUID exists only
 * in secure contexts (https, localhost); getRandomValues everywhere. */
function idempotencyKey(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** Write a contribution (or a reply, with parentId); the thread shows it from the answer
 * and, for everyone else, from the live stream. */
export function PostForm({ threadId, parentId, columnId, label, onPosted, onCancel }: {
  threadId: string;
  parentId?: string;
  /** Two-column threads: the column written to (replies inherit their parent's). */
  columnId?: string;
  label: string;
  onPosted: (post: Post) => void;
  onCancel?: () => void;
}) {
  const t = useT();
  const [body, setBody] = useState("");
  const [sending, setSending] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const id = useRef(`post-form-${++formCount}`).current;
  // One key per text: a retry after a lost answer publishes once; a new text gets a new key.
  const keyRef = useRef<{ body: string; key: string } | null>(null);

  async function submit(event: Event) {
    event.preventDefault();
    if (!body.trim()) return;
    setSending(true);
    setError(null);
    if (keyRef.current?.body !== body) keyRef.current = { body, key: idempotencyKey() };
    const key = keyRef.current.key;
    try {
      const post = ok(await api.POST("/v1/threads/{thread_id}/posts", {
        params: { path: { thread_id: threadId }, header: { "Idempotency-Key": key } },
        body: { body, format: "markdown", parent_id: parentId ?? null,
          ...(columnId ? { column_id: columnId } : {}) },
      }));
      setBody("");
      keyRef.current = null;
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
