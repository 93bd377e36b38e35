"""Participation levels counted at the gateway: recorded in Redis (record.py) and
flushed to the threads service's database (flush.py)."""
