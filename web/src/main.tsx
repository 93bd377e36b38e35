// Agora's reference web front-end: one page, hash-routed, on the public API only.
import { render } from "preact";
import { useEffect } from "preact/hooks";
import { api } from "./api/client";
import { LANGUAGES, lang, useT, type Lang } from "./i18n";
import { href, route, type Route } from "./router";
import { session } from "./session";
import { useStore } from "./store";
import { LoginView, SignupView } from "./views/AuthView";
import { SsoCallbackView } from "./views/SsoView";
import { ConsultationView } from "./views/ConsultationView";
import { Home } from "./views/Home";
import { ModerationView } from "./views/ModerationView";
import { HarvestView } from "./views/HarvestView";
import { IdeasView } from "./views/IdeasView";
import { ParticipationView } from "./views/ParticipationView";
import { PhaseControlView } from "./views/PhaseControlView";
import { ConsultationTextsView } from "./views/ConsultationTextsView";
import { VoteAdminView } from "./views/VoteAdminView";
import { SynthesesView, SynthesisView } from "./views/SynthesisView";
import { SynthesisEditor } from "./views/SynthesisEditor";
import { DeliverableView } from "./views/DeliverableView";
import { VoteView } from "./views/VoteView";
import { ThreadView } from "./views/ThreadView";
import "./styles.css";

function Screen({ current }: { current: Route }) {
  const t = useT();
  switch (current.name) {
    case "home": return <Home />;
    case "consultation": return <ConsultationView id={current.id} />;
    case "thread": return <ThreadView id={current.id} />;
    case "vote": return <VoteView id={current.id} />;
    case "moderation": return <ModerationView id={current.id} />;
    case "harvest": return <HarvestView id={current.id} />;
    case "ideas": return <IdeasView id={current.id} />;
    case "participation": return <ParticipationView id={current.id} />;
    case "syntheses": return <SynthesesView id={current.id} />;
    case "synthesis": return <SynthesisView id={current.id} synthesisId={current.synthesisId} />;
    case "phases": return <PhaseControlView id={current.id} />;
    case "texts": return <ConsultationTextsView id={current.id} />;
    case "vote-admin": return <VoteAdminView id={current.id} />;
    case "synthesis-editor": return <SynthesisEditor id={current.id} synthesisId={current.synthesisId} />;
    case "deliverable": return <DeliverableView id={current.id} />;
    case "login": return <LoginView back={current.back} />;
    case "signup": return <SignupView back={current.back} />;
    case "sso": return <SsoCallbackView />;
    default: return <h1 tabIndex={-1}>{t("error.notFound")}</h1>;
  }
}

async function logOut() {
  const current = session.value;
  session.set(null);
  if (current) await api.POST("/v1/sessions/logout", { body: { refresh_token: current.refreshToken } });
}

function App() {
  const t = useT();
  const current = useStore(route);
  const language = useStore(lang);
  const who = useStore(session);
  // Where login and sign-up return to: this screen, or where an auth screen would return.
  const back = current.name === "login" || current.name === "signup" ? current.back : location.hash || "#/";

  useEffect(() => { document.title = t("app.name"); }, [current, language]);

  return (
    <>
      <a class="skip" href="#main" onClick={(e) => { e.preventDefault(); document.getElementById("main")?.focus(); }}>
        {t("app.skip")}
      </a>
      <header class="site">
        <a class="brand" href="#/">{t("app.name")}</a>
        <nav aria-label={t("nav.main")}>
          <ul>
            <li><a href="#/">{t("nav.home")}</a></li>
            {who ? (
              <>
                <li class="muted who">{t("nav.signedIn", { email: who.email })}</li>
                <li><button type="button" class="link" onClick={logOut}>{t("nav.logout")}</button></li>
              </>
            ) : (
              <>
                <li><a href={href.login(back)}>{t("nav.login")}</a></li>
                <li><a href={href.signup(back)}>{t("nav.signup")}</a></li>
              </>
            )}
          </ul>
        </nav>
        <label class="lang">
          <span>{t("lang.label")}</span>
          <select value={language} onChange={(e) => lang.set(e.currentTarget.value as Lang)}>
            {Object.entries(LANGUAGES).map(([code, name]) => (
              <option key={code} value={code} lang={code}>{name}</option>
            ))}
          </select>
        </label>
      </header>
      <main id="main" tabIndex={-1}>
        <Screen current={current} />
      </main>
    </>
  );
}

render(<App />, document.getElementById("app")!);
