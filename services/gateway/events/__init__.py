"""The gateway's event readers: the cache consumer (cache.py), the live stream (live.py),
and the event types they read, spelt once (types.py)."""
