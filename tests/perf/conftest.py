"""The benchmark is a command (python tests/perf/bench.py), not a test module: nothing here is
collected by the default pytest run, whatever a file here is called."""

collect_ignore_glob = ["*.py"]
