"""The mentor tests use the AI tests' fake provider server."""

from tests.ai.conftest import fake

__all__ = ["fake"]
