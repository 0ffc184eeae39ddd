"""Config: defaults with no file, TOML loading, and clear errors for bad keys and values."""

from __future__ import annotations

from decimal import Decimal

import pytest

from fillgate.config import ConfigError, config_from_dict, load_config


def test_load_config_without_file_gives_paper_defaults():
    config = load_config(None)
    assert config.server.listen == "127.0.0.1:50051"
    assert config.accounts["paper"].venue == "paper"
    assert config.symbols["BTC-USD"].reference_price == Decimal(50000)


def test_load_config_reads_toml_file(tmp_path):
    path = tmp_path / "fillgate.toml"
    path.write_text(
        '[server]\nlisten = "127.0.0.1:0"\n'
        '[accounts.alpha]\nstarting_cash = "250000.5"\n'
        '[symbols.XYZ]\nreference_price = "12.34"\nprice_precision = 2\n'
        '[paper]\nfee_rate = "0.0001"\n'
    )
    config = load_config(path)
    assert list(config.accounts) == ["alpha"]
    assert config.accounts["alpha"].starting_cash == Decimal("250000.5")
    assert config.symbols["XYZ"].price_precision == 2
    assert config.paper.fee_rate == Decimal("0.0001")


def test_config_unknown_key_is_an_error_naming_it():
    with pytest.raises(ConfigError, match="lisen"):
        config_from_dict({"server": {"lisen": "x"}})


def test_config_float_decimal_is_an_error():
    with pytest.raises(ConfigError, match="strings"):
        config_from_dict({"paper": {"fee_rate": 0.1}})


def test_config_reference_price_finer_than_precision_is_an_error():
    with pytest.raises(ConfigError, match="price_precision"):
        config_from_dict({"symbols": {"X": {"reference_price": "1.234", "price_precision": 2}}})


def test_config_unknown_venue_is_an_error():
    with pytest.raises(ConfigError, match="venue"):
        config_from_dict({"accounts": {"a": {"venue": "nasdaq"}}})


def test_load_config_missing_file_is_an_error(tmp_path):
    with pytest.raises(ConfigError, match="cannot read"):
        load_config(tmp_path / "nope.toml")


def test_config_negative_snapshot_every_is_an_error():
    with pytest.raises(ConfigError, match="snapshot_every"):
        config_from_dict({"journal": {"snapshot_every": -1}})


def test_config_snapshot_every_zero_turns_snapshots_off():
    assert config_from_dict({"journal": {"snapshot_every": 0}}).journal.snapshot_every == 0


def test_default_config_aapl_trades_on_nyse_hours():
    assert load_config().sessions.symbols["AAPL"].calendar == "XNYS"


def test_default_config_crypto_symbols_stay_always_open():
    assert "BTC-USD" not in load_config().sessions.symbols


def test_config_file_keeping_default_symbols_keeps_aapl_calendar():
    config = config_from_dict({"sessions": {"symbols": {"EUR-USD": {"calendar": "FX"}}}})
    assert config.sessions.symbols["AAPL"].calendar == "XNYS"


def test_config_file_may_override_aapl_calendar():
    config = config_from_dict({"sessions": {"symbols": {"AAPL": {"calendar": "XNAS"}}}})
    assert config.sessions.symbols["AAPL"].calendar == "XNAS"


def test_config_file_own_symbols_get_no_default_calendar():
    config = config_from_dict({"symbols": {"AAPL": {"reference_price": "190"}}})
    assert "AAPL" not in config.sessions.symbols
