"""Synthesis: ideas, extracts, syntheses, opinion groups; for now the contribution corpus."""
