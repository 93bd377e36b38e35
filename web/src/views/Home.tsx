import { useState } from "preact/hooks";
import { api, ok, type Consultation } from "../api/client";
import { ErrorNote } from "../components/ErrorNote";
import { lang, useT } from "../i18n";
import { useScreenFocus } from "../focus";
import { useLoad } from "../load";
import { href } from "../router";
import { session } from "../session";
import { useStore } from "../store";

async function page(cursor?: string) {
  return ok(await api.GET("/v1/consultations", { params: { query: { limit: 50, cursor } } }));
}

/** The consultations open to the reader (an account sees those it may enter). */
export function Home() {
  const t = useT();
  const language = useStore(lang);
  const who = useStore(session);
  const [moreError, setMoreError] = useState<unknown>(null);
  const list = useLoad(async () => {
    const first = await page();
    return { items: first.items as Consultation[], cursor: first.next_cursor ?? null };
  }, [language, who?.accountId]);
  useScreenFocus(Boolean(list.data));

  async function more() {
    const cursor = list.data?.cursor;
    if (!cursor) return;
    setMoreError(null);
    try {
      const next = await page(cursor);
      list.set((d) => ({ items: [...d.items, ...next.items], cursor: next.next_cursor ?? null }));
    } catch (caught) {
      setMoreError(caught);
    }
  }

  return (
    <>
      <h1 tabIndex={-1}>{t("home.title")}</h1>
      {list.error !== null && <ErrorNote error={list.error} onRetry={list.reload} />}
      {!list.data && list.error === null && <p>{t("loading")}</p>}
      {list.data && list.data.items.length === 0 && <p>{t("home.empty")}</p>}
      {list.data && (
        <ul class="cards">
          {list.data.items.map((c) => (
            <li key={c.id} class="card">
              <h2><a href={href.consultation(c.id)}>{c.title}</a></h2>
              {c.question && <p>{c.question}</p>}
            </li>
          ))}
        </ul>
      )}
      {list.data?.cursor && <button type="button" onClick={more}>{t("home.more")}</button>}
      {moreError !== null && <ErrorNote error={moreError} />}
    </>
  );
}
