"""`fillgate serve`: load the config, start the server on uvloop, stop on a signal."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import sys

from google.protobuf.internal import api_implementation

from fillgate.app.server import create_server
from fillgate.config import Config, ConfigError, load_config
from fillgate.domain.errors import FillgateError
from fillgate.heap import HeapFreezer

log = logging.getLogger("fillgate")


def _check_runtime() -> None:
    if api_implementation.Type() != "upb":
        log.warning(
            "event=slow_protobuf backend=%s hint='install protobuf wheels with the upb backend'",
            api_implementation.Type(),
        )


async def _serve(config: Config, listen: str | None, insecure: bool = False) -> int:
    running = await create_server(config, listen=listen, insecure=insecure)
    freezer = HeapFreezer(config.server.gc_freeze_interval_s, running.admission.busy)
    freezer.start()  # the replayed state is frozen at once, before clients are told the address
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    if running.security is not None:  # revocation without a restart
        loop.add_signal_handler(signal.SIGHUP, running.security.reload_tokens)
    journal = running.parts.engine.journal
    log.info(
        "event=listening address=%s auth=%s tls=%s accounts=%s symbols=%s journal=%s fsync=%s",
        running.address,
        config.auth.mode,
        "mutual" if config.auth.tls_client_ca else config.auth.tls,
        ",".join(f"{name}:{a.venue}" for name, a in config.accounts.items()),
        ",".join(config.symbols),
        journal.path if journal is not None else "off",
        journal.policy.value if journal is not None else "-",
    )
    mode = config.auth.mode if config.auth.enabled else "off (loopback only)"
    tls = "mutual" if config.auth.tls_client_ca else ("on" if config.auth.tls else "off")
    print(f"fillgate listening on {running.address} (auth {mode}, tls {tls})", flush=True)
    if running.observability is not None:
        host = config.metrics.listen.rpartition(":")[0]
        port = running.observability.exporter.port
        log.info("event=metrics_listening address=%s:%s path=/metrics", host, port)
    if running.console is not None:
        host = config.console.listen.rsplit(":", 1)[0]
        print(f"fillgate console on http://{host}:{running.console.port}/", flush=True)
    await stop.wait()
    freezer.stop()
    log.info("event=shutdown_started grace_s=%s", config.server.shutdown_grace_s)
    await running.stop()
    log.info("event=shutdown_complete")
    return 0


def run_server(
    config_path: str | None = None,
    listen: str | None = None,
    journal: str | None = None,
    insecure: bool = False,
    metrics: str | None = None,
    console: str | None = None,
) -> int:
    """Run the server until SIGTERM/SIGINT; return the process exit code."""
    logging.basicConfig(
        level=os.environ.get("FILLGATE_LOG_LEVEL", "INFO").upper(),
        format="%(asctime)s level=%(levelname)s logger=%(name)s %(message)s",
        stream=sys.stderr,
    )
    _check_runtime()
    try:
        config = load_config(config_path or os.environ.get("FILLGATE_CONFIG") or None)
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if journal is not None:
        from dataclasses import replace as _replace

        setting = (
            _replace(config.journal, enabled=False)
            if journal == "off"
            else _replace(config.journal, enabled=True, path=journal)
        )
        config = _replace(config, journal=setting)
    if metrics is not None:
        from dataclasses import replace as _replace_metrics

        config = _replace_metrics(config, metrics=_replace_metrics(config.metrics, listen=metrics))
        problem = config.metrics.problem()
        if problem is not None:
            print(f"error: --metrics {problem}", file=sys.stderr)
            return 2
    if console is not None:  # serve --console HOST:PORT
        from dataclasses import replace as _replace_console

        config = _replace_console(
            config, console=_replace_console(config.console, enabled=True, listen=console)
        )
    import uvloop

    try:
        return uvloop.run(_serve(config, listen, insecure))
    # A file the config names is unusable (the price feed), or the console refuses a
    # non-loopback address without auth.
    except (ConfigError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except FillgateError as exc:  # a start-up refusal (journal in use or corrupt): no traceback
        log.error("event=startup_failed reason=%s detail=%r", exc.reason, exc.message)
        print(f"error: {exc.reason}: {exc.message}", file=sys.stderr)
        return 2
