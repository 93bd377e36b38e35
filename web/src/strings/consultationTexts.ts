// UI strings around a consultation's own texts read in another language than they were
// written in (the organisers' versions), spread into i18n.ts's tables like facilitator.ts.
export const consultationTextsEn = {
  "consultationTexts.translated": "These texts are a translation from {language} by the organisers.",
  "consultationTexts.original": "These texts are shown as written, in {language}.",
  "texts.link": "Texts in each language",
  "texts.title": "The consultation's texts in each language",
  "texts.intro": "The title, question, stakes, the step after and the themes are written in {language}. Write them in the consultation's other languages: participants read them in their language, with the original one button away. A text left empty reads the original; a language without a title has no version.",
  "texts.none": "This consultation has only one language.",
  "texts.back": "Back to the consultation",
  "texts.field.title": "Title",
  "texts.field.question": "The question",
  "texts.field.description": "The stakes",
  "texts.field.stepAfter": "The step after",
  "texts.field.theme": "Theme \u201c{theme}\u201d",
  "texts.save": "Save the texts",
  "texts.saved": "The texts are saved.",
  "texts.forbidden": "The consultation's texts are written by its strategists.",
};

export const consultationTextsFr: Record<keyof typeof consultationTextsEn, string> = {
  "consultationTexts.translated": "Ces textes sont une traduction depuis : {language}, faite par les organisateurs.",
  "consultationTexts.original": "Ces textes sont affichés tels qu'écrits, en : {language}.",
  "texts.link": "Textes dans chaque langue",
  "texts.title": "Les textes de la consultation dans chaque langue",
  "texts.intro": "Le titre, la question, les enjeux, l'étape d'après et les thèmes sont écrits en : {language}. Écrivez-les dans les autres langues de la consultation : chacun les lit dans sa langue, l'original à un bouton. Un texte laissé vide se lit dans l'original ; une langue sans titre n'a pas de version.",
  "texts.none": "Cette consultation n'a qu'une langue.",
  "texts.back": "Retour à la consultation",
  "texts.field.title": "Titre",
  "texts.field.question": "La question",
  "texts.field.description": "Les enjeux",
  "texts.field.stepAfter": "L'étape d'après",
  "texts.field.theme": "Thème « {theme} »",
  "texts.save": "Enregistrer les textes",
  "texts.saved": "Les textes sont enregistrés.",
  "texts.forbidden": "Les textes de la consultation sont écrits par ses stratèges.",
};
