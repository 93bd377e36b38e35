import { ApiError } from "../api/client";
import { useT } from "../i18n";
import { href } from "../router";

/** An error in words: the API's problem detail (and each invalid field), or the network. */
export function ErrorNote({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  const t = useT();
  let message: string;
  let fields: string[] = [];
  if (error instanceof ApiError && error.status === 401) {
    // Not admitted without an account (a "registered" or "invitation" consultation), or a
    // session that ended: say so and offer the way in, not the problem's wording.
    return (
      <div class="notice" role="alert">
        <p>{t("error.loginRequired")}</p>
        <p><a href={href.login(location.hash)}>{t("nav.login")}</a> · <a href={href.signup(location.hash)}>{t("nav.signup")}</a></p>
      </div>
    );
  }
  if (error instanceof ApiError && error.status === 403) {
    message = t("error.forbidden");
  } else if (error instanceof ApiError) {
    message = t("error.generic", { detail: error.message });
    fields = (error.problem?.errors ?? []).map((item) => [item.field, item.message].filter(Boolean).join(": "));
  } else {
    message = t("error.network");
  }
  return (
    <div class="error" role="alert">
      <p>{message}</p>
      {fields.length > 0 && <ul>{fields.map((field) => <li key={field}>{field}</li>)}</ul>}
      {onRetry && <button type="button" onClick={onRetry}>{t("retry")}</button>}
    </div>
  );
}
