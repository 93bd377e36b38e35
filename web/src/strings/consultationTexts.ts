// UI strings around a consultation's own texts read in another language than they were
// written in (the organisers' versions), spread into i18n.ts's tables like facilitator.ts.
export const consultationTextsEn = {
  "consultationTexts.translated": "These texts are a translation from {language} by the organisers.",
  "consultationTexts.original": "These texts are shown as written, in {language}.",
};

export const consultationTextsFr: Record<keyof typeof consultationTextsEn, string> = {
  "consultationTexts.translated": "Ces textes sont une traduction depuis : {language}, faite par les organisateurs.",
  "consultationTexts.original": "Ces textes sont affichés tels qu'écrits, en : {language}.",
};
