"""Draft schedule versions: a rebuilt service day blocked, measured against the
live one, written as GTFS and stored for the dispatcher's approval (issue 13)."""
