"""The NumPy core: pure functions over whole time-first sequences. Imports NumPy only (tests enforce it)."""
