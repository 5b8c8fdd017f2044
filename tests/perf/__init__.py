"""The launch-day benchmark (issue 5): `python tests/perf/bench.py`. Not part of pytest's run."""
