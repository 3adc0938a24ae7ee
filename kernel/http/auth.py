"""Bearer tokens and roles: clerk, rule author (own department), auditor, admin."""

from __future__ import annotations

import hashlib
import ipaddress
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from kernel.http.apimodels import Role

TOKENS_ENV = "ONETRIP_TOKENS"
# Kernel.start arguments that are not settings: the command line gives them.
RESERVED = frozenset(("db_url", "rule_dirs", "disabled", "entry_points", "extra_plugins",
                      "open_db"))
# What each role may do; "read" covers every GET and the dry-run evaluation; "supervise"
# the hall's supervision (warnings, accountability, the dashboard): auditors and admins.
GRANTS: dict[str, set[str]] = {
    "clerk": {"read", "cases"},
    "rule_author": {"read", "rules", "sandbox"},
    "auditor": {"read", "sandbox", "supervise"},
    "admin": {"read", "cases", "rules", "sandbox", "supervise", "admin"},
}


class TokenSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")
    token: str = Field(min_length=16)
    role: Role
    department: str | None = Field(None, description="a rule author's own department")
    name: str | None = Field(None, max_length=200, description="the person the token belongs "
                             "to: the author recorded for the rule changes it makes")


class ServerConfig(BaseModel):
    """The server's YAML config file; every key is optional."""

    model_config = ConfigDict(extra="forbid")
    tokens: list[TokenSpec] = []
    warnings: dict[str, int] = Field(default_factory=lambda: {"yellow": 5, "red": 2})
    sweep_interval: float = Field(30.0, gt=0, description="seconds between timer sweeps")
    rules_check_interval: float = Field(
        5.0, gt=0, description="seconds between checks for rule files changed by another process")
    settings: dict[str, str | int | float | bool] = Field(
        default_factory=dict, description="kernel settings for the plugins, e.g. sandbox_jobs")

    @field_validator("settings")
    @classmethod
    def _plain_settings(cls, value: dict[str, Any]) -> dict[str, Any]:
        taken = sorted(RESERVED & value.keys())
        if taken:
            raise ValueError(f"{', '.join(taken)}: given by --db, --rules or "
                             "ONETRIP_DISABLE_PLUGINS, not as a setting")
        return value


@dataclass(frozen=True)
class Principal:
    role: str
    department: str | None = None
    name: str | None = None

    def may(self, grant: str, department: str | None = None) -> bool:
        if grant not in GRANTS[self.role]:
            return False
        return not (self.role == "rule_author" and department and department != self.department)


ANONYMOUS_ADMIN = Principal("admin", name="loopback (no tokens configured)")


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def tokens_from_env(value: str) -> list[TokenSpec]:
    """``token=role[:department[:name]]`` pairs separated by commas; ``name`` is the person
    the token belongs to, recorded as the author of what it changes (``admin::王某``)."""
    out = []
    for part in filter(None, (p.strip() for p in value.split(","))):
        token, _, grant = part.partition("=")
        role, _, rest = grant.partition(":")
        dept, _, name = rest.partition(":")
        out.append(TokenSpec(token=token, role=role, department=dept or None,
                             name=name.strip() or None))
    return out


class ConfigError(ValueError):
    """The server config cannot be used; the message names the field, never a token."""


def load_config(path: str | Path | None = None, env: dict[str, str] | None = None
                ) -> ServerConfig:
    """The config file (if any) plus tokens from ONETRIP_TOKENS; raises ConfigError."""
    env = os.environ if env is None else env
    where = str(path or TOKENS_ENV)
    try:
        data: dict[str, Any] = {}
        if path:
            data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
        config = ServerConfig.model_validate(data)
        if env.get(TOKENS_ENV):
            where = TOKENS_ENV
            config.tokens = config.tokens + tokens_from_env(env[TOKENS_ENV])
    except ValidationError as exc:  # its text would quote the input: the token itself
        raise ConfigError("; ".join(f"{where}: {'.'.join(map(str, e['loc']))}: {e['msg']}"
                                    for e in exc.errors())) from None
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"{where}: {exc}") from None
    return config


class TokenTable:
    """Looks up bearer tokens by digest; empty means loopback-only, everyone admin."""

    def __init__(self, specs: list[TokenSpec]):
        self.by_digest = {_digest(s.token): Principal(s.role, s.department, s.name)
                          for s in specs}

    def __bool__(self) -> bool:
        return bool(self.by_digest)

    def principal(self, header: str | None) -> Principal | None:
        if not self.by_digest:
            return ANONYMOUS_ADMIN
        scheme, _, token = (header or "").partition(" ")
        if scheme.lower() != "bearer" or not token:
            return None
        return self.by_digest.get(_digest(token.strip()))


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
