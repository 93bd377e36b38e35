import type { Post, Thread } from "../api/client";
import { formatDate, lang, useT } from "../i18n";
import { href } from "../router";
import { useStore } from "../store";
import { PostForm } from "./PostForm";
import { PostItem } from "./PostItem";

/** A two-column deepening: one section per column (pros, cons, or the labels the thread
 * was opened with), each with its contributions, its summary once written, and a form
 * that writes to it. Side by side on wide screens, stacked on phones (styles.css). */
export function Columns({ thread, posts, me, signedIn, onChange }: {
  thread: Thread;
  posts: Post[];
  me: string | null;
  signedIn: boolean;
  onChange: (post: Post) => void;
}) {
  const t = useT();
  const language = useStore(lang);
  const back = href.thread(thread.id);
  return (
    <section aria-labelledby="columns" class="two-column">
      <h2 id="columns">{t("columns.title")}</h2>
      <p class="hint">{t("columns.intro")}</p>
      <div class="columns">
        {thread.columns.map((column) => {
          const mine = posts.filter((p) => p.column_id === column.id);
          const heading = `column-${column.id}`;
          return (
            <section key={column.id} class="column" aria-labelledby={heading} data-column={column.id}>
              <h3 id={heading}>
                {column.label}{" "}
                <span class="muted count-note">
                  ({mine.length === 1 ? t("columns.count1") : t("columns.count", { count: mine.length })})
                </span>
              </h3>
              {column.summary && (
                <div class="column-summary notice">
                  <p><strong>{t("columns.summary")}</strong>
                    {column.summary_at && <> · <time dateTime={column.summary_at}>{formatDate(language, column.summary_at)}</time></>}</p>
                  <p class="prose">{column.summary}</p>
                </div>
              )}
              {mine.length === 0 && <p>{t("columns.empty")}</p>}
              <div class="posts">
                {mine.map((post) => (
                  <PostItem key={post.id} post={post} mine={post.author_key !== null && post.author_key === me}
                    onChange={onChange} onPosted={onChange} />
                ))}
              </div>
              {signedIn ? (
                <PostForm threadId={thread.id} columnId={column.id}
                  label={t("columns.write", { column: column.label })} onPosted={onChange} />
              ) : (
                <p><a href={href.login(back)}>{t("thread.loginToWrite")}</a></p>
              )}
            </section>
          );
        })}
      </div>
    </section>
  );
}
