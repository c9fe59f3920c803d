"""Probes: the only code that touches the system. They return plain values, never print."""
