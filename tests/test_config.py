"""Settings: defaults < TOML file < environment < command-line overrides."""

from __future__ import annotations

from pathlib import Path

import pytest

from transit.config import Config, ConfigError, load_config


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


@pytest.mark.parametrize(("env", "setting", "accepted"), [
    ({"TRANSIT_HTTP_PORT": "80a"}, "http_port", "a port number"),
    ({"TRANSIT_JT808_PORT": "70000"}, "jt808_port", "a port number"),
    ({"TRANSIT_SIMULATE": "flase"}, "simulate", "true or false"),
    ({"TRANSIT_SPEED": "fast"}, "speed", "a positive number"),
    ({"TRANSIT_SPEED": "-2"}, "speed", "a positive number"),
    ({"TRANSIT_SEED": "1.5"}, "seed", "a whole number"),
    ({"TRANSIT_LOG_LEVEL": "loud"}, "log_level", "one of DEBUG"),
])
def test_a_bad_value_names_the_setting_its_source_and_what_is_accepted(
    env: dict[str, str], setting: str, accepted: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        load_config(environ=env)
    variable = next(iter(env))
    assert (caught.value.setting, caught.value.source) == (setting, f"environment variable {variable}")
    assert accepted in str(caught.value) and repr(env[variable]) in str(caught.value)


def test_a_bad_value_in_the_file_names_the_file(tmp_path: Path) -> None:
    file = tmp_path / "transit.toml"
    file.write_text('simulate = "maybe"\n')
    with pytest.raises(ConfigError, match=f"file {file}"):
        load_config(file, environ={})


@pytest.mark.parametrize(("word", "value"), [("true", True), ("FALSE", False), ("yes", True),
                                             ("off", False), ("1", True), ("0", False)])
def test_booleans_take_only_true_and_false_words(word: str, value: bool) -> None:
    assert load_config(environ={"TRANSIT_SIMULATE": word}).simulate is value


def test_the_command_line_says_which_setting_is_wrong(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from transit.cli import EXIT_INVALID_INPUT, main

    monkeypatch.setenv("TRANSIT_HTTP_PORT", "80a")
    assert main(["versions"]) == EXIT_INVALID_INPUT
    assert "TRANSIT_HTTP_PORT" in capsys.readouterr().err


def test_console_sessions_and_cookies_are_settings() -> None:
    config = load_config(environ={"TRANSIT_CONSOLE_SESSION_IDLE_S": "600", "TRANSIT_CONSOLE_SECURE_COOKIES": "true"})
    assert (config.console_session_idle_s, config.console_session_max_s) == (600.0, 43200.0)
    assert config.console_secure_cookies is True
    with pytest.raises(ConfigError, match="console_secure_cookies .*'https' is not true or false"):
        load_config(environ={"TRANSIT_CONSOLE_SECURE_COOKIES": "https"})
    with pytest.raises(ConfigError, match="console_session_max_s .* is not a positive number"):
        load_config(environ={"TRANSIT_CONSOLE_SESSION_MAX_S": "0"})


def test_reader_push_limits_are_settings() -> None:
    config = load_config(environ={"TRANSIT_READER_PUSH_RATE": "0.5", "TRANSIT_READER_PUSH_BURST": "10"})
    assert (config.reader_push_rate, config.reader_push_burst) == (0.5, 10)
    with pytest.raises(ConfigError, match="reader_push_burst .*'0' is not a whole number of at least 1"):
        load_config(environ={"TRANSIT_READER_PUSH_BURST": "0"})
