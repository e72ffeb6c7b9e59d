"""The timetable engine's edge (issue 13): a schedule version's service day,
a day's flow and stop events, and a scenario (built in or from a file) turned
into the engine's inputs per line direction."""
