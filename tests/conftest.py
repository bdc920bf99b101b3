"""Fixtures shared by the engine's tests."""
import pytest

from slametrics.db import connect
from slametrics.policy import parse_policy
from tests.dashboard.fixture import POLICY


@pytest.fixture(scope="session")
def policy():
    """The dashboard fixture's policy (tests/dashboard/fixture.py); a test file with other terms defines its own."""
    return parse_policy(POLICY, "fixture policy")


@pytest.fixture
def con():
    """An empty in-memory database with the schema."""
    c = connect(":memory:")
    yield c
    c.close()
