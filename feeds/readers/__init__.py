"""``transit readers``: the POS readers that push taps live, and the demo's own."""
