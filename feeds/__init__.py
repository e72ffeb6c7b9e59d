"""Adapters at the edge that bring data in: GPS and tap feeds, the demo city and its simulator."""
