"""Settings: defaults < TOML file < environment < command-line overrides."""

from __future__ import annotations

from pathlib import Path

import pytest

from transit.config import Config, load_config


def test_defaults_need_no_file_and_no_environment() -> None:
    assert load_config(environ={}) == Config()
    assert Config().database_url is None  # the embedded PostgreSQL


def test_file_then_environment_then_overrides(tmp_path: Path) -> None:
    file = tmp_path / "transit.toml"
    file.write_text('http_port = 9000\nseed = 3\ndata_dir = "/srv/transit"\n')
    env = {"TRANSIT_SEED": "11", "DATABASE_URL": "postgresql://db/transit"}
    config = load_config(file, environ=env, http_host="0.0.0.0")
    assert config.http_port == 9000
    assert config.seed == 11
    assert config.data_dir == Path("/srv/transit")
    assert config.database_url == "postgresql://db/transit"
    assert config.http_host == "0.0.0.0"
    assert config.postgres_dir == Path("/srv/transit/postgres")


def test_unknown_setting_in_file_is_named(tmp_path: Path) -> None:
    file = tmp_path / "transit.toml"
    file.write_text("http_prot = 9000\n")
    with pytest.raises(ValueError, match="http_prot"):
        load_config(file, environ={})


def test_feed_settings_from_environment() -> None:
    env = {"TRANSIT_JT808_PORT": "0", "TRANSIT_JT808_BINDINGS": "/etc/transit/terminals.csv",
           "TRANSIT_GTFSRT_POLL_URLS": "http://a/vp.pb, http://b/vp.pb,", "TRANSIT_SIMULATE": "false"}
    config = load_config(environ=env)
    assert config.jt808_port == 0
    assert config.jt808_bindings == Path("/etc/transit/terminals.csv")
    assert config.gtfsrt_poll_list == ["http://a/vp.pb", "http://b/vp.pb"]
    assert config.simulate is False
    assert load_config(environ={}).jt808_bindings is None
