from __future__ import annotations

import pytest

from fillgate.config import ConfigError, config_from_dict, load_config


def test_console_config_default_is_off_on_loopback() -> None:
    console = load_config(None).console
    assert not console.enabled
    assert console.listen == "127.0.0.1:8080"


def test_console_config_section_is_read() -> None:
    config = config_from_dict({"console": {"enabled": True, "listen": "127.0.0.1:9000"}})
    assert config.console.enabled and config.console.listen == "127.0.0.1:9000"


def test_console_config_unknown_key_is_an_error_naming_it() -> None:
    with pytest.raises(ConfigError, match=r"console: unknown key.*prot"):
        config_from_dict({"console": {"prot": 1}})


def test_console_config_listen_without_port_is_an_error() -> None:
    with pytest.raises(ConfigError, match=r"console\.listen"):
        config_from_dict({"console": {"listen": "localhost"}})
