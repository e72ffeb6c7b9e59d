"""The one configuration object: defaults, then an optional TOML file, then the
environment. Passed down explicitly; nothing reads the environment elsewhere."""

from __future__ import annotations

import math
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
    # Which depot runs which line: a CSV ``route_id,depot`` (what console roles
    # scoped to depots reach); none: each line's nearest demo-city depot to its
    # terminals, within 5 km (a city far from the demo's has its lines in none).
    line_depots: Path | None = None
    # App API keys, "name:key:rate:burst,..." (requests per second per key).
    app_api_keys: str = "demo:demo-app-key:50:100"
    # HTTP push sources (partner systems, HTTP-only terminals), in the same form:
    # "source:key:requests per second:burst,..."; the source is stored with each report.
    push_keys: str = "demo:demo-push-key:200:400"
    # Each POS reader's tap push (readers are registered with `transit readers
    # add`): requests per second, and how many at once after a quiet spell (a
    # reader back on the network uploads its backlog in a few).
    reader_push_rate: float = 1.0
    reader_push_burst: int = 30
    # Riders a bus holds, seated and standing: live crowding's 100% (the
    # simulator's bus; set the fleet's own figure).
    bus_capacity: float = 80.0
    # Console sessions end after this long without a request, and this long
    # after log-in whatever happens (a shift).
    console_session_idle_s: float = 1800.0
    console_session_max_s: float = 43200.0
    # Secure console cookies even over plain http: set true when TLS ends at a
    # proxy in front of the service (over https they are Secure anyway).
    console_secure_cookies: bool = False

    @property
    def postgres_dir(self) -> Path:
        return self.data_dir / "postgres"

    @property
    def gtfsrt_poll_list(self) -> list[str]:
        return [url.strip() for url in self.gtfsrt_poll_urls.split(",") if url.strip()]


class ConfigError(ValueError):
    """A setting that cannot be read: which one, where it came from, what is accepted."""

    def __init__(self, setting: str, source: str, value: object, accepted: str) -> None:
        super().__init__(f"setting {setting} ({source}): {value!r} is not {accepted}")
        self.setting = setting
        self.source = source
        self.value = value
        self.accepted = accepted


def load_config(
    file: Path | None = None, environ: Mapping[str, str] | None = None, **overrides: Any
) -> Config:
    """Defaults < file (TOML, keys as in ``Config``) < environment < overrides.

    The environment uses ``TRANSIT_<FIELD>`` names, and the conventional
    ``DATABASE_URL`` for the database. Raises ``ConfigError`` naming the
    setting, its source and what it accepts.
    """
    env = os.environ if environ is None else environ
    values: dict[str, tuple[Any, str]] = {}  # setting -> (value, where it came from)
    if file is not None:
        with file.open("rb") as handle:
            values.update((k, (v, f"file {file}")) for k, v in tomllib.load(handle).items())
    known = {f.name for f in fields(Config)}
    unknown = set(values) - known
    if unknown:
        raise ValueError(f"{file}: unknown setting(s): {', '.join(sorted(unknown))}")
    for name in known:
        variable = f"{ENV_PREFIX}{name.upper()}"
        if variable in env:
            values[name] = (env[variable], f"environment variable {variable}")
    if env.get("DATABASE_URL"):
        values["database_url"] = (env["DATABASE_URL"], "environment variable DATABASE_URL")
    values.update({k: (v, f"option --{k.replace('_', '-')}")
                   for k, v in overrides.items() if v is not None})
    return replace(Config(), **{k: _coerce(k, v, source) for k, (v, source) in values.items()})


# Settings whose default is None but whose value is a path.
_OPTIONAL_PATHS = frozenset({"jt808_bindings", "signs_registry", "line_depots"})
_AT_LEAST_ONE = frozenset({"reader_push_burst"})
_TRUE, _FALSE = frozenset({"true", "yes", "on", "1"}), frozenset({"false", "no", "off", "0"})
_LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


def _coerce(name: str, value: Any, source: str) -> Any:
    if name in _OPTIONAL_PATHS:
        return Path(value) if value not in (None, "") else None
    if name == "database_url":
        return str(value) if value else None
    default = getattr(Config(), name)
    if isinstance(default, Path):
        return Path(value)
    if isinstance(default, bool):
        if isinstance(value, bool):
            return value
        word = str(value).strip().lower()
        if word not in _TRUE | _FALSE:
            raise ConfigError(name, source, value, "true or false (or yes/no, on/off, 1/0)")
        return word in _TRUE
    if isinstance(default, int):
        try:
            number = int(value) if not isinstance(value, (bool, float)) else None
        except (TypeError, ValueError):
            number = None
        low, high = (0, 65_535) if name.endswith("_port") else (-(2**63), 2**63 - 1)
        if name in _AT_LEAST_ONE:
            low = 1
        if number is None or not low <= number <= high:
            what = ("a port number (0-65535)" if name.endswith("_port")
                    else "a whole number of at least 1" if name in _AT_LEAST_ONE else "a whole number")
            raise ConfigError(name, source, value, what)
        return number
    if isinstance(default, float):
        try:
            number = float(value) if not isinstance(value, bool) else math.nan
        except (TypeError, ValueError):
            number = math.nan
        if not (math.isfinite(number) and number > 0):
            raise ConfigError(name, source, value, "a positive number")
        return number
    if name == "log_level":
        if str(value).upper() not in _LOG_LEVELS:
            raise ConfigError(name, source, value, f"one of {', '.join(_LOG_LEVELS)}")
        return str(value).upper()
    if not isinstance(value, str):
        raise ConfigError(name, source, value, "text")
    return value
