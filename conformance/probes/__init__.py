"""The probes: `*.json` data files and `sequences.py` (see README.md here)."""
