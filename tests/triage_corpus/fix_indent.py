"""Give a block scalar an explicit indentation indicator when its first line is indented."""
import sys

path = sys.argv[1] if len(sys.argv) > 1 else "corpus.yaml"
lines = open(path, encoding="utf-8").read().split("\n")
for i, line in enumerate(lines[:-1]):
    if line == "  text: |" and lines[i + 1].startswith("     "):
        lines[i] = "  text: |2"
open(path, "w", encoding="utf-8").write("\n".join(lines))
