"""Remote venue accounts in config, and credentials from the environment."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import fillgate
from fillgate.config import ConfigError, config_from_dict
from fillgate.domain.errors import FailedPrecondition
from fillgate.domain.values import ManualClock
from fillgate.venues.factory import build_remote

BINANCE = {
    "venue": "ccxt",
    "exchange": "binance",
    "environment": "testnet",
    "key_env": "FG_KEY",
    "secret_env": "FG_SECRET",
    "symbols": {"BTC-USD": "BTC/USDT"},
}


def test_config_remote_account_parses_connection_and_credential_names() -> None:
    config = config_from_dict({"accounts": {"bin": BINANCE}})
    account = config.accounts["bin"]
    assert account.venue == "ccxt"
    assert account.connection is not None
    assert account.connection.environment == "testnet"
    assert dict(account.connection.symbols) == {"BTC-USD": "BTC/USDT"}
    assert account.credentials.key_env == "FG_KEY"


def test_config_unknown_venue_is_refused_naming_the_key() -> None:
    with pytest.raises(ConfigError, match=r"accounts\.x\.venue: unknown venue 'ftx'"):
        config_from_dict({"accounts": {"x": {"venue": "ftx"}}})


def test_config_remote_account_without_key_is_refused() -> None:
    body = {k: v for k, v in BINANCE.items() if k != "key_env"}
    with pytest.raises(ConfigError, match="key_env"):
        config_from_dict({"accounts": {"bin": body}})


def test_config_wrong_environment_for_the_venue_is_refused() -> None:
    with pytest.raises(ConfigError, match=r"environment: must be one of practice, live"):
        config_from_dict(
            {
                "accounts": {
                    "fx": {
                        "venue": "oanda",
                        "environment": "testnet",
                        "key_env": "T",
                        "venue_account_id": "101-1",
                    }
                }
            }
        )


def test_config_oanda_account_needs_its_v20_account_id() -> None:
    with pytest.raises(ConfigError, match="venue_account_id"):
        config_from_dict({"accounts": {"fx": {"venue": "oanda", "key_env": "T"}}})


def test_config_symbol_mapping_must_name_a_configured_symbol() -> None:
    body = {**BINANCE, "symbols": {"DOGE-USD": "DOGE/USDT"}}
    with pytest.raises(ConfigError, match=r"symbols\.DOGE-USD: unknown symbol"):
        config_from_dict({"accounts": {"bin": body}})


def test_config_unknown_key_in_remote_account_is_refused() -> None:
    with pytest.raises(ConfigError, match="api_secret"):
        config_from_dict({"accounts": {"bin": {**BINANCE, "api_secret": "oops"}}})


def test_factory_missing_environment_variable_names_it_not_a_value() -> None:
    config = config_from_dict({"accounts": {"bin": BINANCE}})
    connection = config.accounts["bin"].connection
    assert connection is not None
    with pytest.raises(FailedPrecondition) as err:
        build_remote(
            connection,
            key_env="FG_KEY",
            secret_env="FG_SECRET",
            clock=ManualClock(),
            environ={"FG_SECRET": "s3cr3t-value"},
        )
    assert err.value.reason == "CREDENTIALS_MISSING"
    assert "FG_KEY" in err.value.message
    assert "s3cr3t-value" not in err.value.message


def test_factory_reads_credentials_from_files(tmp_path) -> None:
    (tmp_path / "key").write_text("file-key\n")
    (tmp_path / "secret").write_text("file-secret\n")
    config = config_from_dict({"accounts": {"bin": BINANCE}})
    connection = config.accounts["bin"].connection
    assert connection is not None
    venue = build_remote(
        connection,
        key_file=str(tmp_path / "key"),
        secret_file=str(tmp_path / "secret"),
        clock=ManualClock(),
        environ={},
    )
    assert "file-secret" in venue.driver.secrets


def test_config_naming_remote_venues_loads_no_venue_sdk() -> None:
    """Each venue's settings rules are read without importing its SDK (build_driver does)."""
    code = (
        "import sys\n"
        "from fillgate.config import config_from_dict\n"
        "config_from_dict({'accounts': {\n"
        f"    'bin': {BINANCE!r},\n"
        "    'fx': {'venue': 'oanda', 'key_env': 'T', 'venue_account_id': '101-1'},\n"
        "    'eq': {'venue': 'alpaca', 'key_env': 'K', 'secret_env': 'S'},\n"
        "}})\n"
        "sdks = {'ccxt', 'oandapyV20', 'alpaca'}\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in sdks))\n"
    )
    server = Path(fillgate.__file__).resolve().parents[1]
    env = {**os.environ, "PYTHONPATH": str(server)}
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "[]"
