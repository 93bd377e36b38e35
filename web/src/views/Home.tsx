import { api, ok } from "../api/client";
import { ErrorNote } from "../components/ErrorNote";
import { useT } from "../i18n";
import { useLoad } from "../load";
import { href } from "../router";
import { lang } from "../i18n";
import { useStore } from "../store";
import { session } from "../session";

/** The consultations open to the reader (an account sees those it may enter). */
export function Home() {
  const t = useT();
  const language = useStore(lang);
  const who = useStore(session);
  const page = useLoad(async () => ok(await api.GET("/v1/consultations", { params: { query: { limit: 50 } } })),
    [language, who?.accountId]);
  return (
    <>
      <h1 tabIndex={-1}>{t("home.title")}</h1>
      {page.error !== null && <ErrorNote error={page.error} onRetry={page.reload} />}
      {!page.data && page.error === null && <p>{t("loading")}</p>}
      {page.data && page.data.items.length === 0 && <p>{t("home.empty")}</p>}
      {page.data && (
        <ul class="cards">
          {page.data.items.map((c) => (
            <li key={c.id} class="card">
              <h2><a href={href.consultation(c.id)}>{c.title}</a></h2>
              {c.question && <p>{c.question}</p>}
            </li>
          ))}
        </ul>
      )}
    </>
  );
}
