"""Arrival predictions: running times and dwells learned from stop events,
corrected in real time; pure, with time as an argument."""
