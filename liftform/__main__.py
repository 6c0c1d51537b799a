"""`python -m liftform ...`: the same as the `liftform` command (where the venv's scripts are not on PATH)."""

from liftform.cli import main

main()
