"""Generators of the Helm chart's derived files: the Grafana dashboards (Grafana's
Foundation SDK) and the values table of the chart's README (from values.schema.json).
`make chart` writes them; `python -m chartgen --check` fails when a committed file is not
what its generator makes."""
