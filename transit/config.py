"""The one configuration object: defaults, then an optional TOML file, then the
environment. Passed down explicitly; nothing reads the environment elsewhere."""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

ENV_PREFIX = "TRANSIT_"


@dataclass(frozen=True)
class Config:
    # PostgreSQL server; None starts the embedded one in ``data_dir``/postgres.
    database_url: str | None = None
    data_dir: Path = Path("data")
    http_host: str = "127.0.0.1"
    http_port: int = 8080
    # Demo city and simulator.
    seed: int = 7
    speed: float = 1.0
    # The demo's simulated fleet; off for load tests that bring their own terminals.
    simulate: bool = True
    # Key of the keyed hash that pseudonymises card and account numbers.
    pseudonym_key: str = "demo-only-change-me"
    # JT/T 808 TCP server for bus terminals; port 0 disables it.
    jt808_host: str = "127.0.0.1"
    jt808_port: int = 6808
    # CSV ``phone,vehicle_id``; without it a terminal is bound by the plate it registers with.
    jt808_bindings: Path | None = None
    # Signs the auth codes given at registration: set your own in production.
    jt808_auth_key: str = "demo-only-change-me"
    # Other operators' GTFS-RT VehiclePositions feeds to poll, comma-separated URLs.
    gtfsrt_poll_urls: str = ""
    gtfsrt_poll_interval_s: float = 15.0
    log_level: str = "INFO"
    # Stop signs: a registry CSV (sign_id, stop_id, kind, token, ...); none: one
    # sign per stop generated into the data folder on first start (4 electronic).
    signs_registry: Path | None = None
    sign_admin_token: str = "demo-admin-token-change-me"
    # App API keys, "name:key:rate:burst,..." (requests per second per key).
    app_api_keys: str = "demo:demo-app-key:50:100"
    # HTTP push sources (partner systems, HTTP-only terminals), in the same form:
    # "source:key:requests per second:burst,..."; the source is stored with each report.
    push_keys: str = "demo:demo-push-key:200:400"

    @property
    def postgres_dir(self) -> Path:
        return self.data_dir / "postgres"

    @property
    def gtfsrt_poll_list(self) -> list[str]:
        return [url.strip() for url in self.gtfsrt_poll_urls.split(",") if url.strip()]


def load_config(
    file: Path | None = None, environ: Mapping[str, str] | None = None, **overrides: Any
) -> Config:
    """Defaults < file (TOML, keys as in ``Config``) < environment < overrides.

    The environment uses ``TRANSIT_<FIELD>`` names, and the conventional
    ``DATABASE_URL`` for the database.
    """
    env = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    if file is not None:
        with file.open("rb") as handle:
            values.update(tomllib.load(handle))
    known = {f.name: f for f in fields(Config)}
    unknown = set(values) - set(known)
    if unknown:
        raise ValueError(f"{file}: unknown setting(s): {', '.join(sorted(unknown))}")
    for name in known:
        if f"{ENV_PREFIX}{name.upper()}" in env:
            values[name] = env[f"{ENV_PREFIX}{name.upper()}"]
    if env.get("DATABASE_URL"):
        values["database_url"] = env["DATABASE_URL"]
    values.update({k: v for k, v in overrides.items() if v is not None})
    return replace(Config(), **{k: _coerce(k, v) for k, v in values.items()})


# Settings whose default is None but whose value is a path.
_OPTIONAL_PATHS = frozenset({"jt808_bindings", "signs_registry"})


def _coerce(name: str, value: Any) -> Any:
    if name in _OPTIONAL_PATHS:
        return Path(value) if value not in (None, "") else None
    default = getattr(Config(), name)
    if isinstance(default, Path):
        return Path(value)
    if isinstance(default, bool):
        return str(value).lower() in ("1", "true", "yes", "on")
    if isinstance(default, int):
        return int(value)
    if isinstance(default, float):
        return float(value)
    return value
