"""Local tooling: run the whole stack on one machine, regenerate contracts."""
