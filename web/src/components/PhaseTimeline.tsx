import type { Consultation } from "../api/client";
import { formatDate, lang, useT } from "../i18n";
import { useStore } from "../store";

/** The consultation's phases in order, the current one marked (aria-current="step"). */
export function PhaseTimeline({ consultation }: { consultation: Consultation }) {
  const t = useT();
  const language = useStore(lang);
  if (consultation.phases.length === 0) return <p>{t("consultation.unscheduled")}</p>;
  return (
    <ol class="timeline">
      {consultation.phases.map((phase) => {
        const current = phase.kind === consultation.current_phase;
        return (
          <li key={phase.kind} class={current ? "current" : undefined} aria-current={current ? "step" : undefined}>
            <span class="phase-name">{t(`phase.${phase.kind}`)}</span>
            {current && <span class="badge">{t("consultation.current")}</span>}
            <span class="phase-dates">
              {t("phase.dates", {
                start: formatDate(language, phase.starts_at),
                end: formatDate(language, phase.ends_at),
              })}
            </span>
          </li>
        );
      })}
    </ol>
  );
}
