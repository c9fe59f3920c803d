"""`python -m srvdoctor`."""

from srvdoctor.start import main

if __name__ == "__main__":
    main()
