"""Topics of a consultation's posts, the suggestions drawn from them, and the similar-text
index that offers duplicates while a participant writes (docs/topics.md)."""
