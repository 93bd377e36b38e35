import { useState } from "preact/hooks";
import { api, ok, REACTIONS, type Post, type ReactionKind } from "../api/client";
import { formatDate, lang, useT, type T } from "../i18n";
import { href } from "../router";
import { useStore } from "../store";
import { session } from "../session";
import { ErrorNote } from "./ErrorNote";
import { PostForm } from "./PostForm";

function languageName(display: string, code: string): string {
  try {
    return new Intl.DisplayNames([display], { type: "language" }).of(code) ?? code;
  } catch {
    return code;
  }
}

export function authorLabel(t: T, post: Post): string {
  if (post.author_name) return post.author_name;
  if (post.author_label) return post.author_label;
  if (post.author_key) return t("thread.participant", { key: post.author_key.slice(0, 6) });
  return t("thread.anonymous");
}

/** One contribution: author, date, sanitised body (the API's body_html), reactions and a
 * reply form. */
export function PostItem({ post, mine = false, onChange, onPosted }: {
  post: Post;
  mine?: boolean;
  onChange: (post: Post) => void;
  onPosted: (post: Post) => void;
}) {
  const t = useT();
  const language = useStore(lang);
  const signedIn = useStore(session) !== null;
  const [replying, setReplying] = useState(false);
  const [error, setError] = useState<unknown>(null);
  // The text as written, fetched when the reader asks for it (?original=true).
  const [original, setOriginal] = useState<Post | null>(null);
  const [showOriginal, setShowOriginal] = useState(false);
  const author = authorLabel(t, post);
  const shown = showOriginal && original ? original : post;

  async function toggleOriginal() {
    setError(null);
    if (!showOriginal && (!original || original.revision !== post.revision)) {
      try {
        setOriginal(ok(await api.GET("/v1/posts/{post_id}", {
          params: { path: { post_id: post.id }, query: { original: true } },
        })));
      } catch (caught) {
        setError(caught);
        return;
      }
    }
    setShowOriginal(!showOriginal);
  }
  const published = post.status === "visible";
  const depth = Math.min(post.depth, 4);

  async function react(kind: ReactionKind) {
    setError(null);
    try {
      const path = { params: { path: { post_id: post.id } } };
      const state = post.my_reaction === kind
        ? ok(await api.DELETE("/v1/posts/{post_id}/reaction", path))
        : ok(await api.PUT("/v1/posts/{post_id}/reaction", { ...path, body: { kind } }));
      onChange({ ...post, my_reaction: state.my_reaction ?? null, reaction_counts: state.counts });
    } catch (caught) {
      setError(caught);
    }
  }

  return (
    <article class={`post depth-${depth}`} id={`post-${post.id}`} aria-labelledby={`post-${post.id}-author`}>
      <header class="post-meta">
        <strong id={`post-${post.id}-author`}>{author}</strong>
        {mine && <span class="muted"> ({t("thread.you")})</span>}{" "}
        <time dateTime={post.created_at}>{formatDate(language, post.created_at, true)}</time>
        {post.edited_at && <span class="muted"> · {t("thread.edited")}</span>}
        {post.pinned && <span class="badge">{t("thread.pinned")}</span>}
      </header>
      {post.status === "hidden" && <p class="muted">{t("thread.hidden")}</p>}
      {post.status === "pending" && <p class="notice">{t("thread.pending")}</p>}
      {post.status !== "hidden" && (
        // body_html is rendered and sanitised by the API (nh3): the one field safe to insert.
        <div class="post-body" lang={shown.language === "und" ? undefined : shown.language}
          dangerouslySetInnerHTML={{ __html: shown.body_html }} />
      )}
      {post.status !== "hidden" && post.translated && (
        <p class="translation muted">
          {t(post.human_verified ? "translation.verified" : "translation.machine",
            { language: languageName(language, post.original_language ?? "") })}{" "}
          <button type="button" class="link" aria-pressed={showOriginal} onClick={toggleOriginal}>
            {t("translation.showOriginal")}
          </button>
        </p>
      )}
      {published && (
        <div class="post-actions">
          {signedIn ? (
            <div role="group" aria-label={t("reaction.group")} class="reactions">
              {REACTIONS.map((kind) => (
                <button type="button" key={kind} aria-pressed={post.my_reaction === kind}
                  onClick={() => react(kind)}>
                  {t(`reaction.${kind}`)} <span class="count">{post.reaction_counts[kind] ?? 0}</span>
                </button>
              ))}
            </div>
          ) : (
            <p class="reactions-read">
              {REACTIONS.map((kind) => (
                <span key={kind}>{t(`reaction.${kind}`)} <span class="count">{post.reaction_counts[kind] ?? 0}</span></span>
              ))}
              <a href={href.login(location.hash)}>{t("reaction.loginFirst")}</a>
            </p>
          )}
          {signedIn && !replying && (
            <button type="button" class="link" aria-expanded="false" onClick={() => setReplying(true)}>
              {t("thread.reply")}
            </button>
          )}
        </div>
      )}
      {error !== null && <ErrorNote error={error} />}
      {replying && (
        <PostForm threadId={post.thread_id} parentId={post.id} label={t("thread.replyTo", { author })}
          onCancel={() => setReplying(false)}
          onPosted={(reply) => { setReplying(false); onPosted(reply); }} />
      )}
    </article>
  );
}
