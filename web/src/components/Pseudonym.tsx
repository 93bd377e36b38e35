import { useState } from "preact/hooks";
import { api, ok } from "../api/client";
import { useT } from "../i18n";
import { useLoad } from "../load";
import { ErrorNote } from "./ErrorNote";

export type Self = Awaited<ReturnType<typeof readSelf>>;

export async function readSelf(consultationId: string) {
  return ok(await api.GET("/v1/consultations/{consultation_id}/pseudonym", {
    params: { path: { consultation_id: consultationId } },
  }));
}

/** How the signed-in participant appears in this consultation, and a pseudonym to
 * appear under instead (identity checks it: length, look-alikes, uniqueness). */
export function Pseudonym({ consultationId }: { consultationId: string }) {
  const t = useT();
  const self = useLoad(() => readSelf(consultationId), [], consultationId);
  const [value, setValue] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [saved, setSaved] = useState(false);
  const [busy, setBusy] = useState(false);

  async function save(event: Event) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    setSaved(false);
    try {
      ok(await api.PUT("/v1/consultations/{consultation_id}/pseudonym", {
        params: { path: { consultation_id: consultationId } },
        body: { pseudonym: (value ?? "").trim() },
      }));
      self.reload();
      setValue(null);
      setSaved(true);
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  }

  if (!self.data) return self.error !== null ? <ErrorNote error={self.error} onRetry={self.reload} /> : null;
  const shown = self.data.author_name ?? t("thread.participant", { key: (self.data.author_key ?? "").slice(0, 6) });
  return (
    <form class="pseudonym" onSubmit={save}>
      <p>{t("pseudonym.current")} <strong>{shown}</strong></p>
      <label for="pseudonym">{t("pseudonym.label")}</label>
      <div class="inline">
        <input id="pseudonym" maxLength={40} autoComplete="off" aria-describedby="pseudonym-hint"
          value={value ?? self.data.pseudonym ?? ""} onInput={(e) => setValue(e.currentTarget.value)} />
        <button type="submit" disabled={busy}>{t("pseudonym.save")}</button>
      </div>
      <p id="pseudonym-hint" class="hint">{t("pseudonym.hint")}</p>
      {saved && <p role="status">{t("pseudonym.saved")}</p>}
      {error !== null && <ErrorNote error={error} />}
    </form>
  );
}
