// The signed-in participant: identity's token pair, kept for this tab (sessionStorage),
// never in a URL. The access token lives 5 minutes; api/client.ts refreshes it on a 401.
import { Store } from "./store";

export interface Session {
  accessToken: string;
  refreshToken: string;
  accountId: string;
  email: string;
}

const KEY = "agora.session";

function restored(): Session | null {
  try {
    const raw = sessionStorage.getItem(KEY);
    return raw ? (JSON.parse(raw) as Session) : null;
  } catch {
    return null;
  }
}

export const session = new Store<Session | null>(restored());

session.subscribe((value) => {
  if (value) sessionStorage.setItem(KEY, JSON.stringify(value));
  else sessionStorage.removeItem(KEY);
});
