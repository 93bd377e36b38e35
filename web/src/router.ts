// Hash routes (#/c/<id>, #/c/<id>/vote, #/c/<id>/moderation, #/c/<id>/syntheses[/<id>], #/c/<id>/ideas, #/c/<id>/syntheses/{new,<id>/edit}, #/c/<id>/deliverable, #/t/<id>, #/t/<id>/harvest, ...): the gateway serves one document at /, so a reload
// or a shared link lands on the same screen without server-side routes.
import { ssoReturn } from "./sso";
import { Store } from "./store";

export type Route =
  | { name: "home" }
  | { name: "consultation"; id: string }
  | { name: "thread"; id: string }
  | { name: "vote"; id: string }
  | { name: "moderation"; id: string }
  | { name: "ideas"; id: string }
  | { name: "participation"; id: string }
  | { name: "harvest"; id: string }
  | { name: "syntheses"; id: string }
  | { name: "synthesis"; id: string; synthesisId: string }
  | { name: "phases"; id: string }
  | { name: "texts"; id: string }
  | { name: "vote-admin"; id: string }
  | { name: "synthesis-editor"; id: string; synthesisId: string | null }
  | { name: "deliverable"; id: string }
  | { name: "login"; back: string }
  | { name: "signup"; back: string }
  | { name: "sso" }
  | { name: "not-found" };

const ID = "([0-9a-f]{24})";

export function parse(hash: string): Route {
  const path = hash.replace(/^#/, "") || "/";
  const [pathname, query = ""] = path.split("?", 2) as [string, string?];
  const back = new URLSearchParams(query).get("back") ?? "#/";
  let match: RegExpMatchArray | null;
  if (pathname === "/") return { name: "home" };
  if ((match = pathname.match(new RegExp(`^/c/${ID}$`)))) return { name: "consultation", id: match[1]! };
  if ((match = pathname.match(new RegExp(`^/c/${ID}/vote$`)))) return { name: "vote", id: match[1]! };
  if ((match = pathname.match(new RegExp(`^/c/${ID}/moderation$`)))) return { name: "moderation", id: match[1]! };
  if ((match = pathname.match(new RegExp(`^/c/${ID}/syntheses$`)))) return { name: "syntheses", id: match[1]! };
  if ((match = pathname.match(new RegExp(`^/c/${ID}/syntheses/${ID}$`)))) return { name: "synthesis", id: match[1]!, synthesisId: match[2]! };
  if ((match = pathname.match(new RegExp(`^/c/${ID}/syntheses/(?:new|${ID}/edit)$`)))) return { name: "synthesis-editor", id: match[1]!, synthesisId: match[2] ?? null };
  if ((match = pathname.match(new RegExp(`^/c/${ID}/deliverable$`)))) return { name: "deliverable", id: match[1]! };
  if ((match = pathname.match(new RegExp(`^/t/${ID}$`)))) return { name: "thread", id: match[1]! };
  if ((match = pathname.match(new RegExp(`^/c/${ID}/(ideas|participation)$`)))) return { name: match[2] as "ideas" | "participation", id: match[1]! };
  if ((match = pathname.match(new RegExp(`^/t/${ID}/harvest$`)))) return { name: "harvest", id: match[1]! };
  if ((match = pathname.match(new RegExp(`^/c/${ID}/(phases|vote-admin)$`)))) return { name: match[2] as "phases" | "vote-admin", id: match[1]! };
  if ((match = pathname.match(new RegExp(`^/c/${ID}/texts$`)))) return { name: "texts", id: match[1]! };
  if (pathname === "/login") return { name: "login", back };
  if (pathname === "/signup") return { name: "signup", back };
  return { name: "not-found" };
}

// Opened by the single sign-on provider's redirect (code and state in the query): finish it.
export const route = new Store<Route>(ssoReturn() ? { name: "sso" } : parse(location.hash));
window.addEventListener("hashchange", () => route.set(parse(location.hash)));

export const href = {
  consultation: (id: string) => `#/c/${id}`,
  thread: (id: string) => `#/t/${id}`,
  vote: (consultationId: string) => `#/c/${consultationId}/vote`,
  moderation: (consultationId: string) => `#/c/${consultationId}/moderation`,
  ideas: (consultationId: string) => `#/c/${consultationId}/ideas`,
  participation: (consultationId: string) => `#/c/${consultationId}/participation`,
  harvest: (threadId: string) => `#/t/${threadId}/harvest`,
  syntheses: (consultationId: string) => `#/c/${consultationId}/syntheses`,
  synthesis: (consultationId: string, synthesisId: string) => `#/c/${consultationId}/syntheses/${synthesisId}`,
  phases: (consultationId: string) => `#/c/${consultationId}/phases`,
  texts: (consultationId: string) => `#/c/${consultationId}/texts`,
  voteAdmin: (consultationId: string) => `#/c/${consultationId}/vote-admin`,
  synthesisEditor: (consultationId: string, synthesisId: string | null) =>
    `#/c/${consultationId}/syntheses/${synthesisId ? `${synthesisId}/edit` : "new"}`,
  deliverable: (consultationId: string) => `#/c/${consultationId}/deliverable`,
  login: (back: string) => `#/login?back=${encodeURIComponent(back)}`,
  signup: (back: string) => `#/signup?back=${encodeURIComponent(back)}`,
};

export function go(target: string): void {
  location.hash = target.replace(/^#/, "");
}
