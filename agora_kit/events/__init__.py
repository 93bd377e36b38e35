"""The event bus: envelopes, the transactional outbox and its relay, durable consumers."""
