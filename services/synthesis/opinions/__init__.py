"""Opinion groups the way Pol.is finds them, on a participant x statement vote matrix.

The math follows compdemocracy/polis `math/src/polismath/math/` (pca.clj, clusters.clj,
repness.clj, conversation.clj): matrix.py builds the sparse vote matrix and the in-conv
rule, pca.py the two components of the column-mean imputed matrix and Polis's
sparsity-aware projection, clustering.py the base k-means, the group k-means and the
silhouette choice of k, representativeness.py repness, consensus and divisive statements;
opinion_map.py chains them (cold or warm-started from the previous result).
"""
