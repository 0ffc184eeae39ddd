"""No token, key or certificate private key reaches a log line, an error or the journal."""

from __future__ import annotations

import logging
from pathlib import Path

import grpc
import pytest
from auth_setup import QUIET_ADMISSION, write_tokens
from certs import Authority
from support import CONFIG
from wire import CHANNEL_OPTIONS, call, methods

from fillgate.app import create_server
from fillgate.config import config_from_dict

BY_NAME = {m.name: m for m in methods()}


def secrets_of(tokens: dict[str, str], key: Path) -> list[str]:
    """Every secret of the run: whole tokens, their secret parts, the private key's body."""
    out = []
    for token in tokens.values():
        out += [token, token.split("_", 2)[2]]
    body = [ln for ln in key.read_text().splitlines() if ln and not ln.startswith("-----")]
    out += [ln for ln in body if len(ln) >= 16]
    return out


async def test_secrets_never_in_logs_errors_or_journal(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    ca = Authority(tmp_path)
    cert, key = ca.issue("server", cn="fillgate", server=True)
    tokens = write_tokens(tmp_path / "tokens.json")
    config = config_from_dict(
        {
            **CONFIG,
            "journal": {"path": str(tmp_path / "journal.log"), "snapshot_every": 5},
            "server": QUIET_ADMISSION,
            "auth": {
                "mode": "token",
                "token_file": str(tokens.path),
                "tls_cert": str(cert),
                "tls_key": str(key),
                "max_failures": 100_000,
            },
        }
    )
    server = await create_server(config, listen="127.0.0.1:0")
    answers = []
    try:
        credentials = grpc.ssl_channel_credentials(root_certificates=ca.pem.read_bytes())
        async with grpc.aio.secure_channel(
            f"127.0.0.1:{server.port}", credentials, options=CHANNEL_OPTIONS
        ) as ch:
            from fillgate.v1 import admin_service_pb2 as admin_pb
            from fillgate.v1 import execution_service_pb2 as pb

            submit = pb.SubmitOrderRequest(
                account="alpha",
                symbol="BTC-USD",
                side=1,
                type=1,
                time_in_force=1,
                quantity="0.1",
                client_order_id="c-1",
            ).SerializeToString()
            price = admin_pb.SetReferencePriceRequest(symbol="BTC-USD", price="50001")
            for name, token in tokens.by_name.items():
                for value in (f"Bearer {token}", token, f"Bearer {token}x", f"Basic {token}"):
                    metadata = (("authorization", value),)
                    answers.append(
                        await call(ch, BY_NAME["SubmitOrder"], submit, metadata=metadata)
                    )
                    answers.append(
                        await call(
                            ch,
                            BY_NAME["SetReferencePrice"],
                            price.SerializeToString(),
                            metadata=metadata,
                        )
                    )
                    answers.append(await call(ch, BY_NAME["ListOrders"], b"", metadata=metadata))
                del name
    finally:
        await server.stop(grace=0.5)
    assert any(a.code == grpc.StatusCode.OK for a in answers)
    assert any(a.code == grpc.StatusCode.UNAUTHENTICATED for a in answers)
    assert any(a.code == grpc.StatusCode.PERMISSION_DENIED for a in answers)
    texts = {
        "logs": "\n".join(r.getMessage() for r in caplog.records),
        "errors": "\n".join(
            a.details + " " + repr(a.status) + " " + repr(a.trailers) for a in answers
        ),
    }
    # Everything the server wrote (journal, snapshots) and the token file; not the key itself.
    files = [p for p in tmp_path.rglob("*") if p.is_file() and p != key]
    assert any(p.name.startswith("journal.log") for p in files)
    stored = {p.name: p.read_bytes() for p in files}
    for secret in secrets_of(tokens.by_name, key):
        for where, text in texts.items():
            assert secret not in text, f"a secret reached the {where}"
        for name, data in stored.items():
            assert secret.encode() not in data, f"a secret reached {name}"
    assert "event=auth_failed" in texts["logs"]
