"""Benchmarks that anyone can rerun: `python -m bench --help`.

Each benchmark measures a baseline in the same run and prints ratios, because absolute
figures depend on the machine (and on whatever else runs on it).
"""
