"""The dispatcher console's rules (issue 14), pure: who may do what to which
line, depot or draft (``access``), when a session has lapsed (``sessions``),
how many failed log-ins an account or address may make (``limiter``),
passwords (``passwords``), user records and their checks (``users``), and the
audit log's entries (``audit``). The pages are in ``transit.api.console``, the
tables in ``transit.store.users``, ``sessions`` and ``audit``."""
