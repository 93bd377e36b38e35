// The typed client of the public API: types generated from the gateway's /openapi.json at
// build time (schema.d.ts, package.json "types"), so a route or field the API does not
// have fails the build. Same origin: no base URL, no CORS.
import createClient from "openapi-fetch";
import type { components, paths } from "./schema";
import { lang } from "../i18n";
import { session } from "../session";

export type Schemas = components["schemas"];
export type Consultation = Schemas["ConsultationPublic"];
export type Thread = Schemas["ThreadPublic"];
export type Post = Schemas["PostPublic"];
export type ReactionKind = Schemas["ReactionUpdate"]["kind"];
export type Problem = Schemas["Problem"] & { errors?: { field?: string; message?: string; loc?: unknown[] }[] };

export const REACTIONS: ReactionKind[] = ["like", "disagree", "dont_understand", "more_info"];

let refreshing: Promise<boolean> | null = null;

/** Rotate the refresh token once for every request that met an expired access token. */
async function refresh(): Promise<boolean> {
  const current = session.value;
  if (!current) return false;
  refreshing ??= (async () => {
    const reply = await fetch("/v1/sessions/refresh", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ refresh_token: current.refreshToken }),
    });
    if (!reply.ok) {
      session.set(null);
      return false;
    }
    const pair = (await reply.json()) as Schemas["TokenPairPublic"];
    session.set({ ...current, accessToken: pair.access_token, refreshToken: pair.refresh_token });
    return true;
  })().finally(() => (refreshing = null));
  return refreshing;
}

function authorised(request: Request): Request {
  const copy = new Request(request);
  copy.headers.set("Accept-Language", lang.value);
  const token = session.value?.accessToken;
  if (token && !copy.headers.has("Authorization")) copy.headers.set("Authorization", `Bearer ${token}`);
  return copy;
}

const RETRIES = 2;

/** Safe to send again: idempotent methods, and creations carrying an Idempotency-Key
 * (the API answers a retry with the first result). */
function retryable(request: Request): boolean {
  return ["GET", "HEAD", "PUT", "DELETE"].includes(request.method) || request.headers.has("Idempotency-Key");
}

function retryDelay(reply: Response, attempt: number): number {
  const seconds = Number(reply.headers.get("Retry-After"));
  return Math.min(Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : 500 * (attempt + 1), 3000);
}

/** fetch with the session's token and language; an expired token is refreshed and the
 * request sent again, once; a 503 (a service busy or restarting) is retried after its
 * Retry-After when the request is safe to repeat. */
export async function apiFetch(request: Request, attempt = 0): Promise<Response> {
  const spare = request.clone();
  let reply = await fetch(authorised(request));
  if (reply.status === 401 && session.value) {
    const before = session.value.accessToken;
    if ((await refresh()) && session.value?.accessToken !== before) reply = await fetch(authorised(spare.clone()));
  }
  if (reply.status === 503 && attempt < RETRIES && retryable(spare) && !spare.signal.aborted) {
    await new Promise((resolve) => setTimeout(resolve, retryDelay(reply, attempt)));
    return apiFetch(spare, attempt + 1);
  }
  return reply;
}

export const api = createClient<paths>({ baseUrl: "", fetch: apiFetch });

export class ApiError extends Error {
  constructor(readonly problem: Problem | null, readonly status: number) {
    super(problem?.detail ?? problem?.title ?? `HTTP ${status}`);
  }
}

/** The data of an openapi-fetch answer, or an ApiError carrying its problem+json. */
export function ok<D>(answer: { data?: D; error?: unknown; response: Response }): D {
  if (!answer.response.ok) {
    const problem = (answer.error ?? null) as Problem | null;
    throw new ApiError(problem, answer.response.status);
  }
  return answer.data as D; // undefined for a 204
}
