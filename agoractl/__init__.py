"""agoractl: provision, inspect, archive and tear down one consultation's Agora release.

Kubernetes is reached only through `cluster.Cluster` and Helm only through
`releases.Releases` (thin layers whose real implementations make the final API calls);
everything else — the spec, the plan, rollout waiting, status, the open-data export and
the database dump — is plain code tested against fakes of those layers and the real
services.
"""
