import { useEffect, useState } from "preact/hooks";
import { api, ok, type Consultation } from "../api/client";
import { Confirm } from "../components/Confirm";
import { ErrorNote } from "../components/ErrorNote";
import { Refusal } from "../components/Refusal";
import { formatDate, lang, translate, useT, type T } from "../i18n";
import { subscribe } from "../live";
import { useScreenFocus } from "../focus";
import { useLoad } from "../load";
import { href } from "../router";
import { session } from "../session";
import { useStore } from "../store";

type Phase = Consultation["phases"][number];
/** The last change's outcome, shown in the section that made it: one at a time, so a
 * success is never left beside a later refusal. */
interface Outcome { section: "advance" | "dates"; done?: string; error?: unknown }
interface SectionProps {
  consultation: Consultation; t: T; outcome: Outcome | null;
  report: (outcome: Outcome | null) => void; onChanged: (c: Consultation) => void;
}

function OutcomeNote({ outcome, t }: { outcome: Outcome | null; t: T }) {
  if (!outcome) return null;
  return outcome.error !== undefined
    ? <Refusal error={outcome.error} forbidden={t("phases.forbidden")} />
    : <p role="status">{outcome.done}</p>;
}

/** The phase an advance starts, computed as the threads service does (phases.py): the one
 * dated first after the running phase's end, or, between phases, the next one to come. */
export function nextPhase(phases: Phase[], now: number): Phase | undefined {
  const running = phases.find((p) => Date.parse(p.starts_at) <= now && now < Date.parse(p.ends_at));
  const from = running ? Date.parse(running.ends_at) : now;
  return phases.filter((p) => Date.parse(p.starts_at) >= from)
    .sort((a, b) => Date.parse(a.starts_at) - Date.parse(b.starts_at))[0];
}

/** An instant as a datetime-local input's value, in the browser's time zone. */
function localInput(iso: string): string {
  const d = new Date(iso);
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** Strategists' phase control: the calendar with its dates, advance to the next phase (after
 * a confirmation), move a phase's end or reopen an ended one. The API keeps the calendar
 * contiguous and has the last word; its refusals are shown as they come. Another
 * strategist's change arrives live, as on every participant's open page. */
export function PhaseControlView({ id }: { id: string }) {
  const t = useT();
  const language = useStore(lang);
  const who = useStore(session);
  const [announcement, setAnnouncement] = useState("");
  const [outcome, report] = useState<Outcome | null>(null);
  const loaded = useLoad(() => api.GET("/v1/consultations/{consultation_id}", {
    params: { path: { consultation_id: id } },
  }).then(ok), [language, who?.accountId], id);
  useScreenFocus(Boolean(loaded.data));

  useEffect(() => subscribe(id, language, (event) => {
    if (event.type !== "consultation.phase_changed") return;
    const phase = String(event.data.current_phase ?? "");
    if (phase) {
      setAnnouncement(translate(lang.value, "phase.changed", {
        phase: translate(lang.value, `phase.${phase}` as "phase.ideation"),
      }));
    }
    loaded.reload();
  }), [id, language]);

  useEffect(() => { document.title = `${t("phases.title")} · Agora`; }, [language]);

  if (loaded.error !== null && !loaded.data) return <ErrorNote error={loaded.error} onRetry={loaded.reload} />;
  if (!loaded.data) return <p>{t("loading")}</p>;
  const consultation = loaded.data;
  const changed = (updated: Consultation) => loaded.set(() => updated);
  return (
    <>
      <p class="live-region" role="status" aria-live="polite">{announcement}</p>
      <nav aria-label={t("vote.back")} class="crumbs">
        <a href={href.consultation(id)}>← {consultation.title}</a>
      </nav>
      <h1 tabIndex={-1}>{t("phases.title")}</h1>
      <p class="hint">{t("phases.intro")}</p>
      {consultation.phases.length === 0 ? <p>{t("consultation.unscheduled")}</p> : (
        <>
          <Calendar consultation={consultation} t={t} />
          <Advance consultation={consultation} t={t} outcome={outcome} report={report} onChanged={changed} />
          <Dates consultation={consultation} t={t} outcome={outcome} report={report} onChanged={changed} />
        </>
      )}
    </>
  );
}

function Calendar({ consultation, t }: { consultation: Consultation; t: T }) {
  const language = useStore(lang);
  const now = Date.now();
  return (
    <div class="table-wrap">
      <table class="calendar">
        <caption>{t("phases.calendar")}</caption>
        <thead>
          <tr><th scope="col">{t("phases.phase")}</th><th scope="col">{t("phases.starts")}</th>
            <th scope="col">{t("phases.ends")}</th><th scope="col">{t("phases.state")}</th></tr>
        </thead>
        <tbody>
          {consultation.phases.map((p) => {
            const current = p.kind === consultation.current_phase;
            const state = current ? "current" : Date.parse(p.ends_at) <= now ? "past" : "coming";
            return (
              <tr key={p.kind} class={current ? "current" : undefined} aria-current={current ? "step" : undefined}>
                <th scope="row">{t(`phase.${p.kind}`)}</th>
                <td>{formatDate(language, p.starts_at, true)}</td>
                <td>{formatDate(language, p.ends_at, true)}</td>
                <td>{t(`phases.state.${state}`)}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

function Advance({ consultation, t, outcome, report, onChanged }: SectionProps) {
  const [asking, setAsking] = useState(false);
  const [busy, setBusy] = useState(false);
  const next = nextPhase(consultation.phases, Date.now());
  const running = consultation.current_phase;

  async function advance() {
    setBusy(true);
    report(null);
    try {
      const updated = ok(await api.POST("/v1/consultations/{consultation_id}/phase-changes", {
        params: { path: { consultation_id: consultation.id } }, body: { change: "advance" },
      }));
      setAsking(false);
      report({ section: "advance", done: t("phases.advanced", { phase: t(`phase.${updated.current_phase ?? next?.kind ?? "ideation"}`) }) });
      onChanged(updated);
      document.getElementById("advance-result")?.focus();
    } catch (caught) {
      setAsking(false);
      report({ section: "advance", error: caught });
      document.getElementById("advance-result")?.focus();
    } finally {
      setBusy(false);
    }
  }

  return (
    <section aria-labelledby="advance" class="phase-control">
      <h2 id="advance">{t("phases.advance")}</h2>
      <p>
        {running ? t("phases.running", { phase: t(`phase.${running}`) }) : t("phases.between")}{" "}
        {next ? t("phases.next", { phase: t(`phase.${next.kind}`) }) : t("phases.last")}
      </p>
      {!asking && (
        <button id="advance-button" type="button" class="primary"
          onClick={() => { setAsking(true); report(null); }}>
          {next ? t("phases.advanceTo", { phase: t(`phase.${next.kind}`) }) : t("phases.advanceAnyway")}
        </button>
      )}
      {asking && (
        <Confirm id="advance-confirm" busy={busy}
          question={next
            ? t("phases.confirm", { from: running ? t(`phase.${running}`) : t("phases.nothing"), to: t(`phase.${next.kind}`) })
            : t("phases.confirmLast")}
          confirm={busy ? t("phases.advancing") : t("phases.yesAdvance")} cancel={t("phases.cancel")}
          onConfirm={advance}
          onCancel={() => { setAsking(false); setTimeout(() => document.getElementById("advance-button")?.focus()); }} />
      )}
      <div id="advance-result" tabIndex={-1} class="result">
        {outcome?.section === "advance" && <OutcomeNote outcome={outcome} t={t} />}
      </div>
    </section>
  );
}

function Dates({ consultation, t, outcome, report, onChanged }: SectionProps) {
  const [kind, setKind] = useState(consultation.current_phase ?? consultation.phases[0]!.kind);
  const phase = consultation.phases.find((p) => p.kind === kind) ?? consultation.phases[0]!;
  const [end, setEnd] = useState(() => localInput(phase.ends_at));
  const [busy, setBusy] = useState(false);
  // A phase that is over runs again from now (reopen); one that is not moves its end (extend).
  const change = Date.parse(phase.ends_at) <= Date.now() ? "reopen" : "extend";

  function choose(value: string) {
    const chosen = consultation.phases.find((p) => p.kind === value);
    setKind(value as typeof kind);
    if (chosen) setEnd(localInput(chosen.ends_at));
    report(null);
  }

  async function submit(event: Event) {
    event.preventDefault();
    setBusy(true);
    report(null);
    try {
      const when = new Date(end);
      const updated = ok(await api.POST("/v1/consultations/{consultation_id}/phase-changes", {
        params: { path: { consultation_id: consultation.id } },
        // An unreadable date is sent as it is typed: the API says what is wrong with it.
        body: { change, phase: kind, ends_at: Number.isNaN(when.getTime()) ? end : when.toISOString() },
      }));
      report({ section: "dates", done: t("phases.saved", { phase: t(`phase.${kind}`) }) });
      onChanged(updated);
      const moved = updated.phases.find((p) => p.kind === kind);
      if (moved) setEnd(localInput(moved.ends_at));
    } catch (caught) {
      report({ section: "dates", error: caught });
    } finally {
      setBusy(false);
      document.getElementById("dates-result")?.focus();
    }
  }

  return (
    <section aria-labelledby="dates" class="phase-control">
      <h2 id="dates">{t("phases.dates")}</h2>
      <p class="hint">{t("phases.datesIntro")}</p>
      <form onSubmit={submit} noValidate>
        <label for="phase-kind">{t("phases.phase")}</label>
        <select id="phase-kind" value={kind} onChange={(e) => choose(e.currentTarget.value)}>
          {consultation.phases.map((p) => <option key={p.kind} value={p.kind}>{t(`phase.${p.kind}`)}</option>)}
        </select>
        <label for="phase-end">{t("phases.newEnd")}</label>
        <input id="phase-end" type="datetime-local" value={end} aria-describedby="phase-change-kind"
          onInput={(e) => setEnd(e.currentTarget.value)} />
        <p id="phase-change-kind" class="hint">{t(change === "reopen" ? "phases.willReopen" : "phases.willExtend")}</p>
        <div class="actions">
          <button type="submit" disabled={busy}>{t(change === "reopen" ? "phases.reopen" : "phases.extend")}</button>
        </div>
      </form>
      <div id="dates-result" tabIndex={-1} class="result">
        {outcome?.section === "dates" && <OutcomeNote outcome={outcome} t={t} />}
      </div>
    </section>
  );
}
