"""The price table, in one place: US dollars per million tokens, overridable from settings.

Costs are kept in micro-dollars (integers), so budgets add and compare exactly in SQL. Because
prices are per million tokens, `tokens * price` is already a cost in micro-dollars.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

from pydantic import BaseModel, ConfigDict, Field

from starguide.ai.types import Usage


class Price(BaseModel):
    """US dollars per million tokens."""

    model_config = ConfigDict(frozen=True)
    input: float = Field(ge=0)
    output: float = Field(ge=0)
    cached_input: float | None = Field(default=None, ge=0)  # None: same as input


# List prices at the time of writing; check your provider's page and override with
# STARGUIDE_AI_PRICES='{"openai/gpt-4o-mini": {"input": 0.15, "output": 0.6}}'.
# Keys are "provider/model"; a key ending in "*" matches every model with that prefix.
DEFAULT_PRICES: dict[str, Price] = {
    "openai/gpt-4o-mini*": Price(input=0.15, cached_input=0.075, output=0.60),
    "openai/gpt-4o*": Price(input=2.50, cached_input=1.25, output=10.00),
    "openai/gpt-4.1-nano*": Price(input=0.10, cached_input=0.025, output=0.40),
    "openai/gpt-4.1-mini*": Price(input=0.40, cached_input=0.10, output=1.60),
    "openai/gpt-4.1*": Price(input=2.00, cached_input=0.50, output=8.00),
    "openai/gpt-5-nano*": Price(input=0.05, cached_input=0.005, output=0.40),
    "openai/gpt-5-mini*": Price(input=0.25, cached_input=0.025, output=2.00),
    "openai/gpt-5*": Price(input=1.25, cached_input=0.125, output=10.00),
    "anthropic/claude-haiku-4*": Price(input=1.00, cached_input=0.10, output=5.00),
    "anthropic/claude-3-5-haiku*": Price(input=0.80, cached_input=0.08, output=4.00),
    "anthropic/claude-sonnet-4*": Price(input=3.00, cached_input=0.30, output=15.00),
    "anthropic/claude-opus-4*": Price(input=15.00, cached_input=1.50, output=75.00),
    "gemini/gemini-2.5-flash-lite*": Price(input=0.10, cached_input=0.025, output=0.40),
    "gemini/gemini-2.5-flash*": Price(input=0.30, cached_input=0.075, output=2.50),
    "gemini/gemini-2.5-pro*": Price(input=1.25, cached_input=0.31, output=10.00),
    "gemini/gemini-2.0-flash*": Price(input=0.10, cached_input=0.025, output=0.40),
    # Self-hosted and offline cost nothing per token (their cost is the hardware).
    "openai_compat/*": Price(input=0, output=0),
    "offline/*": Price(input=0, output=0),
}
# A model missing from the table is charged at this price: never free, so budgets still hold.
FALLBACK_PRICE = Price(input=5.00, output=20.00)


@dataclass(frozen=True)
class PriceTable:
    prices: Mapping[str, Price]
    fallback: Price = FALLBACK_PRICE
    _resolved: dict[str, Price] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def with_overrides(cls, overrides: Mapping[str, Price] | None = None) -> PriceTable:
        merged = dict(overrides or {})
        for key, price in DEFAULT_PRICES.items():
            merged.setdefault(key, price)
        return cls(merged)

    def price(self, provider: str, model: str) -> Price:
        key = f"{provider}/{model}"
        found = self._resolved.get(key)
        if found is None:
            found = self._resolved[key] = self._lookup(key)
        return found

    def _lookup(self, key: str) -> Price:
        exact = self.prices.get(key)
        if exact is not None:
            return exact
        # The longest matching prefix wins, so "gpt-4o-mini*" beats "gpt-4o*".
        best: tuple[int, Price] | None = None
        for pattern, price in self.prices.items():
            matches = pattern.endswith("*") and key.startswith(pattern[:-1])
            if matches and (best is None or len(pattern) > best[0]):
                best = (len(pattern), price)
        return best[1] if best else self.fallback

    def cost_micros(self, provider: str, model: str, usage: Usage) -> int:
        """Cost in micro-dollars, rounded up."""
        price = self.price(provider, model)
        cached = min(usage.cached_input_tokens, usage.input_tokens)
        cached_price = price.input if price.cached_input is None else price.cached_input
        total = (
            (usage.input_tokens - cached) * price.input
            + cached * cached_price
            + usage.output_tokens * price.output
        )
        return math.ceil(total - 1e-9) if total > 0 else 0

    def worst_case_micros(self, provider: str, model: str, input_tokens: int, max_tokens: int) -> int:
        return self.cost_micros(provider, model, Usage(input_tokens=input_tokens, output_tokens=max_tokens))
