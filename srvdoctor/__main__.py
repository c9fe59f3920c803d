"""`python -m srvdoctor`."""

from srvdoctor.cli import main

if __name__ == "__main__":
    main()
