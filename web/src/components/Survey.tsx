import { useEffect } from "preact/hooks";
import { api, ok, type Consultation, type Post, type Thread } from "../api/client";
import { lang, useT } from "../i18n";
import type { LiveEvent } from "../live";
import { useLoad } from "../load";
import { href } from "../router";
import { session } from "../session";
import { useStore, type Store } from "../store";
import { ErrorNote } from "./ErrorNote";
import { PostForm } from "./PostForm";
import { PostItem } from "./PostItem";
import { readSelf } from "./Pseudonym";

/** Whether the phase running now opens the survey module (an unscheduled consultation
 * opens every module): the API refuses answers otherwise (409), so the form is not shown. */
export function surveyOpen(consultation: Consultation): boolean {
  if (consultation.phases.length === 0) return true;
  const phase = consultation.phases.find((p) => p.kind === consultation.current_phase);
  return Boolean(phase?.modules.includes("survey"));
}

interface Question {
  thread: Thread;
  answers: Post[];
}

async function loadSurvey(consultationId: string, language: string, signedIn: boolean) {
  const page = ok(await api.GET("/v1/consultations/{consultation_id}/threads", {
    params: { path: { consultation_id: consultationId }, query: { kind: "survey_question", limit: 100 } },
  }));
  // A survey question is a thread whose posts are its answers (README "The debate API").
  const [questions, me] = await Promise.all([
    Promise.all(page.items.map(async (thread): Promise<Question> => {
      const posts = ok(await api.GET("/v1/threads/{thread_id}/posts", {
        params: { path: { thread_id: thread.id }, query: { limit: 100, lang: language } },
      }));
      return { thread, answers: posts.items.filter((p) => p.parent_id === null || p.parent_id === undefined) };
    })),
    signedIn ? readSelf(consultationId).then((self) => self.author_key, () => null) : Promise.resolve(null),
  ]);
  return { questions, me };
}

/** The open questions of the appropriation phase on the landing page: each with the
 * reader's own answer (their author key) or a form to answer, and the others' answers
 * (public, with reactions); new answers arrive live. */
export function Survey({ consultation, live }: { consultation: Consultation; live: Store<LiveEvent | null> }) {
  const t = useT();
  const language = useStore(lang);
  const who = useStore(session);
  const loaded = useLoad(() => loadSurvey(consultation.id, language, Boolean(who)),
    [language, who?.accountId], consultation.id);

  /** An answer written here, or seen on the stream (shared by every reader: it does not
   * carry this reader's own reaction, which is kept). Replies stay in the thread. */
  const upsert = (post: Post, fromStream: boolean) => loaded.set((d) => ({
    ...d,
    questions: d.questions.map((q) => {
      if (q.thread.id !== post.thread_id || post.parent_id) return q;
      const known = q.answers.find((a) => a.id === post.id);
      const shown = fromStream ? { ...post, my_reaction: known?.my_reaction ?? null } : post;
      return { ...q, answers: known ? q.answers.map((a) => (a.id === post.id ? shown : a)) : [...q.answers, shown] };
    }),
  }));
  const add = (post: Post) => upsert(post, false);

  useEffect(() => live.subscribe((event) => {
    if (event && ["post.created", "post.edited", "translation.ready"].includes(event.type)) {
      const post = event.data.post as Post | undefined;
      if (post) upsert(post, true);
    }
  }), [live]);

  if (loaded.error !== null && !loaded.data) return <ErrorNote error={loaded.error} onRetry={loaded.reload} />;
  if (!loaded.data || loaded.data.questions.length === 0) return null;
  const { questions, me } = loaded.data;
  return (
    <section aria-labelledby="survey" class="survey">
      <h2 id="survey">{t("survey.title")}</h2>
      <p class="hint">{t("survey.intro")}</p>
      {questions.map(({ thread, answers }) => {
        const mine = me ? answers.filter((a) => a.author_key === me) : [];
        const others = answers.filter((a) => !mine.includes(a));
        const theme = consultation.themes.find((th) => th.id === thread.theme_id);
        const back = href.consultation(consultation.id);
        return (
          <section key={thread.id} class="survey-question" aria-labelledby={`q-${thread.id}`}>
            <h3 id={`q-${thread.id}`}>{thread.title}</h3>
            {theme && <p class="muted">{theme.title}</p>}
            {mine.length > 0 ? (
              <div class="my-answer">
                <h4>{t("survey.yourAnswer")}</h4>
                {mine.map((post) => <PostItem key={post.id} post={post} mine onChange={add} onPosted={add} />)}
              </div>
            ) : who ? (
              <PostForm threadId={thread.id} label={t("survey.answerTo", { question: thread.title })} onPosted={add} />
            ) : (
              <p><a href={href.login(back)}>{t("survey.loginToAnswer")}</a></p>
            )}
            <details class="answers">
              <summary>{t("survey.others", { count: others.length })}</summary>
              {others.length === 0 ? <p>{t("survey.noAnswers")}</p> : (
                <div class="posts">
                  {others.map((post) => <PostItem key={post.id} post={post} onChange={add} onPosted={add} />)}
                </div>
              )}
              <p><a href={href.thread(thread.id)}>{t("survey.readAll")}</a></p>
            </details>
          </section>
        );
      })}
    </section>
  );
}
