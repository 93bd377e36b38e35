"""A synthetic consultation corpus for the topic and duplicate benchmarks.

`SUBJECTS` subjects, each with its own vocabulary of made-up words, over a shared
vocabulary of filler words; a post mixes words of one subject (its topic) with filler,
15-60 words long, heavy-tailed like real contributions. Deterministic for a seed, so
runs are comparable; nothing in the code under test knows the subjects.
"""

from __future__ import annotations

import random
from collections.abc import Iterator

SUBJECTS = 30
SUBJECT_WORDS = 40
FILLER_WORDS = 3000
SYLLABLES = ("ka", "lo", "mi", "ra", "te", "su", "vo", "ne", "pi", "da", "go", "fe", "zu",
             "bri", "sta", "plo", "ten", "mar", "vel", "cor")


def _word(rng: random.Random) -> str:
    return "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4)))


def vocabularies(seed: int = 7) -> tuple[list[list[str]], list[str]]:
    rng = random.Random(seed)
    subjects = [[_word(rng) for _ in range(SUBJECT_WORDS)] for _ in range(SUBJECTS)]
    return subjects, [_word(rng) for _ in range(FILLER_WORDS)]


def posts(n: int, seed: int = 7) -> Iterator[tuple[int, str]]:
    """(subject, body) of n posts."""
    subjects, filler = vocabularies(seed)
    rng = random.Random(seed + 1)
    for _ in range(n):
        subject = rng.randrange(SUBJECTS)
        length = min(60, 15 + int(rng.paretovariate(1.5) * 5))
        words = [rng.choice(subjects[subject]) if rng.random() < 0.4 else rng.choice(filler)
                 for _ in range(length)]
        yield subject, " ".join(words)
