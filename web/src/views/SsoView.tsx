import { useEffect, useState } from "preact/hooks";
import { ApiError } from "../api/client";
import { ErrorNote } from "../components/ErrorNote";
import { useScreenFocus } from "../focus";
import { useT } from "../i18n";
import { useLoad } from "../load";
import { href, parse, route } from "../router";
import { finishSso, ssoConfig, ssoReturn, startSso } from "../sso";

/** "Log in with <provider>" under the login form, only when identity has single sign-on
 * configured (GET /v1/sessions/oidc); nothing while that is being asked, or if it fails. */
export function SsoButton({ back }: { back: string }) {
  const t = useT();
  const config = useLoad(ssoConfig, []);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  if (!config.data?.enabled) return null;
  const provider = config.data.provider ?? "";

  async function start() {
    setBusy(true);
    setError(null);
    try {
      await startSso(back);
    } catch (caught) {
      setError(caught);
      setBusy(false);
    }
  }

  return (
    <div class="sso">
      <p>{t("sso.or")}</p>
      <button type="button" disabled={busy} onClick={start}>{t("sso.button", { provider })}</button>
      {error !== null && <ErrorNote error={error} />}
    </div>
  );
}

/** Where the provider sends the browser back: the code becomes a session, then the
 * reader returns to the screen they logged in from. */
export function SsoCallbackView() {
  const t = useT();
  const [error, setError] = useState<unknown>(null);
  useScreenFocus(true);
  useEffect(() => {
    const answer = ssoReturn();
    if (!answer) return;
    finishSso(answer).then((back) => {
      location.hash = back.replace(/^#/, "");
      route.set(parse(back));
    }, setError);
  }, []);

  if (error !== null) {
    return (
      <>
        <h1 tabIndex={-1}>{t("sso.failed")}</h1>
        {/* Identity's reason (a used or forged state, a provider refusing), not the
            generic "log in" notice ErrorNote gives a 401. */}
        {error instanceof ApiError ? <p class="error" role="alert">{error.message}</p> : <ErrorNote error={error} />}
        <p><a href={href.login("#/")}>{t("sso.again")}</a></p>
      </>
    );
  }
  return <h1 tabIndex={-1}>{t("sso.finishing")}</h1>;
}
