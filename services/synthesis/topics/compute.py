"""One topic run, as a pure function of the posts: what the worker process executes.

Across themes (`theme_id` "") every post is clustered; then each theme's posts on their
own, on the same vectors (one TF-IDF and one SVD per run, the costly part). Topics
smaller than `MIN_TOPIC_SIZE` posts are dropped (noise, not a theme of the debate).
Pure and picklable, so it runs in a process of its own (runner.py) and never holds the
service's event loop; its numeric libraries use one thread, so a run takes one core of
the two and leaves the other to the service (more threads on a shared machine only
fight each other).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from threadpoolctl import threadpool_limits

from services.synthesis.topics import clustering, labels
from services.synthesis.topics.features import Features, Featuriser, tfidf_lsa

MIN_TOPIC_SIZE = 3
REPRESENTATIVES = 5
SOURCES = 20
ACROSS_THEMES = ""


@dataclass(frozen=True)
class PostText:
    post_id: str
    theme_id: str
    body: str
    language: str


@dataclass
class Topic:
    theme_id: str  # "" across themes
    key_phrases: list[str]
    size: int
    source_post_ids: list[str]  # closest to the centroid first; the first few represent it
    languages: dict[str, int] = field(default_factory=dict)


def topics_of(posts: Sequence[PostText], features: Features, rows: np.ndarray, *,
              theme_id: str, seed: int = 0) -> list[Topic]:
    """The topics of the posts at `rows` (of `features`), largest first."""
    if len(rows) < MIN_TOPIC_SIZE:
        return []
    dense = features.dense[rows]
    terms = features.terms[rows]
    k = clustering.choose_k(dense, seed)
    assigned, centroids = clustering.assign(dense, k, seed)
    found: list[Topic] = []
    for number in range(len(centroids)):
        members = assigned == number
        size = int(members.sum())
        if size < MIN_TOPIC_SIZE:
            continue
        chosen = labels.representatives(dense, centroids[number], members, SOURCES)
        languages: dict[str, int] = {}
        for row in rows[members]:
            languages[posts[row].language] = languages.get(posts[row].language, 0) + 1
        found.append(Topic(
            theme_id=theme_id, size=size, languages=languages,
            key_phrases=labels.key_phrases(terms, features.vocabulary, members),
            source_post_ids=[posts[rows[i]].post_id for i in chosen]))
    return sorted(found, key=lambda t: -t.size)


def run(posts: Sequence[PostText], seed: int = 0,
        featuriser: Featuriser = tfidf_lsa) -> list[Topic]:
    """Topics across themes, then per theme: the posts are vectorised once, and each
    theme clusters its own rows (its key phrases set it apart from the theme's rest)."""
    if len(posts) < MIN_TOPIC_SIZE:
        return []
    with threadpool_limits(limits=1):
        return _run(posts, seed, featuriser)


def _run(posts: Sequence[PostText], seed: int, featuriser: Featuriser) -> list[Topic]:
    features = featuriser([p.body for p in posts], [p.language for p in posts], seed)
    by_theme: dict[str, list[int]] = {}
    for row, post in enumerate(posts):
        by_theme.setdefault(post.theme_id, []).append(row)
    found = topics_of(posts, features, np.arange(len(posts)), theme_id=ACROSS_THEMES,
                      seed=seed)
    for theme_id in sorted(by_theme):
        found.extend(topics_of(posts, features, np.asarray(by_theme[theme_id]),
                               theme_id=theme_id, seed=seed))
    return found
