"""Replay of recorded days: readers for report and truth files, and the
reconstruction of observed stop passages from real reports."""
