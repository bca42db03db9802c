"""Issue 12, item 3, the policy side: trusted_proxies is validated when the policy loads, and identity headers
count only from a connection whose own address is in it."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from registry.access import AccessPolicy, Role
from registry.cli import app
from registry.errors import InvalidInput, PermissionDenied

HEADERS = {"X-Forwarded-User": "mallory", "X-Forwarded-Groups": "admins"}


def write(tmp_path: Path, trusted: str | None) -> Path:
    path = tmp_path / "access.toml"
    line = f"trusted_proxies = {trusted}\n" if trusted is not None else ""
    path.write_text('proxy_header = "X-Forwarded-User"\ngroups_header = "X-Forwarded-Groups"\n'
                    f'{line}[groups]\nadmins = "admin"\n', encoding="utf-8")
    return path


@pytest.mark.parametrize(("entries", "field", "reason"), [
    ('["127.0.0.1/32", "proxy.example.com"]', "trusted_proxies.1", "not an IP address or network"),
    ('["10.0.0.5/8"]', "trusted_proxies.0", "host bits set"),
    ('["127.0.0.1/33"]', "trusted_proxies.0", "not an IP address or network"),
    ("[2130706433]", "trusted_proxies.0", "not a string"),
    ('"127.0.0.1/32"', "trusted_proxies", "list"),
    (None, "trusted_proxies", "proxy_header is set but trusted_proxies is missing"),
    ("[]", "trusted_proxies", "proxy_header is set but trusted_proxies is missing"),
])
def test_a_bad_or_missing_trusted_proxies_is_refused_naming_file_and_key(tmp_path: Path, entries: str | None,
                                                                        field: str, reason: str) -> None:
    path = write(tmp_path, entries)
    with pytest.raises(InvalidInput) as error:
        AccessPolicy.load(path)
    problem = error.value.problems[0]
    assert problem.file == str(path) and problem.field == field and reason in problem.message


def test_the_dashboard_command_refuses_a_proxy_policy_without_trusted_proxies(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FLOWREG_ACCESS", str(write(tmp_path, None)))
    result = CliRunner().invoke(app, ["--store", str(tmp_path / "s.sqlite"), "dashboard", "--server.port", "1"])
    assert result.exit_code == 2 and "trusted_proxies" in result.output


def test_identity_headers_count_only_from_a_trusted_proxy(tmp_path: Path) -> None:
    policy = AccessPolicy.load(write(tmp_path, '["127.0.0.1/32", "10.1.0.0/16", "::1"]'))
    for proxy in ("127.0.0.1", "10.1.200.3", "::1", "::ffff:127.0.0.1"):
        assert policy.from_headers(HEADERS, proxy).roles == {Role.ADMIN}
    for stranger in ("127.0.0.2", "10.2.0.1", "::2", None, "", "not-an-address"):
        with pytest.raises(PermissionDenied, match="trusted_proxies"):
            policy.from_headers(HEADERS, stranger)
