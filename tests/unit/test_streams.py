"""The triggerer's httpx transport against a scripted loopback server: framing, reuse, bounds, errors.

The server answers each request with the next canned reply (raw bytes), so every framing
case (Content-Length, chunked, close-delimited, gzip) and every failure is exact.
"""

from __future__ import annotations

import asyncio
import gzip
import ssl
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest

from airflow_provider_dubbing.client.streams import AsyncStreamTransport

OK = b'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 14\r\n\r\n{"status":"x"}'

Reply = Callable[[bytes], bytes | None]


class Server:
    """Counts connections and requests; ``reply(request_bytes)`` gives the answer (None: hang up)."""

    def __init__(self, reply: Reply) -> None:
        self.reply = reply
        self.connections = 0
        self.requests: list[bytes] = []
        self.close_after_each = False
        self.closes = 0
        self._closed = asyncio.Condition()

    async def closed(self, count: int) -> None:
        """Wait until ``count`` connections were closed here, and the client's loop saw it."""
        async with self._closed:
            await self._closed.wait_for(lambda: self.closes >= count)
        for _ in range(3):  # one loop turn delivers the EOF to the client's idle stream
            await asyncio.sleep(0)

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = 0
                for line in head.split(b"\r\n"):
                    if line.lower().startswith(b"content-length:"):
                        length = int(line.split(b":")[1])
                request = head + (await reader.readexactly(length) if length else b"")
                self.requests.append(request)
                answer = self.reply(request)
                if answer is None:
                    break
                writer.write(answer)
                await writer.drain()
                if self.close_after_each:
                    break
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()
            await writer.wait_closed()
            async with self._closed:
                self.closes += 1
                self._closed.notify_all()


@asynccontextmanager
async def serving(reply: Reply) -> AsyncIterator[tuple[Server, str]]:
    server = Server(reply)
    listener = await asyncio.start_server(server.handle, "127.0.0.1", 0)
    port = listener.sockets[0].getsockname()[1]
    try:
        yield server, f"http://127.0.0.1:{port}"
    finally:
        listener.close()


def client(size: int = 2, **kwargs: Any) -> tuple[httpx.AsyncClient, AsyncStreamTransport]:
    transport = AsyncStreamTransport(ssl_context=ssl.create_default_context(), max_connections=size, **kwargs)
    return httpx.AsyncClient(transport=transport, timeout=2.0), transport


def run(coro: Any) -> Any:
    return asyncio.run(coro)


@pytest.mark.parametrize(
    ("answer", "body"),
    [
        (OK, b'{"status":"x"}'),
        (
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n",
            b"hello world",
        ),
        (b"HTTP/1.1 204 No Content\r\n\r\n", b""),
        (
            b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: %d\r\n\r\n%s"
            % (len(gzip.compress(b"zipped")), gzip.compress(b"zipped")),
            b"zipped",
        ),
    ],
    ids=["content-length", "chunked", "no-body", "gzip"],
)
def test_reads_every_framing_and_reuses_the_connection(answer: bytes, body: bytes) -> None:
    async def go() -> None:
        async with serving(lambda _: answer) as (server, url):
            http, transport = client()
            for _ in range(3):
                response = await http.get(f"{url}/a/b%2Fc?q=1")
                assert response.content == body
            await http.aclose()
            assert server.connections == 1
            assert transport.connections_opened == 1
            assert server.requests[0].startswith(b"GET /a/b%2Fc?q=1 HTTP/1.1\r\n")

    run(go())


def test_a_close_delimited_answer_is_read_to_the_end_and_not_reused() -> None:
    answer = b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nuntil the end"

    async def go() -> None:
        async with serving(lambda _: answer) as (server, url):
            server.close_after_each = True
            http, _ = client()
            assert (await http.get(url)).content == b"until the end"
            assert (await http.get(url)).content == b"until the end"
            await http.aclose()
            assert server.connections == 2

    run(go())


def test_posts_its_body_with_a_length() -> None:
    async def go() -> None:
        async with serving(lambda _: OK) as (server, url):
            http, _ = client()
            await http.post(url, json={"a": 1})
            await http.aclose()
            assert b"\r\ncontent-length: 7\r\n" in server.requests[0].lower()
            assert server.requests[0].endswith(b'\r\n\r\n{"a":1}')

    run(go())


def test_concurrent_requests_share_at_most_max_connections() -> None:
    async def go() -> None:
        async with serving(lambda _: OK) as (server, url):
            http, transport = client(size=3)
            answers = await asyncio.gather(*(http.get(f"{url}/{i}") for i in range(50)))
            await http.aclose()
            assert {a.status_code for a in answers} == {200}
            assert len(server.requests) == 50
            assert server.connections <= 3
            assert transport.connections_opened == server.connections

    run(go())


def test_an_idle_connection_the_server_closed_is_not_reused() -> None:
    async def go() -> None:
        async with serving(lambda _: OK) as (server, url):
            server.close_after_each = True  # as a server whose keep-alive expired would
            http, transport = client(size=1)
            for expected in (1, 2, 3):
                assert (await http.get(url)).status_code == 200
                await server.closed(expected)
            await http.aclose()
            assert transport.connections_opened == 3

    run(go())


def test_a_server_that_hangs_up_without_answering_is_a_protocol_error() -> None:
    async def go() -> None:
        async with serving(lambda _: None) as (_, url):
            http, _ = client()
            with pytest.raises(httpx.RemoteProtocolError):
                await http.get(url)
            await http.aclose()

    run(go())


def test_garbage_is_a_protocol_error() -> None:
    async def go() -> None:
        async with serving(lambda _: b"SSH-2.0-OpenSSH\r\n\r\n") as (_, url):
            http, _ = client()
            with pytest.raises(httpx.RemoteProtocolError):
                await http.get(url)
            await http.aclose()

    run(go())


def test_no_answer_in_time_is_a_read_timeout() -> None:
    never: asyncio.Event | None = None

    async def go() -> None:
        nonlocal never
        never = asyncio.Event()

        async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            assert never is not None
            await never.wait()
            writer.close()

        listener = await asyncio.start_server(silent, "127.0.0.1", 0)
        port = listener.sockets[0].getsockname()[1]
        http = httpx.AsyncClient(
            transport=AsyncStreamTransport(ssl_context=ssl.create_default_context()),
            timeout=httpx.Timeout(0.05),
        )
        with pytest.raises(httpx.ReadTimeout):
            await http.get(f"http://127.0.0.1:{port}/")
        await http.aclose()
        never.set()
        listener.close()

    run(go())


def test_waiting_longer_than_the_pool_timeout_is_a_pool_timeout() -> None:
    async def go() -> None:
        release = asyncio.Event()

        async def slow(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            await reader.readuntil(b"\r\n\r\n")
            await release.wait()
            writer.write(OK)
            await writer.drain()
            writer.close()

        listener = await asyncio.start_server(slow, "127.0.0.1", 0)
        port = listener.sockets[0].getsockname()[1]
        http = httpx.AsyncClient(
            transport=AsyncStreamTransport(ssl_context=ssl.create_default_context(), max_connections=1),
            timeout=httpx.Timeout(5.0, pool=0.05),
        )
        first = asyncio.ensure_future(http.get(f"http://127.0.0.1:{port}/"))
        await asyncio.sleep(0)  # let the first request take the only connection
        with pytest.raises(httpx.PoolTimeout):
            await http.get(f"http://127.0.0.1:{port}/")
        release.set()
        assert (await first).status_code == 200
        await http.aclose()
        listener.close()

    run(go())


def test_nothing_listening_is_a_connect_error(dead_port: int) -> None:
    async def go() -> None:
        http, _ = client()
        with pytest.raises(httpx.ConnectError):
            await http.get(f"http://127.0.0.1:{dead_port}/")
        await http.aclose()

    run(go())


def test_other_schemes_are_refused() -> None:
    async def go() -> None:
        transport = AsyncStreamTransport(ssl_context=ssl.create_default_context())
        with pytest.raises(httpx.UnsupportedProtocol):
            await transport.handle_async_request(httpx.Request("GET", "ftp://example.invalid/"))

    run(go())


def test_needs_at_least_one_connection() -> None:
    with pytest.raises(ValueError, match="max_connections"):
        AsyncStreamTransport(ssl_context=ssl.create_default_context(), max_connections=0)


@pytest.fixture
def dead_port() -> int:
    from tests.conftest import dead_port as free_port

    return free_port()


def _self_signed(tmp: Any) -> tuple[str, str]:
    """A certificate for ``localhost`` and its key, as PEM files."""
    import datetime

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=1))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost")]), critical=False)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = tmp / "cert.pem", tmp / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return str(cert_path), str(key_path)


def test_https_verifies_the_certificate_and_reuses_the_connection(tmp_path: Any) -> None:
    cert, key = _self_signed(tmp_path)

    async def go() -> None:
        server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        server_context.load_cert_chain(cert, key)
        server = Server(lambda _: OK)
        listener = await asyncio.start_server(server.handle, "127.0.0.1", 0, ssl=server_context)
        url = f"https://localhost:{listener.sockets[0].getsockname()[1]}/"
        trusting = AsyncStreamTransport(ssl_context=ssl.create_default_context(cafile=cert))
        async with httpx.AsyncClient(transport=trusting) as http:
            for _ in range(2):
                assert (await http.get(url)).status_code == 200
        assert trusting.connections_opened == 1
        stranger = AsyncStreamTransport(ssl_context=ssl.create_default_context())
        async with httpx.AsyncClient(transport=stranger) as http:
            with pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED"):
                await http.get(url)
        listener.close()
        await listener.wait_closed()

    run(go())
