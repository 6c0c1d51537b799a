"""`python -m liftform.cli ...`: the same as the `liftform` command."""

from liftform.cli import main

main()
