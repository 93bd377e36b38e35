// Whether the signed-in person may do a write in a consultation, as the server decides.
// The API has no "my roles" route, and a development token's or a grant's roles are the
// gateway's to resolve, so the screen asks the write route itself with a body it refuses
// (an unknown field): the gateway authorises before it reads the body, so a 422 means
// "allowed" and a 401/403 "not allowed", and nothing is ever written.
import { useEffect, useState } from "preact/hooks";
import { apiFetch } from "./api/client";
import { session } from "./session";
import { useStore } from "./store";

export type Action = "synthesis.write" | "deliverable.write";

const ROUTES: Record<Action, (consultationId: string) => string> = {
  "synthesis.write": (id) => `/v1/consultations/${id}/syntheses`,
  "deliverable.write": (id) => `/v1/consultations/${id}/deliverables`,
};

const known = new Map<string, Promise<boolean>>();

export function can(consultationId: string, action: Action): Promise<boolean> {
  const who = session.value;
  if (!who) return Promise.resolve(false);
  const key = `${who.accountId}|${consultationId}|${action}`;
  let answer = known.get(key);
  if (!answer) {
    answer = apiFetch(new Request(ROUTES[action](consultationId), {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ probe: true }),
    })).then((reply) => reply.status === 422, () => false);
    known.set(key, answer);
    answer.then((yes) => { if (!yes) known.delete(key); }); // a role granted later shows next time
  }
  return answer;
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
