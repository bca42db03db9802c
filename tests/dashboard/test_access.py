"""Access control without the dashboard: the policy file, identities, and the service refusing writes."""

from __future__ import annotations

import getpass
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from graph.sqlite import SQLiteStore
from registry.access import AccessPolicy, IdentitySource, Permission, Principal, Role
from registry.cli import app
from registry.errors import InvalidInput, PermissionDenied
from registry.model import Processor, RegistryFragment
from registry.service import Service

AS_OF = date(2026, 5, 1)
PROCESSOR = RegistryFragment(processors=[Processor(id="payroll-in", name="Payroll India", country="IN")])


def principal(*roles: Role) -> Principal:
    return Principal(user="someone", roles=frozenset(roles))


@pytest.fixture
def seeded_store(tmp_path: Path) -> SQLiteStore:
    store = SQLiteStore(tmp_path / "registry.sqlite")
    Service(store, actor="seeder").seed()
    return store


def test_a_viewer_can_read_but_every_write_and_export_is_refused(seeded_store: SQLiteStore) -> None:
    viewer = Service(seeded_store, principal=principal(Role.VIEWER))
    revision = seeded_store.revision()
    finding = viewer.check(AS_OF)[0]  # reading needs no permission beyond viewer
    with pytest.raises(PermissionDenied, match=r"may not change the registry.*engineer or admin"):
        viewer.register(PROCESSOR)
    with pytest.raises(PermissionDenied):
        viewer.seed(replace=True)
    with pytest.raises(PermissionDenied, match=r"may not acknowledge findings.*dpo or admin"):
        viewer.acknowledge(finding.id, "because", as_of=AS_OF)
    with pytest.raises(PermissionDenied, match="needs the role dpo, legal or admin"):
        viewer.export_tables(AS_OF)
    with pytest.raises(PermissionDenied):
        viewer.export_manifest()
    assert seeded_store.revision() == revision
    assert PermissionDenied.exit_code == 4


@pytest.mark.parametrize(("role", "allowed"), [
    (Role.ENGINEER, {Permission.REGISTER}),
    (Role.DPO, {Permission.ACKNOWLEDGE, Permission.EXPORT}),
    (Role.LEGAL, {Permission.EXPORT}),
    (Role.ADMIN, {Permission.REGISTER, Permission.ACKNOWLEDGE, Permission.EXPORT}),
])
def test_each_role_does_what_the_issue_grants(seeded_store: SQLiteStore, role: Role,
                                              allowed: set[Permission]) -> None:
    service = Service(seeded_store, principal=Principal(user=f"a-{role}", roles=frozenset({role})))
    finding = service.check(AS_OF)[0]
    attempts = {
        Permission.EXPORT: lambda: service.export_tables(AS_OF),
        Permission.REGISTER: lambda: service.register(PROCESSOR),
        Permission.ACKNOWLEDGE: lambda: service.acknowledge(finding.id, "accepted", as_of=AS_OF),
    }
    for permission, attempt in attempts.items():
        if permission in allowed:
            attempt()
        else:
            with pytest.raises(PermissionDenied):
                attempt()
    writes = {c.actor for c in seeded_store.changes() if c.actor != "seeder"}
    assert writes == ({f"a-{role}"} if allowed & {Permission.REGISTER, Permission.ACKNOWLEDGE} else set())


def test_no_principal_is_unrestricted(seeded_store: SQLiteStore) -> None:
    service = Service(seeded_store, actor="cli-user")
    service.register(PROCESSOR)
    assert "payroll-in" in service.registry().entities


def test_policy_file_maps_users_and_groups(tmp_path: Path) -> None:
    toml = tmp_path / "access.toml"
    toml.write_text('default_role = "viewer"\nproxy_header = "X-Forwarded-User"\ngroups_header = "X-Groups"\n'
                    'trusted_proxies = ["10.0.0.5/32"]\n'
                    '[users]\n"alice@example.com" = ["dpo", "legal"]\n[groups]\nplatform = "engineer"\n')
    policy = AccessPolicy.load(toml)
    assert policy.identity_source is IdentitySource.PROXY
    alice = policy.from_headers({"x-forwarded-user": "alice@example.com"}, "10.0.0.5")
    assert alice.roles == {Role.DPO, Role.LEGAL} and alice.source is IdentitySource.PROXY
    bob = policy.from_headers({"X-Forwarded-User": "bob", "X-Groups": "platform, other"}, "10.0.0.5")
    assert bob.roles == {Role.ENGINEER} and bob.groups == {"platform", "other"}
    assert policy.principal("carol").roles == {Role.VIEWER}
    with pytest.raises(PermissionDenied, match="X-Forwarded-User"):
        policy.from_headers({}, "10.0.0.5")

    yaml_file = tmp_path / "access.yaml"
    yaml_file.write_text("oidc: true\ndefault_role: null\nusers:\n  dana: admin\n")
    from_yaml = AccessPolicy.load(yaml_file)
    assert from_yaml.identity_source is IdentitySource.OIDC
    assert from_yaml.principal("dana").roles == {Role.ADMIN} and from_yaml.principal("eve").roles == set()


def test_bad_policy_files_are_refused_with_the_field(tmp_path: Path) -> None:
    bad = tmp_path / "access.toml"
    bad.write_text('[users]\nalice = ["superuser"]\n')
    with pytest.raises(InvalidInput) as error:
        AccessPolicy.load(bad)
    assert error.value.problems[0].field == "users.alice.0" and error.value.problems[0].file == str(bad)
    bad.write_text('unknown_key = 1\n')
    with pytest.raises(InvalidInput, match="unknown_key"):
        AccessPolicy.load(bad)


def test_local_mode_without_a_policy_makes_the_local_user_admin(tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("FLOWREG_ACCESS", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "empty-config"))
    policy = AccessPolicy.load()
    assert not policy.configured and policy.identity_source is IdentitySource.LOCAL
    assert policy.principal("anyone").roles == {Role.ADMIN}
    folder = tmp_path / "config" / "flowreg"
    folder.mkdir(parents=True)
    (folder / "access.toml").write_text('[users]\nfrank = "legal"\n')
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    assert AccessPolicy.load().principal("frank").roles == {Role.LEGAL}


def test_cli_applies_a_configured_policy_to_the_os_user(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = str(tmp_path / "cli.sqlite")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.delenv("FLOWREG_ACCESS", raising=False)
    runner = CliRunner()
    assert runner.invoke(app, ["--store", store, "seed"]).exit_code == 0  # no policy: unrestricted
    policy = tmp_path / "access.toml"
    policy.write_text(f'[users]\n"{getpass.getuser()}" = "legal"\n')
    monkeypatch.setenv("FLOWREG_ACCESS", str(policy))
    refused = runner.invoke(app, ["--store", store, "--actor", "someone-else", "seed"])
    assert refused.exit_code == 4 and "may not change the registry" in refused.output
    exported = runner.invoke(app, ["--store", store, "export", "findings", "--format", "json", "--as-of", "2026-05-01"])
    assert exported.exit_code == 0 and '"as_of"' in exported.output


def test_dashboard_command_refuses_a_broken_policy_before_starting(tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    policy = tmp_path / "access.toml"
    policy.write_text('[users]\nalice = "owner"\n')
    monkeypatch.setenv("FLOWREG_ACCESS", str(policy))
    result = CliRunner().invoke(app, ["--store", str(tmp_path / "s.sqlite"), "dashboard", "--server.port", "1"])
    assert result.exit_code == 2 and "invalid access policy" in result.output and "users.alice" in result.output
