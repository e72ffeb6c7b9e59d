"""The aiohttp application: app API, feeds, health."""
