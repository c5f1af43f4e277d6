"""Who sees what: map signed-in users to a scope (a state, or everything). Pure, no Streamlit.

Open access when no mapping is configured. With Streamlit's OpenID Connect login configured
(`[auth]` in .streamlit/secrets.toml) and a mapping file named by JURANG_ACCESS_FILE, a state
official lands on their state (and still sees peers and national context) and exports are scoped
to that state; ministry users see and export everything.

Imported data: anyone who may view may *preview* an upload (private to their session); only
ministry users may *publish* it for everyone or withdraw it (can_publish). Open access has no
publisher in the app: the deployer publishes with `python -m etl import-indicator`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import yaml

ACCESS_FILE_ENV_VAR = "JURANG_ACCESS_FILE"
ROLES = {"ministry", "state", "none"}


@dataclass(frozen=True)
class Scope:
    role: str  # "ministry" (everything), "state" (one state), "open" (no login configured), "none" (no access)
    state: str | None = None
    user: str | None = field(
        default=None, compare=False
    )  # the signed-in e-mail (for the import log); not part of the scope

    @property
    def can_view(self) -> bool:
        return self.role != "none"

    @property
    def can_preview(self) -> bool:
        """May check an upload and see it on the map, gaps and index, in this session only."""
        return self.can_view

    @property
    def can_publish(self) -> bool:
        """May publish an imported series for everyone, or withdraw one (see can_publish)."""
        return can_publish(self)

    def export_states(self, all_states: list[str]) -> list[str | None]:
        """States this user may export briefing packs for (None = the national pack)."""
        if self.role == "state":
            return [self.state]
        return [None, *all_states] if self.can_view else []


OPEN = Scope("open")


def can_publish(scope: Scope) -> bool:
    """Publishing changes what every user sees, so only a signed-in ministry user may do it.

    The ministry role exists only when sign-in and an access file are configured; open access
    ("open") and state officials may preview only."""
    return scope.role == "ministry" and bool(scope.user)


def parse_access(document: dict, valid_states: set[str]) -> dict:
    """Validate a mapping document: roles known, state named for state users, states real."""
    default = document.get("default", "none")
    if default not in {"ministry", "none"}:
        raise ValueError(f"access file: default must be 'ministry' or 'none', got {default!r}")
    rules = []
    for kind in ("users", "domains"):
        for rule in document.get(kind, []) or []:
            role = rule.get("role")
            if role not in ROLES:
                raise ValueError(f"access file: {kind} entry {rule} has unknown role {role!r}")
            if role == "state" and rule.get("state") not in valid_states:
                raise ValueError(f"access file: {kind} entry {rule} must name one of the 16 states")
            key = "email" if kind == "users" else "domain"
            if not rule.get(key):
                raise ValueError(f"access file: {kind} entry {rule} needs '{key}'")
            rules.append(
                {"kind": kind, "match": str(rule[key]).strip().lower(), "role": role, "state": rule.get("state")}
            )
    return {"default": default, "rules": rules}


def scope_for(email: str | None, access: dict | None) -> Scope:
    """The scope of a user: an exact e-mail rule first, then the e-mail's domain, then the default."""
    if access is None:
        return OPEN
    if not email:
        return Scope("none")
    address = email.strip().lower()
    domain = address.rsplit("@", 1)[-1]
    for kind, candidate in (("users", address), ("domains", domain)):
        for rule in access["rules"]:
            if rule["kind"] == kind and rule["match"] == candidate:
                return Scope(rule["role"], rule["state"] if rule["role"] == "state" else None, user=address)
    return Scope(access["default"], user=address)


def load_access(valid_states: set[str], path: Path | None = None) -> dict | None:
    """The mapping from JURANG_ACCESS_FILE (or path), or None for open access."""
    path = path or (Path(os.environ[ACCESS_FILE_ENV_VAR]) if os.environ.get(ACCESS_FILE_ENV_VAR) else None)
    if path is None:
        return None
    with open(path, encoding="utf-8") as handle:
        return parse_access(yaml.safe_load(handle) or {}, valid_states)
