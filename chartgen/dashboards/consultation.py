"""Consultation health: participation by level, contributions, ballots, translations, phase."""

from __future__ import annotations

from grafana_foundation_sdk.builders.dashboard import Dashboard, Row

from chartgen.dashboards.common import (
    NS,
    RATE,
    dashboard,
    label_variable,
    query,
    stat,
    table,
    timeseries,
)

CONSULTATION = f'{NS}, consultation=~"$consultation"'


def build() -> Dashboard:
    participants = ("sum by (level) (max by (consultation, level) "
                    f'(agora_participants{{{CONSULTATION}, theme="*"}}))')
    return (
        dashboard("agora-consultation", "Agora / Consultation health",
                  "Who takes part (contributors write, reactors react and vote, learners "
                  "read), what they produce, and where the consultation stands.")
        .with_variable(label_variable("consultation", "Consultation",
                                      f"label_values(agora_participants{{{NS}}}, "
                                      "consultation)"))
        .with_row(Row("Participation today (UTC)"))
        .with_panel(timeseries(
            "Participants by level", "Distinct participants today per level, as last "
            "flushed by the gateway.", "none", query(participants, "{{level}}")))
        .with_panel(table(
            "Phase", "Each consultation's current phase by its calendar.",
            query(f"max by (consultation, phase) (agora_consultation_phase{{{CONSULTATION}}})"
                  " == 1")))
        .with_row(Row("Contributions"))
        .with_panel(stat("Posts (range)", "Posts created in the range.", "none",
                         query(f"sum(increase(agora_posts_created_total{{{NS}}}[$__range]))")))
        .with_panel(stat("Reactions (range)", "Reactions set, changed or removed.", "none",
                         query(f"sum(increase(agora_reactions_changed_total{{{NS}}}"
                               "[$__range]))")))
        .with_panel(stat("Ballots (range)", "Ballots accepted (first and replacements).",
                         "none", query(f"sum(increase(agora_ballots_accepted_total{{{NS}}}"
                                       "[$__range]))")))
        .with_panel(stat("Translations (range)", "Translations stored.", "none",
                         query(f"sum(increase(agora_translations_total{{{NS}}}[$__range]))")))
        .with_panel(timeseries(
            "Posts and reactions", "Per second.", "ops",
            query(f"sum(rate(agora_posts_created_total{{{NS}}}[{RATE}]))", "posts"),
            query(f"sum(rate(agora_reactions_changed_total{{{NS}}}[{RATE}]))", "reactions")))
        .with_panel(timeseries(
            "Ballots", "Accepted, and refused by reason, per second.", "ops",
            query(f"sum(rate(agora_ballots_accepted_total{{{NS}}}[{RATE}]))", "accepted"),
            query(f"sum by (reason) (rate(agora_ballots_refused_total{{{NS}}}[{RATE}]))",
                  "refused: {{reason}}")))
        .with_row(Row("Translation"))
        .with_panel(timeseries(
            "Translations by kind", "Machine and human translations per second.", "ops",
            query(f"sum by (kind) (rate(agora_translations_total{{{NS}}}[{RATE}]))",
                  "{{kind}}")))
        .with_panel(timeseries(
            "Budget used this month", "Each consultation's machine-translated characters "
            "over its monthly budget (the alert fires at 80 %; at 100 % jobs wait for the "
            "next month).", "percentunit",
            query(f"max by (consultation) (agora_translation_budget_used_ratio{{{NS}}})",
                  "{{consultation}}")))
        .with_panel(timeseries(
            "Translation queue lag", "Age of the oldest due translation job.", "s",
            query(f"max(agora_translation_queue_lag_seconds{{{NS}}})", "lag")))
    )
