"""Benchmark harness (not part of the test suite): ``python bench/run.py``."""
