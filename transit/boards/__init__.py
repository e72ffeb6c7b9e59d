"""Stop boards: what a stop shows, decided once for every channel.

``lines`` (the lines at each stop and their first and last bus), ``board``
(``StopBoards.build``: the board of a stop at an instant) and ``cache``
(``BoardCache``: the one cache of boards, keyed by stop and predictions).
"""
