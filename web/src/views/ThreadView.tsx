import { useEffect, useState } from "preact/hooks";
import { api, ok, type Post } from "../api/client";
import { ErrorNote } from "../components/ErrorNote";
import { authorLabel, PostItem } from "../components/PostItem";
import { Columns } from "../components/Columns";
import { PostForm } from "../components/PostForm";
import { readSelf } from "../components/Pseudonym";
import { lang, translate, useT } from "../i18n";
import { subscribe } from "../live";
import { useScreenFocus } from "../focus";
import { useLoad } from "../load";
import { href } from "../router";
import { session } from "../session";
import { useStore } from "../store";

/** Replies under their parent, in the order the API gives (oldest first). */
export function threaded(posts: Post[]): Post[] {
  const children = new Map<string | null, Post[]>();
  const ids = new Set(posts.map((p) => p.id));
  for (const post of posts) {
    const parent = post.parent_id && ids.has(post.parent_id) ? post.parent_id : null;
    children.set(parent, [...(children.get(parent) ?? []), post]);
  }
  const out: Post[] = [];
  const walk = (parent: string | null) => {
    for (const post of children.get(parent) ?? []) {
      out.push(post);
      walk(post.id);
    }
  };
  walk(null);
  return out;
}

function upsert(posts: Post[], post: Post): Post[] {
  return posts.some((p) => p.id === post.id) ? posts.map((p) => (p.id === post.id ? post : p)) : [...posts, post];
}

interface ThreadData {
  thread: Awaited<ReturnType<typeof loadThread>>["thread"];
  consultation: Awaited<ReturnType<typeof loadThread>>["consultation"];
  me: string | null;
  posts: Post[];
  pinned: Post[];
  cursor: string | null;
}

async function loadThread(id: string, language: string) {
  const thread = ok(await api.GET("/v1/threads/{thread_id}", { params: { path: { thread_id: id } } }));
  const [consultation, page] = await Promise.all([
    api.GET("/v1/consultations/{consultation_id}", { params: { path: { consultation_id: thread.consultation_id } } }).then(ok),
    api.GET("/v1/threads/{thread_id}/posts", {
      params: { path: { thread_id: id }, query: { limit: 100, lang: language } },
    }).then(ok),
  ]);
  return { thread, consultation, page };
}

/** A discussion: its contributions with reactions and replies, a form to contribute, and
 * what others write arriving live. */
export function ThreadView({ id }: { id: string }) {
  const t = useT();
  const language = useStore(lang);
  const who = useStore(session);
  const [announcement, setAnnouncement] = useState("");
  const [moreError, setMoreError] = useState<unknown>(null);
  const loaded = useLoad<ThreadData>(async () => {
    const { thread, consultation, page } = await loadThread(id, language);
    // Pages are shared by every reader: one's own posts are those with one's author key.
    const me = session.value ? (await readSelf(consultation.id).catch(() => null))?.author_key ?? null : null;
    return { thread, consultation, me, posts: page.items, pinned: page.pinned ?? [], cursor: page.next_cursor ?? null };
  }, [language, who?.accountId], id);
  useScreenFocus(Boolean(loaded.data));

  const consultationId = loaded.data?.consultation.id;
  useEffect(() => {
    if (!consultationId) return;
    return subscribe(consultationId, language, (event) => {
      const data = event.data;
      if (["post.created", "post.edited", "moderation.post_restored", "translation.ready"].includes(event.type)) {
        const post = data.post as Post | undefined;
        if (!post || post.thread_id !== id) return;
        loaded.set((d) => {
          const known = d.posts.find((p) => p.id === post.id);
          // The stream is shared by every reader: keep this reader's own reaction.
          return { ...d, posts: upsert(d.posts, { ...post, my_reaction: known?.my_reaction ?? null }) };
        });
        if (event.type === "post.created") {
          setAnnouncement(translate(lang.value, "thread.live", {
            author: authorLabel((key, vars) => translate(lang.value, key, vars), post),
          }));
        }
      } else if (event.type === "reaction.changed" && data.thread_id === id) {
        const counts = data.reaction_counts as Record<string, number>;
        loaded.set((d) => ({ ...d, posts: d.posts.map((p) => (p.id === data.post_id ? { ...p, reaction_counts: counts } : p)) }));
      } else if ((event.type === "moderation.post_hidden" || event.type === "post.pinned" || event.type === "post.unpinned")
        && data.thread_id === id) {
        loaded.reload();
      } else if (event.type === "consultation.phase_changed") {
        loaded.reload();
      }
    });
  }, [consultationId, id, language]);

  useEffect(() => {
    if (loaded.data) document.title = `${loaded.data.thread.title} · Agora`;
  }, [loaded.data]);

  async function more() {
    const cursor = loaded.data?.cursor;
    if (!cursor) return;
    setMoreError(null);
    try {
      const page = ok(await api.GET("/v1/threads/{thread_id}/posts", {
        params: { path: { thread_id: id }, query: { limit: 100, cursor, lang: language } },
      }));
      loaded.set((d) => ({ ...d, posts: page.items.reduce(upsert, d.posts), cursor: page.next_cursor ?? null }));
    } catch (caught) {
      setMoreError(caught);
    }
  }

  if (loaded.error !== null && !loaded.data) return <ErrorNote error={loaded.error} onRetry={loaded.reload} />;
  if (!loaded.data) return <p>{t("loading")}</p>;
  const { thread, consultation, pinned } = loaded.data;
  // Pinned announcements head the first page; they are not repeated in the flow.
  const pinnedIds = new Set(pinned.map((p) => p.id));
  const posts = loaded.data.posts.filter((p) => !pinnedIds.has(p.id));
  const theme = consultation.themes.find((th) => th.id === thread.theme_id);
  const change = (post: Post) => loaded.set((d) => ({ ...d, posts: upsert(d.posts, post) }));
  const back = href.thread(id);

  return (
    <>
      <p class="live-region" role="status" aria-live="polite">{announcement}</p>
      {loaded.error !== null && <ErrorNote error={loaded.error} onRetry={loaded.reload} />}
      <nav aria-label={t("thread.back")} class="crumbs">
        <a href={href.consultation(consultation.id)}>← {consultation.title}</a>
        {theme && <span class="muted"> · {theme.title}</span>}
      </nav>
      <h1 tabIndex={-1}>{thread.title}</h1>
      {who && <p class="facilitate"><a href={href.harvest(id)}>{t("harvest.link")}</a></p>}
      {pinned.length > 0 && (
        <section aria-label={t("thread.pinned")} class="pinned">
          {pinned.map((post) => <PostItem key={post.id} post={post} onChange={change} onPosted={change} />)}
        </section>
      )}
      {thread.kind === "two_column" ? (
        <Columns thread={thread} posts={threaded(posts)} me={loaded.data.me} signedIn={Boolean(who)} onChange={change} />
      ) : (
        <>
          <section aria-labelledby="contributions">
            <h2 id="contributions">{t("thread.contributions")}</h2>
            {posts.length === 0 && <p>{t("thread.empty")}</p>}
            <div class="posts">
              {threaded(posts).map((post) => (
                <PostItem key={post.id} post={post} mine={post.author_key !== null && post.author_key === loaded.data?.me}
                  onChange={change} onPosted={change} />
              ))}
            </div>
            {loaded.data.cursor && <button type="button" onClick={more}>{t("thread.more")}</button>}
            {moreError !== null && <ErrorNote error={moreError} />}
          </section>
          <section aria-labelledby="write" class="write">
            <h2 id="write">{t("thread.newPost")}</h2>
            {who ? (
              <PostForm threadId={id} label={t("thread.newPost")} onPosted={change} />
            ) : (
              <p>
                <a href={href.login(back)}>{t("thread.loginToWrite")}</a> {t("thread.or")}{" "}
                <a href={href.signup(back)}>{t("thread.signupToWrite")}</a>.
              </p>
            )}
          </section>
        </>
      )}
    </>
  );
}
