"""Threads: consultations, themes, threads and posts."""
