"""Gateway: the only public HTTP API. Verifies callers, composes services over gRPC."""
