"""Timetables from passenger flow: frequencies (Ceder's four methods), departure times (classic constructions and CP-SAT), drafts."""
