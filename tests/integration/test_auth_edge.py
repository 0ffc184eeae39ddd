"""The authentication edge: header fuzz, rate limits, open health, reloads, the probe."""

from __future__ import annotations

import asyncio
import random
import string
import time
from collections.abc import AsyncIterator
from pathlib import Path

import grpc
import pytest
import pytest_asyncio
from auth_setup import auth_server, bearer
from grpc_health.v1 import health_pb2, health_pb2_grpc
from wire import CHANNEL_OPTIONS, call, methods

from fillgate.app import FillgateServer
from fillgate.auth.tokens import TokenStore

SEED = 20261205
PING = next(m for m in methods() if m.name == "Ping")
SUBMIT = next(m for m in methods() if m.name == "SubmitOrder")


@pytest_asyncio.fixture
async def served(tmp_path: Path) -> AsyncIterator[tuple[FillgateServer, object]]:
    running, tokens = await auth_server(tmp_path)
    try:
        yield running, tokens
    finally:
        await running.stop(grace=0.5)


def channel(server: FillgateServer) -> grpc.aio.Channel:
    return grpc.aio.insecure_channel(f"127.0.0.1:{server.port}", options=CHANNEL_OPTIONS)


def header_values(valid: str) -> list[str]:
    """Malformed, truncated, altered, oversized and odd ``authorization`` values (seeded)."""
    rng = random.Random(SEED)
    # What a header value may hold (gRPC refuses anything else on the client side).
    printable = "".join(chr(c) for c in range(0x20, 0x7F))
    out = ["", " ", "Bearer", "Bearer ", "bearer", "Basic dXNlcjpwYXNz", "Bearer  ", "fgt_x"]
    out += [valid[7:], "Token " + valid[7:], valid + "x", valid[:-1], valid.replace("fgt_", "fgi_")]
    out += ["Bearer fgt_" + "0" * 12 + "_" + "A" * 43, "Bearer fgi_" + "A" * 43]
    # Up to gRPC's metadata soft limit (8 KB for all headers): past it, see the next test.
    out += ["Bearer " + "a" * n for n in (100, 128, 129, 1000, 6000)]
    for _ in range(150):
        out.append("".join(rng.choice(printable) for _ in range(rng.randint(1, 200))))
    for _ in range(150):
        chars = list(valid)
        for _ in range(rng.randint(1, 5)):
            chars[rng.randrange(7, len(chars))] = rng.choice(string.ascii_letters + "_-")
        candidate = "".join(chars)
        if candidate != valid:
            out.append(candidate)
    return out


async def test_authorization_header_fuzz_always_unauthenticated(served) -> None:  # type: ignore[no-untyped-def]
    server, tokens = served
    values = header_values(f"Bearer {tokens['admin']}")
    async with channel(server) as ch:
        codes = []
        for value in values:
            answer = await call(ch, PING, b"", timeout=5, metadata=(("authorization", value),))
            codes.append(answer.code)
            assert answer.code == grpc.StatusCode.UNAUTHENTICATED, (value[:40], answer)
            assert answer.error_info is not None and answer.error_info.domain == "fillgate"
        # The same server still admits the real token.
        ok = await call(ch, PING, b"", timeout=5, metadata=bearer(tokens["admin"]))
    assert ok.code == grpc.StatusCode.OK
    assert len(codes) > 300


async def test_authorization_header_over_grpc_limit_refused_by_transport(served) -> None:  # type: ignore[no-untyped-def]
    # gRPC core refuses headers over its hard limit (16 KB) before any handler runs:
    # RESOURCE_EXHAUSTED from the transport, never UNKNOWN or INTERNAL.
    server, _ = served
    async with channel(server) as ch:
        answer = await call(ch, PING, b"", metadata=(("authorization", "Bearer " + "a" * 20000),))
    assert answer.code == grpc.StatusCode.RESOURCE_EXHAUSTED


async def test_authorization_header_twice_first_one_counts(served) -> None:  # type: ignore[no-untyped-def]
    server, tokens = served
    metadata = (("authorization", "Bearer nope"), ("authorization", f"Bearer {tokens['admin']}"))
    async with channel(server) as ch:
        answer = await call(ch, PING, b"", timeout=5, metadata=metadata)
    assert answer.code == grpc.StatusCode.UNAUTHENTICATED


async def test_failed_auth_past_limit_peer_refused_until_window_ends(tmp_path: Path) -> None:
    server, tokens = await auth_server(tmp_path, auth={"max_failures": 3, "failure_window_s": 0.5})
    try:
        async with channel(server) as ch:
            for _ in range(3):
                answer = await call(ch, PING, b"", metadata=bearer("fgt_bad"))
                assert answer.code == grpc.StatusCode.UNAUTHENTICATED
            refused = await call(ch, PING, b"", metadata=bearer(tokens["admin"]))
            assert refused.code == grpc.StatusCode.RESOURCE_EXHAUSTED
            assert refused.error_info is not None
            assert refused.error_info.reason == "AUTH_RATE_LIMITED"
            await asyncio.sleep(0.6)
            again = await call(ch, PING, b"", metadata=bearer(tokens["admin"]))
        assert again.code == grpc.StatusCode.OK
    finally:
        await server.stop(grace=0.5)


async def test_failed_auth_logged_with_reason_never_the_credential(served, log_events) -> None:  # type: ignore[no-untyped-def]
    server, tokens = served
    secret = tokens["revoked"]
    async with channel(server) as ch:
        await call(ch, PING, b"", metadata=bearer(secret))
    (failed,) = log_events("auth_failed")
    assert failed["reason"] == "revoked"
    assert failed["method"].endswith("Ping")
    assert secret.split("_", 2)[2] not in str(failed)


async def test_health_check_without_credentials_serving(served) -> None:  # type: ignore[no-untyped-def]
    server, _ = served
    async with channel(server) as ch:
        answer = await health_pb2_grpc.HealthStub(ch).Check(health_pb2.HealthCheckRequest())
    assert answer.status == health_pb2.HealthCheckResponse.SERVING


async def test_reflection_without_credentials_lists_services(served) -> None:  # type: ignore[no-untyped-def]
    from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc

    server, _ = served
    async with channel(server) as ch:
        stub = reflection_pb2_grpc.ServerReflectionStub(ch)
        request = reflection_pb2.ServerReflectionRequest(list_services="")
        async for response in stub.ServerReflectionInfo(iter([request])):
            names = {s.name for s in response.list_services_response.service}
            break
    assert "fillgate.v1.ExecutionService" in names


async def test_reflection_off_in_config_unimplemented(tmp_path: Path) -> None:
    from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc

    server, _ = await auth_server(tmp_path, auth={"reflection": False})
    try:
        async with channel(server) as ch:
            stub = reflection_pb2_grpc.ServerReflectionStub(ch)
            request = reflection_pb2.ServerReflectionRequest(list_services="")
            with pytest.raises(grpc.aio.AioRpcError) as caught:
                async for _ in stub.ServerReflectionInfo(iter([request])):
                    pass
        assert caught.value.code() == grpc.StatusCode.UNIMPLEMENTED
    finally:
        await server.stop(grace=0.5)


async def test_token_file_reload_admits_new_and_refuses_revoked(served) -> None:  # type: ignore[no-untyped-def]
    server, tokens = served
    store = TokenStore.load(tokens.path)
    fresh, _ = store.create(name="late", scopes=["read:alpha"], now_ns=time.time_ns())
    store.save()
    async with channel(server) as ch:
        before = await call(ch, PING, b"", metadata=bearer(fresh))
        server.security.reload_tokens()  # what SIGHUP does
        after = await call(ch, PING, b"", metadata=bearer(fresh))
        store.revoke("late", time.time_ns())
        store.save()
        server.security.reload_tokens()
        revoked = await call(ch, PING, b"", metadata=bearer(fresh))
    assert before.code == grpc.StatusCode.UNAUTHENTICATED
    assert after.code == grpc.StatusCode.OK
    assert revoked.code == grpc.StatusCode.UNAUTHENTICATED


async def test_token_file_reload_corrupt_keeps_loaded_tokens(served, log_events) -> None:  # type: ignore[no-untyped-def]
    server, tokens = served
    tokens.path.write_text("{not json")
    server.security.reload_tokens()
    async with channel(server) as ch:
        answer = await call(ch, PING, b"", metadata=bearer(tokens["admin"]))
    assert answer.code == grpc.StatusCode.OK
    assert log_events("tokens_reload_failed")


async def test_admission_probe_with_auth_on_authenticates_and_times_queue(tmp_path: Path) -> None:
    server, _ = await auth_server(tmp_path, admission_max_queue_delay_ms=200)
    try:
        for _ in range(100):
            if server.admission.queue.last_s > 0:
                break
            await asyncio.sleep(0.02)
        assert server.admission.queue.last_s > 0
        assert server.security is not None and server.security.authenticator is not None
        assert server.security.authenticator.failures == 0
    finally:
        await server.stop(grace=0.5)


async def test_stream_opened_with_revoked_token_ends_unauthenticated(served) -> None:  # type: ignore[no-untyped-def]
    from fillgate_client import AsyncFillgateClient, UnauthenticatedError

    server, tokens = served
    store = TokenStore.load(tokens.path)
    reader, _ = store.create(name="watcher", scopes=["read:alpha"], now_ns=time.time_ns())
    store.save()
    server.security.reload_tokens()
    async with AsyncFillgateClient(f"127.0.0.1:{server.port}", token=reader) as client:
        stream = client.stream_fills(heartbeat_interval_ms=100)
        await anext(stream)  # the subscription ack: the stream is open
        store.revoke("watcher", time.time_ns())
        store.save()
        server.security.reload_tokens()
        started = time.monotonic()
        with pytest.raises(UnauthenticatedError) as ended:
            async with asyncio.timeout(5):
                async for _ in stream:
                    pass
    assert ended.value.reason == "CREDENTIALS_NO_LONGER_VALID"
    assert time.monotonic() - started < 3
