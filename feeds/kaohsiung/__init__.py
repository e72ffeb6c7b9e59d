"""The Kaohsiung real case (issue 10): a week of real bus GPS on three routes
(../shared/data/kaohsiung-2018-11) turned into a GTFS with a stand-in
timetable, per-day report files, assignments and observed truth.

``source.read_week`` reads the published JSON; ``case.build_case`` is pure and
builds everything; ``files.write_case`` writes it for ``transit replay``.
"""
