"""Benchmarks and data generators (not tests): `make bench`."""
