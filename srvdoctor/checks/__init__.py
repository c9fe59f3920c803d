"""Checks: judgment only. Probe values in, results out; they never print."""
