"""Benchmarks for mizan-lang: synthetic spec generator and the timing table (`python -m bench.run`)."""
