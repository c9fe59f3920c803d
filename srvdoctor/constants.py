"""Names the command line needs before anything else is imported (keeps start-up light)."""

#: The areas a check can belong to, in the order reports show them.
AREAS: tuple[str, ...] = ("disk", "path", "network", "firewall", "load", "gpu", "docker", "expect", "logs")

#: `--fail-on` values, lowest status that fails the run.
FAIL_ON_NAMES: tuple[str, ...] = ("warn", "fail", "error")

#: Formats `check` accepts; every other command accepts the first two.
CHECK_FORMATS: tuple[str, ...] = ("table", "json", "junit", "prometheus", "nagios")
COMMAND_FORMATS: tuple[str, ...] = ("table", "json")
