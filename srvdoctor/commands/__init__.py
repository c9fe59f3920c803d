"""One module per command: parse its options, run, render, exit."""
