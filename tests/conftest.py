"""Fixtures shared by the engine's tests."""
import pytest

from slametrics.db import connect


@pytest.fixture
def con():
    """An empty in-memory database with the schema."""
    c = connect(":memory:")
    yield c
    c.close()
