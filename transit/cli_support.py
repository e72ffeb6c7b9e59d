"""What every command of the ``transit`` CLI shares: the common options and a
database for the length of one command. Commands live beside what they run and
add their own parsers (``add_*_command(command)``), so cli.py stays a table of
contents."""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path

from transit.config import Config

EXIT_INVALID_INPUT = 2

# ``sub.add_parser`` with the common options: makes one command's parser.
Command = Callable[..., argparse.ArgumentParser]


def add_common(parser: argparse.ArgumentParser, default: object) -> None:
    parser.add_argument("--config", type=Path, default=default,
                        help="TOML file of settings (see README)")
    parser.add_argument("--data-dir", type=Path, default=default,
                        help="folder for the embedded database and generated files (default: ./data)")


def with_database(config: Config, work: Callable[..., Awaitable[int | None]], *args: object) -> int:
    """Run ``work(pool, *args)`` against the configured (or embedded) database."""
    from transit.store.embedded import create_pool, open_database
    from transit.store.migrate import apply_migrations

    async def run() -> int:
        config.data_dir.mkdir(parents=True, exist_ok=True)
        async with open_database(config.database_url, config.postgres_dir) as dsn:
            pool = await create_pool(dsn)
            try:
                await apply_migrations(pool)
                return int(await work(pool, *args) or 0)
            finally:
                await pool.close()

    return asyncio.run(run())
