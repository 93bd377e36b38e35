// UI strings in English and French (the reader picks; the choice is remembered). The French
// table has the English one's type, so a string missing in one language fails the build.
// Content (posts, titles) comes from the API in the language it asks for: every request
// sends the chosen language as Accept-Language (api/client.ts).
import { Store, useStore } from "./store";

const en = {
  "app.name": "Agora",
  "app.skip": "Skip to content",
  "nav.main": "Main",
  "nav.home": "Consultations",
  "nav.login": "Log in",
  "nav.signup": "Sign up",
  "nav.logout": "Log out",
  "nav.signedIn": "Signed in as {email}",
  "lang.label": "Language",
  "loading": "Loading…",
  "error.generic": "Something went wrong: {detail}",
  "error.network": "The server cannot be reached. Check your connection and retry.",
  "error.notFound": "This page does not exist.",
  "error.loginRequired": "This consultation is open to signed-in participants: log in or create an account to take part.",
  "error.forbidden": "Your account is not invited to this consultation.",
  "retry": "Retry",
  "home.title": "Consultations",
  "home.empty": "There is no consultation open to you yet.",
  "home.more": "Show more consultations",
  "consultation.question": "The question",
  "consultation.stakes": "What is at stake",
  "consultation.themes": "Themes",
  "consultation.timeline": "Phases",
  "consultation.stepAfter": "The step after",
  "consultation.current": "current phase",
  "consultation.unscheduled": "No phases are scheduled: every part of the consultation is open.",
  "consultation.threads": "Discussions",
  "consultation.noThreads": "No discussion in this theme yet.",
  "consultation.posts": "{count} contributions",
  "consultation.post1": "1 contribution",
  "consultation.post0": "no contribution yet",
  "phase.appropriation": "Appropriation",
  "phase.ideation": "Ideation",
  "phase.deepening": "Deepening",
  "phase.prioritisation": "Prioritisation",
  "phase.deliverable": "Deliverable",
  "phase.dates": "{start} – {end}",
  "phase.changed": "The consultation moved to the {phase} phase.",
  "thread.back": "Back to the consultation",
  "thread.empty": "No contribution yet: be the first.",
  "thread.contributions": "Contributions",
  "thread.newPost": "Your contribution",
  "thread.reply": "Reply",
  "thread.replyTo": "Reply to {author}",
  "thread.cancel": "Cancel",
  "thread.send": "Publish",
  "thread.sending": "Publishing…",
  "thread.loginToWrite": "Log in to contribute",
  "thread.or": "or",
  "thread.signupToWrite": "create an account",
  "thread.hidden": "This contribution was hidden by moderation.",
  "thread.pending": "Awaiting moderation: only you and the moderators see it.",
  "thread.pinned": "Announcement",
  "thread.live": "New contribution by {author}",
  "thread.more": "Show more contributions",
  "thread.participant": "Participant {key}",
  "thread.anonymous": "Former participant",
  "thread.edited": "edited",
  "thread.bodyHint": "Markdown is accepted: *emphasis*, lists, links.",
  "reaction.group": "Reactions",
  "reaction.like": "I agree",
  "reaction.disagree": "I disagree",
  "reaction.dont_understand": "I don't understand",
  "reaction.more_info": "I need more information",
  "reaction.loginFirst": "Log in to react",
  "auth.login": "Log in",
  "auth.signup": "Create an account",
  "auth.email": "Email",
  "auth.password": "Password",
  "auth.passwordHint": "At least 12 characters; a passphrase is easiest to remember.",
  "auth.displayName": "Name shown beside your contributions (optional)",
  "auth.displayNameHint": "Without one, you appear as a numbered participant. Never your email.",
  "auth.submitLogin": "Log in",
  "auth.submitSignup": "Create my account",
  "auth.noAccount": "No account yet?",
  "auth.haveAccount": "Already have an account?",
  "auth.failed": "Wrong email or password.",
  "auth.verify": "Confirm your email",
  "auth.verifyHint": "We sent a code to {email}. Enter it to confirm your address (you can already take part).",
  "auth.code": "Code from the email",
  "auth.submitVerify": "Confirm",
  "auth.verified": "Your email is confirmed and you are signed in.",
  "auth.continue": "Continue",
  "auth.skip": "Later",
  "form.errors": "Please correct the following:",
  "pseudonym.title": "How you appear",
  "pseudonym.current": "Your contributions here are signed:",
  "pseudonym.label": "Pseudonym in this consultation",
  "pseudonym.hint": "Up to 40 characters; leave empty to use your account's name.",
  "pseudonym.save": "Save",
  "pseudonym.saved": "Saved.",
  "thread.you": "you",
  "translation.machine": "Machine translation from {language}.",
  "translation.verified": "Translation from {language}, checked by a person.",
  "translation.showOriginal": "Show original",
} as const;

type Key = keyof typeof en;
type Table = Record<Key, string>;

const fr: Table = {
  "app.name": "Agora",
  "app.skip": "Aller au contenu",
  "nav.main": "Principal",
  "nav.home": "Consultations",
  "nav.login": "Se connecter",
  "nav.signup": "Créer un compte",
  "nav.logout": "Se déconnecter",
  "nav.signedIn": "Connecté·e : {email}",
  "lang.label": "Langue",
  "loading": "Chargement…",
  "error.generic": "Une erreur est survenue : {detail}",
  "error.network": "Le serveur est injoignable. Vérifiez votre connexion et réessayez.",
  "error.notFound": "Cette page n'existe pas.",
  "error.loginRequired": "Cette consultation est ouverte aux participant·es connecté·es : connectez-vous ou créez un compte pour y prendre part.",
  "error.forbidden": "Votre compte n'est pas invité à cette consultation.",
  "retry": "Réessayer",
  "home.title": "Consultations",
  "home.empty": "Aucune consultation ne vous est encore ouverte.",
  "home.more": "Afficher plus de consultations",
  "consultation.question": "La question",
  "consultation.stakes": "Les enjeux",
  "consultation.themes": "Thèmes",
  "consultation.timeline": "Étapes",
  "consultation.stepAfter": "Et après ?",
  "consultation.current": "étape en cours",
  "consultation.unscheduled": "Aucune étape n'est programmée : toute la consultation est ouverte.",
  "consultation.threads": "Discussions",
  "consultation.noThreads": "Pas encore de discussion dans ce thème.",
  "consultation.posts": "{count} contributions",
  "consultation.post1": "1 contribution",
  "consultation.post0": "pas encore de contribution",
  "phase.appropriation": "Appropriation",
  "phase.ideation": "Idéation",
  "phase.deepening": "Approfondissement",
  "phase.prioritisation": "Priorisation",
  "phase.deliverable": "Livrable",
  "phase.dates": "du {start} au {end}",
  "phase.changed": "La consultation est passée à l'étape {phase}.",
  "thread.back": "Retour à la consultation",
  "thread.empty": "Aucune contribution pour l'instant : lancez-vous.",
  "thread.contributions": "Contributions",
  "thread.newPost": "Votre contribution",
  "thread.reply": "Répondre",
  "thread.replyTo": "Répondre à {author}",
  "thread.cancel": "Annuler",
  "thread.send": "Publier",
  "thread.sending": "Publication…",
  "thread.loginToWrite": "Connectez-vous pour contribuer",
  "thread.or": "ou",
  "thread.signupToWrite": "créez un compte",
  "thread.hidden": "Cette contribution a été masquée par la modération.",
  "thread.pending": "En attente de modération : seuls vous et les modérateurs la voyez.",
  "thread.pinned": "Annonce",
  "thread.live": "Nouvelle contribution de {author}",
  "thread.more": "Afficher plus de contributions",
  "thread.participant": "Participant·e {key}",
  "thread.anonymous": "Ancien·ne participant·e",
  "thread.edited": "modifiée",
  "thread.bodyHint": "Le Markdown est accepté : *emphase*, listes, liens.",
  "reaction.group": "Réactions",
  "reaction.like": "Je suis d'accord",
  "reaction.disagree": "Je ne suis pas d'accord",
  "reaction.dont_understand": "Je ne comprends pas",
  "reaction.more_info": "J'ai besoin de plus d'informations",
  "reaction.loginFirst": "Connectez-vous pour réagir",
  "auth.login": "Connexion",
  "auth.signup": "Créer un compte",
  "auth.email": "Adresse e-mail",
  "auth.password": "Mot de passe",
  "auth.passwordHint": "Au moins 12 caractères ; une phrase de passe se retient mieux.",
  "auth.displayName": "Nom affiché à côté de vos contributions (facultatif)",
  "auth.displayNameHint": "Sans nom, vous apparaissez comme participant·e numéroté·e. Jamais votre e-mail.",
  "auth.submitLogin": "Se connecter",
  "auth.submitSignup": "Créer mon compte",
  "auth.noAccount": "Pas encore de compte ?",
  "auth.haveAccount": "Déjà un compte ?",
  "auth.failed": "Adresse ou mot de passe incorrect.",
  "auth.verify": "Confirmez votre adresse",
  "auth.verifyHint": "Nous avons envoyé un code à {email}. Saisissez-le pour confirmer votre adresse (vous pouvez déjà participer).",
  "auth.code": "Code reçu par e-mail",
  "auth.submitVerify": "Confirmer",
  "auth.verified": "Votre adresse est confirmée et vous êtes connecté·e.",
  "auth.continue": "Continuer",
  "auth.skip": "Plus tard",
  "form.errors": "Merci de corriger ceci :",
  "pseudonym.title": "Votre signature",
  "pseudonym.current": "Vos contributions ici sont signées :",
  "pseudonym.label": "Pseudonyme dans cette consultation",
  "pseudonym.hint": "Jusqu'à 40 caractères ; laissez vide pour utiliser le nom de votre compte.",
  "pseudonym.save": "Enregistrer",
  "pseudonym.saved": "Enregistré.",
  "thread.you": "vous",
  "translation.machine": "Traduction automatique depuis : {language}.",
  "translation.verified": "Traduction depuis : {language}, vérifiée par une personne.",
  "translation.showOriginal": "Voir l'original",
};

export const LANGUAGES = { en: "English", fr: "Français" } as const;
export type Lang = keyof typeof LANGUAGES;
const TABLES: Record<Lang, Table> = { en, fr };
const KEY = "agora.lang";

function initial(): Lang {
  const asked = new URLSearchParams(location.search).get("lang");
  const stored = localStorage.getItem(KEY);
  for (const candidate of [asked, stored, ...navigator.languages.map((l) => l.slice(0, 2))]) {
    if (candidate && candidate in TABLES) return candidate as Lang;
  }
  return "en";
}

export const lang = new Store<Lang>(initial());
document.documentElement.lang = lang.value;
lang.subscribe((value) => {
  localStorage.setItem(KEY, value);
  document.documentElement.lang = value;
});

export function translate(language: Lang, key: Key, vars: Record<string, string | number> = {}): string {
  return TABLES[language][key].replace(/\{(\w+)\}/g, (_, name: string) => String(vars[name] ?? ""));
}

export type T = (key: Key, vars?: Record<string, string | number>) => string;

/** The translator for the current language; re-renders the caller when it changes. */
export function useT(): T {
  const language = useStore(lang);
  return (key, vars) => translate(language, key, vars);
}

export function formatDate(language: Lang, iso: string, withTime = false): string {
  const options: Intl.DateTimeFormatOptions = withTime
    ? { dateStyle: "medium", timeStyle: "short" }
    : { dateStyle: "medium" };
  return new Intl.DateTimeFormat(language, options).format(new Date(iso));
}
