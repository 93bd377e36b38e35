import { useState } from "preact/hooks";
import { api, ok, type Consultation, type Schemas } from "../api/client";
import { ErrorNote } from "../components/ErrorNote";
import { Refusal } from "../components/Refusal";
import { lang, useT } from "../i18n";
import { useScreenFocus } from "../focus";
import { useLoad } from "../load";
import { href } from "../router";
import { session } from "../session";
import { useStore } from "../store";
import { languageName } from "./VoteSessionForm";

type Version = Consultation["versions"][number];
type Modules = Schemas["PhaseCreate"]["modules"];

/** The whole structure as written, to send back with new versions: PUT …/structure
 * replaces everything, so what this screen does not edit goes back unchanged. */
function structureOf(c: Consultation, versions: Version[]) {
  return {
    title: c.title, question: c.question, languages: c.languages,
    original_language: c.original_language, description: c.description,
    step_after: c.step_after, pre_moderation: c.pre_moderation,
    themes: c.themes.map((th) => ({
      id: th.id, title: th.title, sub_themes: th.sub_themes.map((s) => ({ id: s.id, title: s.title })),
    })),
    phases: c.phases.map((p) => ({ kind: p.kind, starts_at: p.starts_at, ends_at: p.ends_at, modules: p.modules as Modules })),
    versions,
  };
}

/** One language's version as the form edits it: every theme present, by position. */
function draftOf(c: Consultation, language: string): Version {
  const found = c.versions.find((v) => v.language === language);
  return {
    language, title: found?.title ?? "", question: found?.question ?? "",
    description: found?.description ?? "", step_after: found?.step_after ?? "",
    // Sub-theme titles are not edited here but kept, as the API has them (one per sub-theme).
    themes: c.themes.map((_, i) => ({
      title: found?.themes?.[i]?.title ?? "", sub_themes: found?.themes?.[i]?.sub_themes ?? [],
    })),
  };
}

/** Strategists write the consultation's texts in each of its other languages (what
 * participants then read on the landing page); a text left empty reads the original. */
export function ConsultationTextsView({ id }: { id: string }) {
  const t = useT();
  const language = useStore(lang);
  const who = useStore(session);
  const [drafts, setDrafts] = useState<Version[] | null>(null);
  const [outcome, setOutcome] = useState<{ done?: string; error?: unknown } | null>(null);
  const loaded = useLoad(() => api.GET("/v1/consultations/{consultation_id}", {
    params: { path: { consultation_id: id }, query: { original: true } },
  }).then(ok), [who?.accountId], id);
  useScreenFocus(Boolean(loaded.data));
  if (loaded.error !== null && !loaded.data) return <ErrorNote error={loaded.error} onRetry={loaded.reload} />;
  if (!loaded.data) return <p>{t("loading")}</p>;
  const consultation = loaded.data;
  const others = consultation.languages.filter((l) => l !== consultation.original_language);
  const current = drafts ?? others.map((l) => draftOf(consultation, l));

  function edit(index: number, change: Partial<Version>) {
    setDrafts(current.map((d, i) => (i === index ? { ...d, ...change } : d)));
  }

  async function save(event: Event) {
    event.preventDefault();
    setOutcome(null);
    // A language whose title is still empty has no version yet: it reads the original.
    const versions = current.filter((d) => d.title.trim() !== "")
      .map((d) => ({ ...d, themes: d.themes?.some((th) => th.title || th.sub_themes?.some(Boolean)) ? d.themes : [] }));
    try {
      const saved = ok(await api.PUT("/v1/consultations/{consultation_id}/structure", {
        params: { path: { consultation_id: id } }, body: structureOf(consultation, versions),
      }));
      loaded.set(() => saved);
      setDrafts(null);
      setOutcome({ done: t("texts.saved") });
    } catch (caught) {
      setOutcome({ error: caught });
    }
  }

  return (
    <>
      <p><a href={href.consultation(id)}>{t("texts.back")}</a></p>
      <h1 tabIndex={-1}>{t("texts.title")}</h1>
      <p>{t("texts.intro", { language: languageName(language, consultation.original_language) })}</p>
      {others.length === 0 ? <p class="muted">{t("texts.none")}</p> : (
        <form class="texts-form" onSubmit={save} aria-describedby="texts-outcome">
          {current.map((draft, i) => {
            const name = languageName(language, draft.language);
            const at = `texts-${draft.language}`;
            return (
              <fieldset key={draft.language} lang={draft.language}>
                <legend lang={language}>{name}</legend>
                <label for={`${at}-title`} lang={language}>{t("texts.field.title")}</label>
                <input id={`${at}-title`} value={draft.title} maxLength={200}
                  placeholder={consultation.title}
                  onInput={(e) => edit(i, { title: (e.target as HTMLInputElement).value })} />
                <label for={`${at}-question`} lang={language}>{t("texts.field.question")}</label>
                <input id={`${at}-question`} value={draft.question} maxLength={500}
                  placeholder={consultation.question}
                  onInput={(e) => edit(i, { question: (e.target as HTMLInputElement).value })} />
                <label for={`${at}-description`} lang={language}>{t("texts.field.description")}</label>
                <textarea id={`${at}-description`} value={draft.description} maxLength={5000} rows={3}
                  onInput={(e) => edit(i, { description: (e.target as HTMLTextAreaElement).value })} />
                <label for={`${at}-step`} lang={language}>{t("texts.field.stepAfter")}</label>
                <textarea id={`${at}-step`} value={draft.step_after} maxLength={5000} rows={2}
                  onInput={(e) => edit(i, { step_after: (e.target as HTMLTextAreaElement).value })} />
                {consultation.themes.map((theme, j) => (
                  <div key={theme.id}>
                    <label for={`${at}-theme-${j}`} lang={language}>
                      {t("texts.field.theme", { theme: theme.title })}
                    </label>
                    <input id={`${at}-theme-${j}`} value={draft.themes?.[j]?.title ?? ""} maxLength={200}
                      onInput={(e) => edit(i, {
                        themes: (draft.themes ?? []).map((th, k) => (k === j
                          ? { ...th, title: (e.target as HTMLInputElement).value } : th)),
                      })} />
                  </div>
                ))}
              </fieldset>
            );
          })}
          <button type="submit">{t("texts.save")}</button>
          <div id="texts-outcome">
            {outcome?.done && <p role="status">{outcome.done}</p>}
            {outcome?.error !== undefined && <Refusal error={outcome.error} forbidden={t("texts.forbidden")} />}
          </div>
        </form>
      )}
    </>
  );
}
