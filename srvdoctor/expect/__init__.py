"""Expectations: what a deploy must look like, declared as `[[expect.<kind>]]` in the config.

`model` holds one frozen dataclass per kind, `parse` turns the raw TOML section into
them (every error names file:line and the key), and `srvdoctor.checks.expect` judges them.
"""
