"""Benchmarks: `python -m bench.<name>` prints a markdown table."""
