"""Build a remote venue for an account: its credentials, its driver, the shared runtime."""

from __future__ import annotations

import importlib
import os
from collections.abc import Mapping
from pathlib import Path

from fillgate.domain.errors import FailedPrecondition
from fillgate.domain.values import Clock
from fillgate.venues.driver import Credentials, VenueSettings
from fillgate.venues.errors import Secret
from fillgate.venues.runtime.adapter import RemoteVenue


def read_secret(account: str, what: str, env: str, path: str, environ: Mapping[str, str]) -> Secret:
    """Read one credential from the named environment variable or file ("" when neither is named).

    Errors name the variable or file, never a value.
    """
    if env:
        value = environ.get(env, "")
        if not value:
            raise FailedPrecondition(
                "CREDENTIALS_MISSING",
                f"account {account}: environment variable {env} (the {what}) is not set",
                {"account": account, "variable": env},
            )
        return Secret(value)
    if path:
        try:
            value = Path(path).read_text().strip()
        except OSError as exc:
            raise FailedPrecondition(
                "CREDENTIALS_MISSING",
                f"account {account}: cannot read the {what} file {path}: {exc.strerror}",
                {"account": account, "file": path},
            ) from None
        return Secret(value)
    return Secret("")


def build_remote(
    settings: VenueSettings,
    *,
    key_env: str = "",
    secret_env: str = "",
    key_file: str = "",
    secret_file: str = "",
    clock: Clock,
    environ: Mapping[str, str] | None = None,
) -> RemoteVenue:
    """Resolve the account's credentials and wrap its venue's driver in the shared runtime.

    The SDK is imported only here, so a server without remote accounts never loads it.
    """
    env = os.environ if environ is None else environ
    credentials = Credentials(
        key=read_secret(settings.account, "API key", key_env, key_file, env),
        secret=read_secret(settings.account, "API secret", secret_env, secret_file, env),
    )
    module = importlib.import_module(f"fillgate.venues.{settings.venue}")
    driver = module.build_driver(settings, credentials, clock=clock)
    return RemoteVenue(settings=settings, driver=driver, clock=clock)
