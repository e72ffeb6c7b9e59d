"""Fare taps from the fare back office (issue 11): files read into stored taps."""
