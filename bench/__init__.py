"""Evaluation benches: measure newsarchive's components against data with known answers."""
