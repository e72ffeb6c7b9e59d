"""A service day's passenger flow, built from the stored taps and stop events and stored in turn."""
