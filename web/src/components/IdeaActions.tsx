import { useState } from "preact/hooks";
import { api, ApiError, ok, type Schemas } from "../api/client";
import { useT } from "../i18n";
import { ErrorNote } from "./ErrorNote";

type Idea = Schemas["IdeaPublic"];
type Status = Schemas["IdeaStatusUpdate"]["status"];

export interface Done {
  message: string;
}

const STATUS_BUTTONS: { status: Status; label: "ideas.retain" | "ideas.setAside" | "ideas.propose" }[] = [
  { status: "retained", label: "ideas.retain" },
  { status: "set_aside", label: "ideas.setAside" },
  { status: "proposed", label: "ideas.propose" },
];

/** What an idea catcher or synthesiser may do with one idea of the table: change its
 * status (PUT …/status), merge it into another current idea of its theme
 * (POST …/merge), or undo its merge (DELETE …/merge). The API authorises and refuses;
 * a refusal is shown under the idea in words, with its detail. */
export function IdeaActions({ idea, ideas, onDone }: { idea: Idea; ideas: Idea[]; onDone: (done: Done) => void }) {
  const t = useT();
  const [into, setInto] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const path = { consultation_id: idea.consultation_id, idea_id: idea.id };
  const targets = ideas.filter((i) => i.id !== idea.id && i.theme_id === idea.theme_id && i.status !== "merged");
  const selectId = `merge-${idea.id}`;

  async function act(run: () => Promise<string>) {
    setBusy(true);
    setError(null);
    try {
      onDone({ message: await run() });
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  }

  const setStatus = (status: Status) => act(async () => {
    ok(await api.PUT("/v1/consultations/{consultation_id}/ideas/{idea_id}/status", {
      params: { path }, body: { status },
    }));
    return t(`ideas.done.${status}`, { idea: idea.title });
  });

  const merge = (event: Event) => {
    event.preventDefault();
    const target = targets.find((i) => i.id === into);
    if (!target) return;
    void act(async () => {
      ok(await api.POST("/v1/consultations/{consultation_id}/ideas/{idea_id}/merge", {
        params: { path }, body: { into_id: target.id },
      }));
      return t("ideas.done.merged", { idea: idea.title, into: target.title });
    });
  };

  const undo = () => act(async () => {
    ok(await api.DELETE("/v1/consultations/{consultation_id}/ideas/{idea_id}/merge", { params: { path } }));
    return t("ideas.done.unmerged", { idea: idea.title });
  });

  const refusal = error !== null && (
    <div class="idea-refusal">
      {/* The API's detail says why (a role missing, an idea merged meanwhile, a cycle). */}
      {error instanceof ApiError && error.status !== 401 ? (
        <div class="error" role="alert">
          <p class="error-title">{t("ideas.refused", { idea: idea.title })}</p>
          <p>{error.message}</p>
        </div>
      ) : <ErrorNote error={error} />}
    </div>
  );

  if (idea.status === "merged") {
    return (
      <>
        <button type="button" disabled={busy} onClick={undo}>{t("ideas.undoMerge")}</button>
        {refusal}
      </>
    );
  }
  return (
    <>
      <div class="actions">
        {STATUS_BUTTONS.filter((b) => b.status !== idea.status).map((b) => (
          <button key={b.status} type="button" disabled={busy} onClick={() => setStatus(b.status)}>{t(b.label)}</button>
        ))}
      </div>
      {targets.length === 0 ? <p class="hint">{t("ideas.noTarget")}</p> : (
        <form class="merge" onSubmit={merge}>
          <label for={selectId}>{t("ideas.mergeInto", { idea: idea.title })}</label>
          <div class="actions">
            <select id={selectId} value={into} onChange={(e) => setInto(e.currentTarget.value)}>
              <option value="">{t("ideas.mergeChoose")}</option>
              {targets.map((i) => <option key={i.id} value={i.id}>{i.title}</option>)}
            </select>
            <button type="submit" disabled={busy || !into}>{t("ideas.merge")}</button>
          </div>
        </form>
      )}
      {refusal}
    </>
  );
}
