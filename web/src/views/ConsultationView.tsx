import { useEffect, useMemo, useState } from "preact/hooks";
import { api, ok, type Consultation, type Thread } from "../api/client";
import { useCan } from "../can";
import { ErrorNote } from "../components/ErrorNote";
import { PhaseTimeline } from "../components/PhaseTimeline";
import { Pseudonym } from "../components/Pseudonym";
import { Survey, surveyOpen } from "../components/Survey";
import { lang, translate, useT, type T } from "../i18n";
import { subscribe, type LiveEvent } from "../live";
import { useScreenFocus } from "../focus";
import { useLoad } from "../load";
import { href } from "../router";
import { session } from "../session";
import { Store, useStore } from "../store";
import { languageName } from "./VoteSessionForm";

export function postCount(t: T, count: number): string {
  if (count === 0) return t("consultation.post0");
  if (count === 1) return t("consultation.post1");
  return t("consultation.posts", { count });
}

/** The landing page: question, stakes, themes with their discussions, the phases and
 * the step after; phase changes and new posts arrive live. */
export function ConsultationView({ id }: { id: string }) {
  const t = useT();
  const language = useStore(lang);
  const who = useStore(session);
  // Facilitators' links only for those the gateway will let through (can.ts).
  const moderator = useCan(id, "moderation.read");
  const readsParticipation = useCan(id, "consultation.participation");
  const changesPhases = useCan(id, "consultation.change_phase");
  const adapts = useCan(id, "consultation.adapt");
  const managesVotes = useCan(id, "vote_session.manage");
  const [announcement, setAnnouncement] = useState("");
  // The consultation's texts as written (?original=true), when the reader asks for them.
  const [showOriginal, setShowOriginal] = useState(false);
  // The page's one stream, passed on to the survey (one connection, not one per section).
  const live = useMemo(() => new Store<LiveEvent | null>(null), [id]);
  const loaded = useLoad(async () => {
    const [consultation, threads] = await Promise.all([
      api.GET("/v1/consultations/{consultation_id}", {
        params: { path: { consultation_id: id }, query: showOriginal ? { original: true } : {} },
      }).then(ok),
      api.GET("/v1/consultations/{consultation_id}/threads", {
        params: { path: { consultation_id: id }, query: { kind: "discussion", limit: 100 } },
      }).then(ok),
    ]);
    return { consultation, threads: threads.items };
  }, [language, who?.accountId, showOriginal], id);
  useScreenFocus(Boolean(loaded.data));

  useEffect(() => subscribe(id, language, (event) => {
    live.set(event);
    if (event.type === "consultation.phase_changed") {
      const phase = String(event.data.current_phase ?? "");
      const name = translate(lang.value, `phase.${phase}` as "phase.ideation");
      if (phase) setAnnouncement(translate(lang.value, "phase.changed", { phase: name }));
      loaded.reload();
    } else if (event.type === "post.created") {
      const post = event.data.post as { thread_id?: string } | undefined;
      loaded.set((data) => ({
        ...data,
        threads: data.threads.map((th) => (th.id === post?.thread_id ? { ...th, post_count: th.post_count + 1 } : th)),
      }));
    }
  }), [id, language]);

  useEffect(() => {
    if (loaded.data) document.title = `${loaded.data.consultation.title} · Agora`;
  }, [loaded.data]);

  if (loaded.error !== null && !loaded.data) return <ErrorNote error={loaded.error} onRetry={loaded.reload} />;
  if (!loaded.data) return <p>{t("loading")}</p>;
  const { consultation, threads } = loaded.data;
  // Each text says its language: a version's, or the original's for those it leaves empty.
  const written = (field: string) => (consultation.as_written.includes(field) ? consultation.original_language : consultation.language);
  return (
    <>
      <p class="live-region" role="status" aria-live="polite">{announcement}</p>
      {loaded.error !== null && <ErrorNote error={loaded.error} onRetry={loaded.reload} />}
      <h1 tabIndex={-1} lang={consultation.language}>{consultation.title}</h1>
      {(consultation.translated || showOriginal) && (
        <p class="translation muted">
          {t(showOriginal ? "consultationTexts.original" : "consultationTexts.translated",
            { language: languageName(language, consultation.original_language) })}{" "}
          <button type="button" class="link" aria-pressed={showOriginal}
            onClick={() => setShowOriginal(!showOriginal)}>
            {t("translation.showOriginal")}
          </button>
        </p>
      )}
      {consultation.question && (
        <section aria-labelledby="question" class="question">
          <h2 id="question">{t("consultation.question")}</h2>
          <p class="lead" lang={written("question")}>{consultation.question}</p>
        </section>
      )}
      {consultation.description && (
        <section aria-labelledby="stakes">
          <h2 id="stakes">{t("consultation.stakes")}</h2>
          <p class="prose" lang={written("description")}>{consultation.description}</p>
        </section>
      )}
      <section aria-labelledby="timeline">
        <h2 id="timeline">{t("consultation.timeline")}</h2>
        <PhaseTimeline consultation={consultation} />
      </section>
      {(consultation.current_phase === "prioritisation" || consultation.current_phase === "deliverable" || who) && (
        <section aria-labelledby="act">
          <h2 id="act">{t("consultation.act")}</h2>
          <ul class="act">
            {consultation.current_phase === "prioritisation" && <li><a href={href.vote(consultation.id)}>{t("consultation.vote")}</a></li>}
            {consultation.current_phase === "deliverable" && <li><a href={href.vote(consultation.id)}>{t("consultation.results")}</a></li>}
            <li><a href={href.syntheses(consultation.id)}>{t("consultation.syntheses")}</a></li>
            <li><a href={href.deliverable(consultation.id)}>{t("deliverable.link")}</a></li>
            {moderator && <li><a href={href.moderation(consultation.id)}>{t("consultation.moderation")}</a></li>}
            {who && <li><a href={href.ideas(consultation.id)}>{t("ideas.link")}</a></li>}
            {readsParticipation && <li><a href={href.participation(consultation.id)}>{t("participation.link")}</a></li>}
            {changesPhases && <li><a href={href.phases(consultation.id)}>{t("phases.link")}</a></li>}
            {adapts && consultation.languages.length > 1 && <li><a href={href.texts(consultation.id)}>{t("texts.link")}</a></li>}
            {managesVotes && <li><a href={href.voteAdmin(consultation.id)}>{t("votes.link")}</a></li>}
          </ul>
        </section>
      )}
      {surveyOpen(consultation) && <Survey consultation={consultation} live={live} />}
      <section aria-labelledby="themes">
        <h2 id="themes">{t("consultation.themes")}</h2>
        <Themes consultation={consultation} threads={threads} t={t} written={written} />
      </section>
      {who && (
        <section aria-labelledby="me">
          <h2 id="me">{t("pseudonym.title")}</h2>
          <Pseudonym consultationId={consultation.id} />
        </section>
      )}
      {consultation.step_after && (
        <section aria-labelledby="after">
          <h2 id="after">{t("consultation.stepAfter")}</h2>
          <p class="prose" lang={written("step_after")}>{consultation.step_after}</p>
        </section>
      )}
    </>
  );
}

function Themes({ consultation, threads, t, written }: {
  consultation: Consultation; threads: Thread[]; t: T; written: (field: string) => string;
}) {
  return (
    <div class="themes">
      {consultation.themes.map((theme, i) => {
        const mine = threads.filter((th) => th.theme_id === theme.id);
        return (
          <section key={theme.id} class="theme" aria-labelledby={`theme-${theme.id}`}>
            <h3 id={`theme-${theme.id}`} lang={written(`themes.${i}.title`)}>{theme.title}</h3>
            {mine.length === 0 ? <p class="muted">{t("consultation.noThreads")}</p> : (
              <ul class="threads">
                {mine.map((th) => (
                  <li key={th.id}>
                    <a href={href.thread(th.id)}>{th.title}</a>{" "}
                    <span class="muted">({postCount(t, th.post_count)})</span>
                  </li>
                ))}
              </ul>
            )}
          </section>
        );
      })}
    </div>
  );
}
