"""Base URLs from connection hosts, and credentials that never show themselves."""

from __future__ import annotations

import pickle

import pytest

from airflow_provider_dubbing.client.config import Secret, is_loopback_host, parse_base_url
from airflow_provider_dubbing.client.errors import ConnectionConfigError

DEFAULT = "https://client.camb.ai/apis"


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        (None, DEFAULT),
        ("", DEFAULT),
        ("   ", DEFAULT),
        ("client.camb.ai/apis", "https://client.camb.ai/apis"),
        ("https://client.camb.ai/apis/", "https://client.camb.ai/apis"),
        ("http://127.0.0.1:8765/apis", "http://127.0.0.1:8765/apis"),
        ("http://localhost:8765", "http://localhost:8765"),
        ("http://[::1]:8765/x/y", "http://[::1]:8765/x/y"),
        ("proxy.internal:8443/camb", "https://proxy.internal:8443/camb"),
    ],
)
def test_hosts_become_base_urls(host: str | None, expected: str) -> None:
    assert parse_base_url(host, default=DEFAULT, conn_id="c") == expected


@pytest.mark.parametrize(
    ("host", "problem"),
    [
        ("ftp://client.camb.ai", "scheme"),
        ("https://", "host"),
        ("https://client.camb.ai/apis?x=1", "query"),
        ("http://client.camb.ai/apis", "unencrypted"),
        ("http://10.0.0.5:8765", "unencrypted"),
    ],
)
def test_bad_hosts_are_refused_naming_the_field(host: str, problem: str) -> None:
    with pytest.raises(ConnectionConfigError, match=problem) as info:
        parse_base_url(host, default=DEFAULT, conn_id="camb_prod")
    assert info.value.conn_id == "camb_prod"
    assert info.value.field == "host"


def test_plain_http_elsewhere_needs_an_explicit_opt_in() -> None:
    assert (
        parse_base_url("http://camb.test:8080/apis", default=DEFAULT, conn_id="c", allow_insecure_http=True)
        == "http://camb.test:8080/apis"
    )


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.9.9.9", True),
        ("::1", True),
        ("localhost", True),
        ("10.0.0.1", False),
        ("example.com", False),
    ],
)
def test_loopback_hosts(host: str, loopback: bool) -> None:
    assert is_loopback_host(host) is loopback


def test_secret_never_shows_itself() -> None:
    secret = Secret("sk-live-123456")
    for text in (repr(secret), str(secret), f"{secret}", repr({"h": secret}), repr([secret])):
        assert "sk-live-123456" not in text
    assert secret.reveal() == "sk-live-123456"
    with pytest.raises(TypeError):
        pickle.dumps(secret)  # a secret must not leave the process by accident


@pytest.mark.parametrize("password", ["key\r\nX-Injected: 1", "key\x00", "ke\ty"])
def test_a_credential_with_a_control_character_is_refused_without_quoting_it(password: str) -> None:
    from airflow_provider_dubbing.hooks.base import require_field
    from airflow_provider_dubbing.hooks.connection import ConnectionFields

    conn = ConnectionFields(conn_id="c1", conn_type="camb", host=None, password=password)
    with pytest.raises(ConnectionConfigError, match="control character") as caught:
        require_field(conn, "password", conn.password, "CAMB.AI API key")
    assert caught.value.field == "password"
    assert "key" not in str(caught.value).replace("API key", "")
