import { useState } from "preact/hooks";
import { api, ApiError, ok } from "../api/client";
import { ErrorNote } from "../components/ErrorNote";
import { useT } from "../i18n";
import { useScreenFocus } from "../focus";
import { go, href } from "../router";
import { session } from "../session";
import { SsoButton } from "./SsoView";

async function logIn(email: string, password: string): Promise<void> {
  const pair = ok(await api.POST("/v1/sessions", { body: { email, password } }));
  session.set({ accessToken: pair.access_token, refreshToken: pair.refresh_token, accountId: pair.account_id, email });
}

/** Identity answers a registration at once and creates the account in the background
 * (its timing reveals nothing): the first login may come a moment too early. */
async function logInOnceCreated(email: string, password: string): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await logIn(email, password);
    } catch (caught) {
      if (!(caught instanceof ApiError) || caught.status !== 401 || attempt >= 5) throw caught;
      await new Promise((resolve) => setTimeout(resolve, 400 * (attempt + 1)));
    }
  }
}

/** Log in (identity's POST /v1/sessions), then back to where the reader was. */
export function LoginView({ back }: { back: string }) {
  const t = useT();
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  useScreenFocus(true);

  async function submit(event: Event) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await logIn(email, password);
      go(back);
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  }

  const wrong = error instanceof ApiError && (error.status === 401 || error.status === 403);
  return (
    <>
      <h1 tabIndex={-1}>{t("auth.login")}</h1>
      <form class="auth" onSubmit={submit} noValidate={false}>
        <label for="email">{t("auth.email")}</label>
        <input id="email" type="email" autoComplete="email" required value={email}
          onInput={(e) => setEmail(e.currentTarget.value)} />
        <label for="password">{t("auth.password")}</label>
        <input id="password" type="password" autoComplete="current-password" required value={password}
          onInput={(e) => setPassword(e.currentTarget.value)} />
        {wrong ? <p class="error" role="alert">{t("auth.failed")}</p> : error !== null && <ErrorNote error={error} />}
        <button type="submit" class="primary" disabled={busy}>{t("auth.submitLogin")}</button>
      </form>
      <SsoButton back={back} />
      <p>{t("auth.noAccount")} <a href={href.signup(back)}>{t("nav.signup")}</a></p>
    </>
  );
}

/** Create an account (POST /v1/accounts), confirm the email with the mailed code, and
 * log in with it; "later" logs in without confirming (taking part does not wait for it). */
export function SignupView({ back }: { back: string }) {
  const t = useT();
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [name, setName] = useState("");
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [verifying, setVerifying] = useState(false);
  const [code, setCode] = useState("");
  const [verified, setVerified] = useState(false);
  useScreenFocus(true);

  async function submit(event: Event) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const body = name.trim() ? { email, password, display_name: name.trim() } : { email, password };
      ok(await api.POST("/v1/accounts", { body }));
      setVerifying(true);
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  }

  async function verify(event: Event) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      ok(await api.POST("/v1/accounts/verification", { body: { code: code.trim() } }));
      await logInOnceCreated(email, password);
      setVerified(true);
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  }

  async function later() {
    setBusy(true);
    setError(null);
    try {
      await logInOnceCreated(email, password);
      go(back);
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  }

  if (verifying) {
    return (
      <>
        <h1 tabIndex={-1}>{t("auth.verify")}</h1>
        {verified ? (
          <p role="status">{t("auth.verified")} <a href={back}>{t("auth.continue")}</a></p>
        ) : (
          <form class="auth" onSubmit={verify}>
            <p id="verify-hint">{t("auth.verifyHint", { email })}</p>
            <label for="code">{t("auth.code")}</label>
            <input id="code" autoComplete="one-time-code" required value={code} aria-describedby="verify-hint"
              onInput={(e) => setCode(e.currentTarget.value)} />
            {error !== null && <ErrorNote error={error} />}
            <div class="actions">
              <button type="submit" class="primary" disabled={busy}>{t("auth.submitVerify")}</button>
              <button type="button" disabled={busy} onClick={later}>{t("auth.skip")}</button>
            </div>
          </form>
        )}
      </>
    );
  }
  return (
    <>
      <h1 tabIndex={-1}>{t("auth.signup")}</h1>
      <form class="auth" onSubmit={submit}>
        <label for="email">{t("auth.email")}</label>
        <input id="email" type="email" autoComplete="email" required value={email}
          onInput={(e) => setEmail(e.currentTarget.value)} />
        <label for="password">{t("auth.password")}</label>
        <input id="password" type="password" autoComplete="new-password" required minLength={12}
          aria-describedby="password-hint" value={password} onInput={(e) => setPassword(e.currentTarget.value)} />
        <p id="password-hint" class="hint">{t("auth.passwordHint")}</p>
        <label for="name">{t("auth.displayName")}</label>
        <input id="name" autoComplete="nickname" maxLength={80} aria-describedby="name-hint" value={name}
          onInput={(e) => setName(e.currentTarget.value)} />
        <p id="name-hint" class="hint">{t("auth.displayNameHint")}</p>
        {error !== null && <ErrorNote error={error} />}
        <button type="submit" class="primary" disabled={busy}>{t("auth.submitSignup")}</button>
      </form>
      <p>{t("auth.haveAccount")} <a href={href.login(back)}>{t("nav.login")}</a></p>
    </>
  );
}
