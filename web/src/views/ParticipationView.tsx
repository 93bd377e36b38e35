import { useEffect, useState } from "preact/hooks";
import { api, ApiError, ok, type Schemas } from "../api/client";
import { ErrorNote } from "../components/ErrorNote";
import { formatDate, lang, useT, type T } from "../i18n";
import { useScreenFocus } from "../focus";
import { useLoad } from "../load";
import { href } from "../router";
import { session } from "../session";
import { useStore } from "../store";

type Day = Schemas["ParticipationPublic"];
const DAYS = 14;
export const LEVELS = ["contributors", "reactors", "learners"] as const;
// Bar fills with at least 3:1 contrast on white (WCAG 1.4.11) and of different lightness;
// colour is not the only carrier: bars keep the legend's order, and the table names them.
const FILLS = { contributors: "#0a4f99", reactors: "#b35900", learners: "#4d4d4d" } as const;

function isoDay(date: Date): string {
  return date.toISOString().slice(0, 10);
}

async function loadLevels(id: string, themeId: string) {
  const today = new Date();
  const first = new Date(today.getTime() - (DAYS - 1) * 86_400_000);
  const [consultation, days] = await Promise.all([
    api.GET("/v1/consultations/{consultation_id}", { params: { path: { consultation_id: id } } }).then(ok),
    api.GET("/v1/consultations/{consultation_id}/participation/days", {
      params: { path: { consultation_id: id }, query: { from: isoDay(first), to: isoDay(today), theme_id: themeId || undefined } },
    }).then(ok),
  ]);
  return { consultation, days: days.items };
}

/** Strategists' view of who takes part: contributors, reactors and learners each day, as
 * a bar chart (an SVG image with a title and description) and the same figures as a table. */
export function ParticipationView({ id }: { id: string }) {
  const t = useT();
  const language = useStore(lang);
  const who = useStore(session);
  const [themeId, setThemeId] = useState("");
  const loaded = useLoad(() => loadLevels(id, themeId), [themeId, who?.accountId], id);
  useScreenFocus(Boolean(loaded.data));
  useEffect(() => { document.title = `${t("participation.title")} · Agora`; }, [language]);

  if (loaded.error instanceof ApiError && loaded.error.status === 403) {
    return <><h1 tabIndex={-1}>{t("participation.title")}</h1><p class="notice">{t("participation.forbidden")}</p></>;
  }
  if (loaded.error !== null && !loaded.data) return <ErrorNote error={loaded.error} onRetry={loaded.reload} />;
  if (!loaded.data) return <p>{t("loading")}</p>;
  const { consultation, days } = loaded.data;
  const today = days[days.length - 1];

  return (
    <>
      <nav aria-label={t("thread.back")} class="crumbs">
        <a href={href.consultation(id)}>← {consultation.title}</a>
      </nav>
      <h1 tabIndex={-1}>{t("participation.title")}</h1>
      <p class="hint">{t("participation.intro")}</p>
      <label for="participation-theme">{t("participation.theme")}</label>
      <select id="participation-theme" value={themeId} onChange={(e) => setThemeId(e.currentTarget.value)}>
        <option value="">{t("participation.allThemes")}</option>
        {consultation.themes.map((theme) => <option key={theme.id} value={theme.id}>{theme.title}</option>)}
      </select>
      {loaded.error !== null && <ErrorNote error={loaded.error} onRetry={loaded.reload} />}
      {today && <p class="participation-today">{t("participation.total", { contributors: today.contributors, reactors: today.reactors, learners: today.learners })}</p>}
      <Chart days={days} t={t} />
      <ul class="legend" aria-hidden="true">
        {LEVELS.map((level) => (
          <li key={level}><span class="swatch" style={{ background: FILLS[level] }} />{t(`participation.${level}`)}</li>
        ))}
      </ul>
      <div class="table-wrap">
        <table class="participation">
          <caption>{t("participation.table")}</caption>
          <thead>
            <tr>
              <th scope="col">{t("participation.day")}</th>
              {LEVELS.map((level) => <th key={level} scope="col" class="count">{t(`participation.${level}`)}</th>)}
            </tr>
          </thead>
          <tbody>
            {days.map((day) => (
              <tr key={day.day}>
                <th scope="row"><time dateTime={day.day}>{formatDate(language, `${day.day}T12:00:00Z`)}</time></th>
                {LEVELS.map((level) => <td key={level} class="count">{day[level]}</td>)}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}

function Chart({ days, t }: { days: Day[]; t: T }) {
  const language = useStore(lang);
  const width = 640;
  const height = 220;
  const bottom = 40;
  const left = 32;
  const top = 10;
  const max = Math.max(1, ...days.flatMap((d) => LEVELS.map((level) => d[level])));
  const slot = (width - left) / Math.max(1, days.length);
  const bar = Math.max(2, (slot - 6) / LEVELS.length);
  const y = (value: number) => top + (height - bottom - top) * (1 - value / max);
  const short = new Intl.DateTimeFormat(language, { day: "numeric", month: "numeric", timeZone: "UTC" });
  return (
    <figure class="chart">
      <svg viewBox={`0 0 ${width} ${height}`} role="img" aria-labelledby="chart-title" aria-describedby="chart-desc" focusable="false">
        <title id="chart-title">{t("participation.chart", { days: days.length })}</title>
        <desc id="chart-desc">{t("participation.chartDesc")}</desc>
        <line x1={left} x2={width} y1={y(0)} y2={y(0)} stroke="#767676" />
        <text x={left - 4} y={y(max) + 4} text-anchor="end" font-size="12" fill="#1b1b1b">{max}</text>
        <text x={left - 4} y={y(0)} text-anchor="end" font-size="12" fill="#1b1b1b">0</text>
        {days.map((day, i) => (
          <g key={day.day}>
            {LEVELS.map((level, j) => (
              <rect key={level} x={left + i * slot + 3 + j * bar} width={bar - 1} y={y(day[level])}
                height={y(0) - y(day[level])} fill={FILLS[level]} />
            ))}
            {((days.length - 1 - i) % 2 === 0 || days.length <= 7) && (
              <text x={left + i * slot + slot / 2} y={height - bottom + 16} text-anchor="middle" font-size="11" fill="#1b1b1b">
                {short.format(new Date(`${day.day}T12:00:00Z`))}
              </text>
            )}
          </g>
        ))}
      </svg>
    </figure>
  );
}
