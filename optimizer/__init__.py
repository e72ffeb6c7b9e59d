"""Timetable optimisation with OR-Tools: demand profiles to frequencies, departures and blocks."""
