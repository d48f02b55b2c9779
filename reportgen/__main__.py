"""``python -m reportgen`` runs the command line (the same as the ``reportgen`` console script)."""

from reportgen.cli import main

if __name__ == "__main__":
    main()
