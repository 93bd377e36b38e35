"""Translation: detected languages, machine and human translations, glossaries."""
