"""Reads the gateway answers from its caches: the page cache (cache.py), the posts page's
one pipeline (posts_page.py) and its entry before FastAPI (door.py)."""
