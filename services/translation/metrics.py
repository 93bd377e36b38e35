"""Business metrics of the translation service.

Its API has not landed yet, so nothing counts translations today; the series exist (at
zero) so that deployment, dashboards and the budget alert do not change when it does.
The translation work must count each machine translation's source characters in
`TRANSLATED_CHARACTERS` (the budget is spent on them) and each translation in
`TRANSLATIONS` by kind.
"""

from prometheus_client import Counter, Gauge

TRANSLATIONS = Counter("agora_translations_total", "Translations stored, by kind.", ["kind"])
for _kind in ("machine", "human"):
    TRANSLATIONS.labels(_kind)
TRANSLATED_CHARACTERS = Counter(
    "agora_translation_characters_total", "Source characters sent to machine translation.")
BUDGET_CHARACTERS = Gauge(
    "agora_translation_budget_characters",
    "Machine-translation budget in source characters per rolling 30 days (0: none).")
