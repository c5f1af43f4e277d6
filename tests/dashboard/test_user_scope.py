"""State-scoped access: the mapping logic, tested without any identity provider."""

from __future__ import annotations

from pathlib import Path

import pytest

from dashboard import access

STATES = {"Sabah", "Kedah", "Johor"}
EXAMPLE = Path(__file__).resolve().parents[2] / "data" / "reference" / "access.example.yaml"


@pytest.fixture
def mapping():
    return access.load_access(STATES, EXAMPLE)


def test_no_mapping_means_open_access():
    assert access.scope_for("anyone@example.com", None) == access.OPEN
    assert access.OPEN.export_states(["Sabah"]) == [None, "Sabah"]


def test_exact_email_beats_domain(mapping):
    assert access.scope_for("Planner@Example.gov.my", mapping) == access.Scope("ministry")


def test_domain_rule_gives_a_state_official_their_state(mapping):
    scope = access.scope_for("pegawai@sabah.example.gov.my", mapping)
    assert scope == access.Scope("state", "Sabah")
    assert scope.export_states(["Sabah", "Kedah"]) == ["Sabah"]  # exports scoped to their state


def test_unlisted_users_fall_to_the_default(mapping):
    assert access.scope_for("someone@gmail.com", mapping) == access.Scope("none")
    assert not access.scope_for(None, mapping).can_view


@pytest.mark.parametrize(
    "document",
    [
        {"default": "everyone"},
        {"domains": [{"domain": "x.gov.my", "role": "state", "state": "Atlantis"}]},
        {"users": [{"email": "a@b", "role": "admin"}]},
        {"users": [{"role": "ministry"}]},
    ],
)
def test_bad_mappings_are_rejected_clearly(document):
    with pytest.raises(ValueError, match="access file"):
        access.parse_access(document, STATES)


# --- who may change what everyone sees (imported data) ------------------------------------------------


@pytest.mark.parametrize(
    ("scope", "preview", "publish"),
    [
        (access.OPEN, True, False),  # no sign-in configured: preview only; the deployer publishes from the command line
        (access.Scope("state", "Sabah", user="pegawai@sabah.example.gov.my"), True, False),
        (access.Scope("ministry", user="planner@example.gov.my"), True, True),
        (access.Scope("ministry"), True, False),  # a ministry scope with nobody signed in to log
        (access.Scope("none", user="someone@gmail.com"), False, False),
    ],
)
def test_only_a_signed_in_ministry_user_may_publish(scope, preview, publish):
    assert scope.can_preview is preview
    assert access.can_publish(scope) is publish and scope.can_publish is publish


def test_the_scope_remembers_who_signed_in_without_changing_what_they_see(mapping):
    scope = access.scope_for("Planner@Example.gov.my", mapping)

    assert scope.user == "planner@example.gov.my" and scope == access.Scope("ministry")
    assert access.can_publish(scope)
    assert not access.can_publish(access.scope_for("pegawai@sabah.example.gov.my", mapping))
