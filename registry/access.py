"""Who may do what: roles, the permissions they grant, and the policy file that maps users and groups to roles.

The service layer enforces the permissions (Service(principal=...) raises PermissionDenied), so a page that
forgets a check, or a script that calls the service directly, cannot write past a role.

Policy file (TOML, or YAML with the same keys), from FLOWREG_ACCESS or `access.toml` / `access.yaml` in the
user's config directory:

    default_role = "viewer"            # anyone known to the identity source but not listed below
    proxy_header = "X-Forwarded-User"  # trust this header from a reverse proxy (the proxy must set it)
    groups_header = "X-Forwarded-Groups"
    trusted_proxies = ["127.0.0.1/32"]  # the proxy's addresses; required with proxy_header
    oidc = false                       # true: Streamlit's OIDC login (st.login, [auth] in secrets.toml)
    [users]
    "alice@example.com" = ["dpo", "legal"]
    [groups]
    engineering = "engineer"

Without a policy file the dashboard runs in local mode: the OS user is an admin (one person on their own
machine owns their own registry), and the CLI is unrestricted, as before access control existed.
"""

from __future__ import annotations

import ipaddress
import os
import pwd
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import yaml
from pydantic import BaseModel, BeforeValidator, ConfigDict, ValidationError

from registry.errors import InvalidInput, PermissionDenied, Problem
from registry.files import read_input
from registry.paths import app_dir

ACCESS_ENV = "FLOWREG_ACCESS"
POLICY_MAX_BYTES = 1024 * 1024  # a policy of a few thousand users is a few hundred KiB
DEFAULT_FILES = ("access.toml", "access.yaml", "access.yml")


def os_user() -> str:
    """The account the process runs as, from its real uid: LOGNAME and USER are whatever the caller set, so
    they must not decide whose role applies. A uid with no account entry is named by its number."""
    uid = os.getuid()
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return str(uid)


class Role(StrEnum):
    VIEWER = "viewer"
    DPO = "dpo"
    LEGAL = "legal"
    ENGINEER = "engineer"
    ADMIN = "admin"


class Permission(StrEnum):
    VIEW = "view"
    REGISTER = "register"  # add or change records one at a time: the register command and form
    ACKNOWLEDGE = "acknowledge"  # accept a finding
    EXPORT = "export"  # the legal records and the whole-registry manifest
    IMPORT = "import"  # import a manifest, inventory workbook or CSV files (a DPO's inventory comes this way)
    POLICY = "policy"  # write house rules: the organisation's own policies, judged with the law


GRANTS: dict[Role, frozenset[Permission]] = {
    Role.VIEWER: frozenset({Permission.VIEW}),
    Role.DPO: frozenset({Permission.VIEW, Permission.ACKNOWLEDGE, Permission.EXPORT, Permission.IMPORT,
                         Permission.POLICY}),
    Role.LEGAL: frozenset({Permission.VIEW, Permission.EXPORT}),
    Role.ENGINEER: frozenset({Permission.VIEW, Permission.REGISTER, Permission.IMPORT}),
    Role.ADMIN: frozenset(Permission),
}
# Who to ask for, in refusals.
ALLOWED_ROLES: dict[Permission, tuple[Role, ...]] = {
    permission: tuple(role for role in Role if permission in GRANTS[role]) for permission in Permission}


class IdentitySource(StrEnum):
    LOCAL = "local"  # the OS user of the machine the dashboard or CLI runs on
    PROXY = "proxy"  # a header set by a trusted reverse proxy
    OIDC = "oidc"  # Streamlit's OpenID Connect login


@dataclass(frozen=True)
class Principal:
    """An authenticated user and the roles the policy gives them."""

    user: str
    roles: frozenset[Role]
    source: IdentitySource = IdentitySource.LOCAL
    groups: frozenset[str] = frozenset()

    @property
    def permissions(self) -> frozenset[Permission]:
        return frozenset().union(*(GRANTS[role] for role in self.roles))

    def can(self, permission: Permission) -> bool:
        return permission in self.permissions

    def require(self, permission: Permission, action: str) -> None:
        if not self.can(permission):
            roles = ", ".join(sorted(self.roles)) or "no role"
            *others, last = ALLOWED_ROLES[permission]
            allowed = f"{', '.join(others)} or {last}" if others else last
            raise PermissionDenied(f"{self.user} ({roles}) may not {action}: that needs the role {allowed}")


def _role_list(value: object) -> object:
    return [value] if isinstance(value, str) else value


Roles = Annotated[list[Role], BeforeValidator(_role_list)]
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def _network(value: object) -> Network:
    # strict: "10.0.0.5/8" is refused rather than widened to all of 10/8, a guess a trust list must not make.
    if not isinstance(value, str):
        raise ValueError(f"{value!r} is not a string such as \"10.0.0.5\" or \"10.0.0.0/24\"")
    try:
        return ipaddress.ip_network(value.strip(), strict=True)
    except ValueError as error:
        raise ValueError(f"{value!r} is not an IP address or network ({error})") from None


def _address(value: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """The client's address, IPv4-mapped IPv6 (a dual-stack socket's view of an IPv4 client) as IPv4."""
    try:
        address = ipaddress.ip_address(value.strip())
    except ValueError:
        return None
    mapped = getattr(address, "ipv4_mapped", None)
    return mapped or address


class _PolicyFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    default_role: Role | None = Role.VIEWER
    proxy_header: str | None = None
    groups_header: str | None = None
    trusted_proxies: list[Annotated[Network, BeforeValidator(_network)]] = []
    oidc: bool = False
    users: dict[str, Roles] = {}
    groups: dict[str, Roles] = {}


@dataclass(frozen=True)
class AccessPolicy:
    """The role mapping; `path` None means no policy file: local mode, where the local user is an admin."""

    path: Path | None = None
    users: Mapping[str, frozenset[Role]] = field(default_factory=dict)
    groups: Mapping[str, frozenset[Role]] = field(default_factory=dict)
    default_roles: frozenset[Role] = frozenset({Role.VIEWER})
    proxy_header: str | None = None
    groups_header: str | None = None
    trusted_proxies: tuple[Network, ...] = ()
    oidc: bool = False

    @property
    def configured(self) -> bool:
        return self.path is not None

    @property
    def identity_source(self) -> IdentitySource:
        if self.proxy_header:
            return IdentitySource.PROXY
        if self.oidc:
            return IdentitySource.OIDC
        return IdentitySource.LOCAL

    @classmethod
    def default_path(cls) -> Path | None:
        """FLOWREG_ACCESS, else the first policy file present in the user's config directory."""
        if os.environ.get(ACCESS_ENV):
            return Path(os.environ[ACCESS_ENV])
        folder = app_dir()
        return next((folder / name for name in DEFAULT_FILES if (folder / name).is_file()), None)

    @classmethod
    def load(cls, path: str | Path | None = None) -> AccessPolicy:
        """The policy at `path` (default: `default_path()`); local mode when there is none."""
        path = Path(path) if path is not None else cls.default_path()
        if path is None:
            return cls()
        try:
            text = read_input(path, POLICY_MAX_BYTES, what="access policies").decode("utf-8")
        except UnicodeDecodeError as error:
            raise InvalidInput([Problem(f"cannot read the access policy: not UTF-8 text (byte {error.start})",
                                        file=str(path))], summary="invalid access policy") from None
        try:
            data = yaml.safe_load(text) if path.suffix in (".yaml", ".yml") else tomllib.loads(text)
            parsed = _PolicyFile.model_validate(data or {})
        except (tomllib.TOMLDecodeError, yaml.YAMLError) as error:
            raise InvalidInput([Problem(str(error), file=str(path))], summary="invalid access policy") from None
        except ValidationError as error:
            problems = [Problem(item["msg"], file=str(path), field=".".join(str(p) for p in item["loc"]))
                        for item in error.errors()]
            raise InvalidInput(problems, summary="invalid access policy") from None
        except ValueError as error:  # a value YAML cannot build, such as an unquoted 2025-02-30
            raise InvalidInput([Problem(str(error), file=str(path))], summary="invalid access policy") from None
        if parsed.proxy_header and not parsed.trusted_proxies:
            # A header anyone can send is an identity only when it is known who sent it. Refusing, rather than
            # defaulting to loopback, makes the operator say where the proxy runs instead of finding out from
            # refused sign-ins, and an old policy written before trusted_proxies cannot keep trusting everyone.
            raise InvalidInput([Problem("proxy_header is set but trusted_proxies is missing: list the reverse "
                                        'proxy\'s addresses, e.g. trusted_proxies = ["127.0.0.1/32"]',
                                        file=str(path), field="trusted_proxies")],
                               summary="invalid access policy")
        return cls(
            path=path,
            users={user: frozenset(roles) for user, roles in parsed.users.items()},
            groups={group: frozenset(roles) for group, roles in parsed.groups.items()},
            default_roles=frozenset({parsed.default_role}) if parsed.default_role else frozenset(),
            proxy_header=parsed.proxy_header or None,
            groups_header=parsed.groups_header or None,
            trusted_proxies=tuple(parsed.trusted_proxies),
            oidc=parsed.oidc,
        )

    def roles_for(self, user: str, groups: Iterable[str] = ()) -> frozenset[Role]:
        if not self.configured:
            return frozenset({Role.ADMIN})
        roles = set(self.users.get(user, ()))
        for group in groups:
            roles |= self.groups.get(group, frozenset())
        return frozenset(roles) if roles else self.default_roles

    def principal(self, user: str, groups: Iterable[str] = (),
                  source: IdentitySource = IdentitySource.LOCAL) -> Principal:
        groups = frozenset(groups)
        return Principal(user=user, roles=self.roles_for(user, groups), source=source, groups=groups)

    def trusts_proxy(self, address: str | None) -> bool:
        """Whether `address` (the TCP peer of the request) is one of the policy's trusted_proxies."""
        peer = _address(address) if address else None
        return peer is not None and any(peer in network for network in self.trusted_proxies)

    def from_headers(self, headers: Mapping[str, str], peer: str | None) -> Principal:
        """The principal a trusted reverse proxy names; refused when the request did not come from one of
        the trusted_proxies (`peer`, the connection's own address; None when unknown) or lacks the header."""
        if not self.proxy_header:
            raise ValueError("the access policy names no proxy_header")
        if not self.trusts_proxy(peer):
            raise PermissionDenied(
                f"this connection comes from {peer or 'an unknown address'}, which is not in the access "
                "policy's trusted_proxies: identity headers are only accepted from the reverse proxy; "
                "open the dashboard through the proxy")
        lowered = {name.lower(): value for name, value in headers.items()}
        user = (lowered.get(self.proxy_header.lower()) or "").strip()
        if not user:
            raise PermissionDenied(f"no {self.proxy_header} header: open the dashboard through the proxy")
        groups_text = lowered.get(self.groups_header.lower(), "") if self.groups_header else ""
        groups = [g.strip() for g in groups_text.split(",") if g.strip()]
        return self.principal(user, groups, IdentitySource.PROXY)
