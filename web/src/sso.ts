// Single sign-on with identity's OpenID Connect provider (README "SSO"): the login screen
// asks whether it is configured (GET /v1/sessions/oidc) before offering its button. The
// provider sends the browser back to OIDC_REDIRECT_URI, which for this front-end is its
// own address (`https://<gateway>/`): the page then finds `code` and `state` in its query.
import { api, ok } from "./api/client";
import { session } from "./session";

const BACK = "agora.sso.back";

export async function ssoConfig() {
  return ok(await api.GET("/v1/sessions/oidc"));
}

/** Leave for the provider; where to come back to is kept in this tab meanwhile. */
export async function startSso(back: string): Promise<void> {
  const start = ok(await api.POST("/v1/sessions/oidc"));
  sessionStorage.setItem(BACK, back);
  location.assign(start.authorization_url);
}

/** The provider's answer in this page's query, if the page was opened by it. */
export function ssoReturn(): { code: string; state: string } | null {
  const query = new URLSearchParams(location.search);
  const code = query.get("code");
  const state = query.get("state");
  return code && state ? { code, state } : null;
}

/** Exchange the code for identity's token pair and remember the session; returns where
 * the reader was. The code leaves the address bar (and history) first. */
export async function finishSso(answer: { code: string; state: string }): Promise<string> {
  history.replaceState(null, "", location.pathname);
  const back = sessionStorage.getItem(BACK) ?? "#/";
  sessionStorage.removeItem(BACK);
  const pair = ok(await api.POST("/v1/sessions/oidc/callback", { body: answer }));
  const me = ok(await api.GET("/v1/accounts/{account_id}", {
    params: { path: { account_id: "me" } },
    headers: { Authorization: `Bearer ${pair.access_token}` },
  }));
  session.set({ accessToken: pair.access_token, refreshToken: pair.refresh_token, accountId: pair.account_id, email: me.email });
  return back;
}
