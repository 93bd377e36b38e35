// What the signed-in person may do in a consultation, as the gateway resolves it:
// GET /v1/consultations/{id}/me gives their roles there and the actions of the permission
// table those roles allow. A screen uses it to offer only what will be let through; the
// gateway still authorises every request, so this is a hint, never a check.
import { useEffect, useState } from "preact/hooks";
import { api, ok } from "./api/client";
import { session } from "./session";
import { useStore } from "./store";

/** An action name of the gateway's permission table (services/gateway/permissions.py). */
export type Action =
  | "synthesis.write"
  | "deliverable.write"
  | "moderation.read"
  | "consultation.participation"
  | "consultation.change_phase"
  | "consultation.adapt"
  | "vote_session.manage";

// One question per reader and consultation for a while, shared by a screen's links and
// buttons; a role granted or revoked meanwhile shows within KEEP_MS.
const KEEP_MS = 30_000;
const known = new Map<string, { at: number; answer: Promise<Set<string>> }>();

function actions(consultationId: string): Promise<Set<string>> {
  const key = `${session.value?.accountId ?? "anonymous"}|${consultationId}`;
  const kept = known.get(key);
  if (kept && Date.now() - kept.at < KEEP_MS) return kept.answer;
  const answer = api.GET("/v1/consultations/{consultation_id}/me", {
    params: { path: { consultation_id: consultationId } },
  }).then(ok).then((me) => new Set(me.actions));
  known.set(key, { at: Date.now(), answer });
  answer.catch(() => known.delete(key)); // asked again next time
  return answer;
}

export function can(consultationId: string, action: Action): Promise<boolean> {
  if (!session.value) return Promise.resolve(false);
  return actions(consultationId).then((allowed) => allowed.has(action), () => false);
}

/** `can` as a hook: null until the server answered. */
export function useCan(consultationId: string, action: Action): boolean | null {
  const who = useStore(session);
  const [allowed, setAllowed] = useState<boolean | null>(null);
  useEffect(() => {
    let current = true;
    setAllowed(null);
    void can(consultationId, action).then((yes) => current && setAllowed(yes));
    return () => { current = false; };
  }, [consultationId, action, who?.accountId]);
  return allowed;
}
