import { useState } from "preact/hooks";
import { api, ok, type Consultation, type Schemas } from "../api/client";
import { lang, useT, type T } from "../i18n";
import { useStore } from "../store";
import { Refusal } from "../components/Refusal";

type Texts = Record<string, string>;
type Body = Schemas["VoteSessionCreate"];

interface GaugeDraft { question: Texts; kind: "scale" | "choices"; min: string; max: string; unit: string; choices: Texts }
interface CategoryDraft { name: Texts; color: string; total: string; cap: string }
interface ProposalDraft { title: Texts; description: Texts; gauge: GaugeDraft | null }
interface Draft {
  instructions: Texts; categories: CategoryDraft[]; proposals: ProposalDraft[];
  exclusive: boolean; live: boolean; shuffle: boolean;
}

const COLOURS = ["#2e7d32", "#c62828", "#1565c0", "#6a1b9a", "#ef6c00"];
const category = (i: number): CategoryDraft => ({ name: {}, color: COLOURS[i % COLOURS.length]!, total: "5", cap: "0" });
const proposal = (): ProposalDraft => ({ title: {}, description: {}, gauge: null });
const gauge = (): GaugeDraft => ({ question: {}, kind: "scale", min: "0", max: "10", unit: "", choices: {} });
const blank = (): Draft => ({ instructions: {}, categories: [category(0)], proposals: [proposal(), proposal()],
  exclusive: false, live: false, shuffle: false });

/** Texts without the languages left blank: the API wants each given text non-blank. */
function filled(texts: Texts): Texts {
  return Object.fromEntries(Object.entries(texts).map(([k, v]) => [k, v.trim()]).filter(([, v]) => v));
}

/** A typed number, or the text itself when it is not one: the API names the bad field. */
function integer(raw: string): number {
  return raw.trim() === "" ? Number.NaN : Number(raw);
}

function bodyOf(draft: Draft, languages: string[]): Body {
  return {
    instructions: filled(draft.instructions),
    categories: draft.categories.map((c) => ({
      name: filled(c.name), color: c.color, total_number: integer(c.total), max_per_proposal: integer(c.cap || "0"),
    })),
    exclusive_categories: draft.exclusive, live_results: draft.live, shuffle_proposals: draft.shuffle,
    proposals: draft.proposals.map((p) => ({
      title: filled(p.title), description: filled(p.description),
      gauges: p.gauge ? [p.gauge.kind === "scale"
        ? { question: filled(p.gauge.question), min: integer(p.gauge.min), max: integer(p.gauge.max), unit: p.gauge.unit.trim() }
        : { question: filled(p.gauge.question), choices: choicesOf(p.gauge.choices, languages) }] : [],
    })),
  };
}

/** Choices typed one per line per language, matched by line. */
function choicesOf(lines: Texts, languages: string[]): { label: Texts }[] {
  const split = Object.fromEntries(languages.map((l) => [l, (lines[l] ?? "").split("\n").map((s) => s.trim())]));
  const count = Math.max(0, ...languages.map((l) => split[l]!.filter(Boolean).length));
  return Array.from({ length: count }, (_, i) => ({
    label: filled(Object.fromEntries(languages.map((l) => [l, split[l]![i] ?? ""]))),
  }));
}

/** One key per submission: a retried send (a 503) is one session, a corrected one a new
 * one. getRandomValues, as crypto.randomUUID exists only in secure contexts. */
function idempotencyKey(): string {
  return Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, "0")).join("");
}

export function languageName(display: string, code: string): string {
  try {
    return new Intl.DisplayNames([display], { type: "language" }).of(code) ?? code;
  } catch {
    return code;
  }
}

/** One input (or text area) per language of the consultation, for one localized text. */
function Localized({ id, label, texts, languages, long, onChange }: {
  id: string; label: string; texts: Texts; languages: string[]; long?: boolean; onChange: (texts: Texts) => void;
}) {
  const display = useStore(lang);
  return (
    <>
      {languages.map((l) => {
        const field = `${id}-${l}`;
        const props = { id: field, lang: l, value: texts[l] ?? "",
          onInput: (e: { currentTarget: { value: string } }) => onChange({ ...texts, [l]: e.currentTarget.value }) };
        return (
          <div key={l}>
            <label for={field}>{label} ({languageName(display, l)})</label>
            {long ? <textarea rows={2} {...props} /> : <input type="text" {...props} />}
          </div>
        );
      })}
    </>
  );
}

/** A new session, created as a draft (POST …/vote-sessions): instructions, token
 * categories, proposals (each with an optional gauge), all in the consultation's
 * languages. The API validates everything and its refusal is shown field by field. */
export function SessionForm({ consultation, t, onCreated }: {
  consultation: Consultation; t: T; onCreated: () => void;
}) {
  useT();
  const languages = consultation.languages.length ? consultation.languages : ["en"];
  const [draft, setDraft] = useState<Draft>(blank);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);

  const update = (change: Partial<Draft>) => setDraft((d) => ({ ...d, ...change }));
  const setCategory = (i: number, change: Partial<CategoryDraft>) =>
    update({ categories: draft.categories.map((c, j) => (j === i ? { ...c, ...change } : c)) });
  const setProposal = (i: number, change: Partial<ProposalDraft>) =>
    update({ proposals: draft.proposals.map((p, j) => (j === i ? { ...p, ...change } : p)) });
  const setGauge = (i: number, change: Partial<GaugeDraft>) =>
    setProposal(i, { gauge: { ...draft.proposals[i]!.gauge!, ...change } });

  async function submit(event: Event) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      ok(await api.POST("/v1/consultations/{consultation_id}/vote-sessions", {
        params: { path: { consultation_id: consultation.id }, header: { "Idempotency-Key": idempotencyKey() } },
        body: bodyOf(draft, languages),
      }));
      setDraft(blank());
      onCreated();
    } catch (caught) {
      setError(caught);
      document.getElementById("session-form-error")?.focus();
    } finally {
      setBusy(false);
    }
  }

  return (
    <form class="session-form" onSubmit={submit} noValidate>
      <p class="hint">{t("votes.formIntro")}</p>
      <Localized id="instructions" label={t("votes.instructions")} texts={draft.instructions} languages={languages} long
        onChange={(instructions) => update({ instructions })} />

      <h3>{t("votes.categories")}</h3>
      {draft.categories.map((c, i) => (
        <fieldset key={i} class="draft-item">
          <legend>{t("votes.category", { number: i + 1 })}</legend>
          <Localized id={`category-${i}-name`} label={t("votes.categoryName")} texts={c.name} languages={languages}
            onChange={(name) => setCategory(i, { name })} />
          <div class="numbers">
            <div>
              <label for={`category-${i}-color`}>{t("votes.colour")}</label>
              <input id={`category-${i}-color`} type="color" value={c.color} onInput={(e) => setCategory(i, { color: e.currentTarget.value })} />
            </div>
            <div>
              <label for={`category-${i}-total`}>{t("votes.total")}</label>
              <input id={`category-${i}-total`} type="number" inputMode="numeric" min={1} step={1} value={c.total}
                onInput={(e) => setCategory(i, { total: e.currentTarget.value })} />
            </div>
            <div>
              <label for={`category-${i}-cap`}>{t("votes.cap")}</label>
              <input id={`category-${i}-cap`} type="number" inputMode="numeric" min={0} step={1} value={c.cap}
                onInput={(e) => setCategory(i, { cap: e.currentTarget.value })} />
            </div>
          </div>
          {draft.categories.length > 1 && (
            <button type="button" class="link" onClick={() => update({ categories: draft.categories.filter((_, j) => j !== i) })}>
              {t("votes.removeCategory", { number: i + 1 })}
            </button>
          )}
        </fieldset>
      ))}
      {draft.categories.length < 5 && (
        <button type="button" onClick={() => update({ categories: [...draft.categories, category(draft.categories.length)] })}>
          {t("votes.addCategory")}
        </button>
      )}

      <h3>{t("vote.proposals")}</h3>
      {draft.proposals.map((p, i) => (
        <fieldset key={i} class="draft-item">
          <legend>{t("votes.proposal", { number: i + 1 })}</legend>
          <Localized id={`proposal-${i}-title`} label={t("votes.proposalTitle")} texts={p.title} languages={languages}
            onChange={(title) => setProposal(i, { title })} />
          <Localized id={`proposal-${i}-description`} label={t("votes.proposalDescription")} texts={p.description}
            languages={languages} long onChange={(description) => setProposal(i, { description })} />
          {p.gauge ? (
            <fieldset class="gauge-draft">
              <legend>{t("votes.gauge", { number: i + 1 })}</legend>
              <Localized id={`proposal-${i}-gauge`} label={t("votes.gaugeQuestion")} texts={p.gauge.question}
                languages={languages} onChange={(question) => setGauge(i, { question })} />
              <label for={`proposal-${i}-gauge-kind`}>{t("votes.gaugeKind")}</label>
              <select id={`proposal-${i}-gauge-kind`} value={p.gauge.kind}
                onChange={(e) => setGauge(i, { kind: e.currentTarget.value as GaugeDraft["kind"] })}>
                <option value="scale">{t("votes.gaugeScale")}</option>
                <option value="choices">{t("votes.gaugeChoices")}</option>
              </select>
              {p.gauge.kind === "scale" ? (
                <div class="numbers">
                  {(["min", "max", "unit"] as const).map((field) => (
                    <div key={field}>
                      <label for={`proposal-${i}-gauge-${field}`}>{t(`votes.gauge.${field}`)}</label>
                      <input id={`proposal-${i}-gauge-${field}`} type={field === "unit" ? "text" : "number"}
                        value={p.gauge![field]} onInput={(e) => setGauge(i, { [field]: e.currentTarget.value })} />
                    </div>
                  ))}
                </div>
              ) : (
                <Localized id={`proposal-${i}-gauge-choices`} label={t("votes.gaugeChoiceLines")} texts={p.gauge.choices}
                  languages={languages} long onChange={(choices) => setGauge(i, { choices })} />
              )}
              <button type="button" class="link" onClick={() => setProposal(i, { gauge: null })}>{t("votes.removeGauge", { number: i + 1 })}</button>
            </fieldset>
          ) : (
            <button type="button" onClick={() => setProposal(i, { gauge: gauge() })}>{t("votes.addGauge", { number: i + 1 })}</button>
          )}
          {draft.proposals.length > 1 && (
            <button type="button" class="link" onClick={() => update({ proposals: draft.proposals.filter((_, j) => j !== i) })}>
              {t("votes.removeProposal", { number: i + 1 })}
            </button>
          )}
        </fieldset>
      ))}
      <button type="button" onClick={() => update({ proposals: [...draft.proposals, proposal()] })}>{t("votes.addProposal")}</button>

      <h3>{t("votes.options")}</h3>
      {([["exclusive", "votes.exclusive"], ["live", "votes.live"], ["shuffle", "votes.shuffle"]] as const).map(([field, label]) => (
        <label key={field} class="check">
          <input type="checkbox" checked={draft[field]} onChange={(e) => update({ [field]: e.currentTarget.checked })} />
          {t(label)}
        </label>
      ))}
      <div id="session-form-error" tabIndex={-1}>
        {error !== null && <Refusal error={error} forbidden={t("votes.forbidden")} />}
      </div>
      <div class="actions">
        <button type="submit" class="primary" disabled={busy}>{busy ? t("votes.creating") : t("votes.create")}</button>
      </div>
    </form>
  );
}
