"""The router: an alias in, the best healthy deployment out, with retries, fallback and breakers.

- Strategies order an alias's deployments: `priority` (as written), `latency` (lowest observed
  time to first token, an EWMA; unmeasured deployments go first so they get measured), `cost`
  (cheapest worst case for this request).
- Each deployment gets `max_retries` retries on transient errors, with exponential backoff and full
  jitter, never sooner than the provider's `Retry-After`; a longer wait than `max_retry_wait` falls
  back to the next deployment at once. Errors that are about the deployment (auth, spend limit,
  context overflow, missing model) fall back without retrying; errors that are about the request
  (bad request, content filter) end the call.
- A circuit breaker per deployment and key opens after repeated failures (at once on auth and spend
  errors, for the `Retry-After` on rate limits), lets one probe through when its cooldown is over
  (half-open), and closes again when the probe succeeds.
- Timeouts: connecting (the HTTP client), first token, pause between chunks, and the whole call.
- Once text has reached the caller, the call is never restarted elsewhere (the learner would see
  two answers spliced together): it ends with a `StreamFailed` event instead.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import random
import time
from collections import OrderedDict
from collections.abc import AsyncGenerator, Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from types import TracebackType
from typing import Literal

from prometheus_client import Counter, Histogram

from starguide.ai.config import Catalog, CatalogError, Deployment, build_catalog
from starguide.ai.pricing import PriceTable
from starguide.ai.providers import Provider, Timeouts, build_provider
from starguide.ai.tokens import estimate_messages_tokens, estimate_text_tokens
from starguide.ai.types import (
    FALL_THROUGH,
    ChatRequest,
    ErrorKind,
    FinishReason,
    ProviderError,
    ProviderEvent,
    StreamEnd,
    TextDelta,
    Usage,
)
from starguide.config import ConfigError, Settings

logger = logging.getLogger("starguide.ai")

CALLS = Counter(
    "starguide_ai_calls_total",
    "AI calls by alias, deployment and outcome",
    ["alias", "deployment", "outcome"],
)
ATTEMPT_ERRORS = Counter("starguide_ai_attempt_errors_total", "Failed AI attempts", ["deployment", "kind"])
TTFT = Histogram(
    "starguide_ai_first_token_seconds",
    "Time to first token",
    ["deployment"],
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2, 4, 8, 16, 32),
)

Outcome = Literal["ok", "error", "cancelled"]
EWMA_ALPHA = 0.3
MAX_CACHED_PROVIDERS = 256
# Deployment errors that will not heal by themselves within seconds.
_LONG_COOLDOWN = frozenset({ErrorKind.AUTH, ErrorKind.SPEND_LIMIT, ErrorKind.NOT_FOUND})
# Request errors: they say nothing about the deployment's health.
_NOT_HEALTH = frozenset({ErrorKind.CONTEXT_OVERFLOW, ErrorKind.BAD_REQUEST, ErrorKind.CONTENT_FILTER})


@dataclass(frozen=True)
class RouterPolicy:
    connect_timeout: float = 5.0
    first_token_timeout: float = 30.0
    read_timeout: float = 60.0
    total_timeout: float = 300.0
    max_retries: int = 2
    backoff_base: float = 0.5
    backoff_max: float = 8.0
    max_retry_wait: float = 20.0
    breaker_failures: int = 3
    breaker_cooldown: float = 30.0
    breaker_max_cooldown: float = 600.0

    @classmethod
    def from_settings(cls, settings: Settings) -> RouterPolicy:
        return cls(**{name: getattr(settings, f"ai_{name}") for name in cls.__dataclass_fields__})


@dataclass
class Health:
    """Circuit breaker and latency record of one deployment used with one key."""

    state: Literal["closed", "open", "half_open"] = "closed"
    failures: int = 0
    open_until: float = 0.0
    cooldown: float = 0.0
    probing: bool = False
    ewma_ttft: float | None = None

    def allow(self, now: float) -> bool:
        if self.state == "closed":
            return True
        if self.state == "open" and now >= self.open_until:
            self.state = "half_open"
        if self.state == "half_open" and not self.probing:
            self.probing = True  # exactly one probe at a time
            return True
        return False

    def success(self, ttft: float | None) -> None:
        self.state, self.failures, self.probing, self.cooldown = "closed", 0, False, 0.0
        if ttft is not None:
            self.ewma_ttft = (
                ttft if self.ewma_ttft is None else EWMA_ALPHA * ttft + (1 - EWMA_ALPHA) * self.ewma_ttft
            )

    def release(self) -> None:
        """A probe ended without a verdict (the caller went away): let the next one through."""
        self.probing = False

    def failure(self, error: ProviderError, now: float, policy: RouterPolicy) -> None:
        if error.kind in _NOT_HEALTH:
            self.probing = False
            return
        self.failures += 1
        if error.kind in _LONG_COOLDOWN:
            self._open(now, policy.breaker_max_cooldown)
        elif error.kind is ErrorKind.RATE_LIMITED and error.retry_after:
            self._open(now, min(error.retry_after, policy.breaker_max_cooldown))
        elif self.state == "half_open":
            self._open(now, min(max(self.cooldown, policy.breaker_cooldown) * 2, policy.breaker_max_cooldown))
        elif self.failures >= policy.breaker_failures:
            self._open(now, policy.breaker_cooldown)
        self.probing = False

    def _open(self, now: float, cooldown: float) -> None:
        self.state, self.cooldown = "open", cooldown
        self.open_until = max(self.open_until, now + cooldown)


@dataclass(frozen=True, slots=True)
class Attempt:
    deployment: str
    error: ErrorKind | None
    status: int | None
    elapsed_ms: float


@dataclass
class CallResult:
    """What a call did: recorded for accounting whatever the outcome."""

    alias: str
    deployment: Deployment | None
    usage: Usage
    cost_micros: int
    finish_reason: FinishReason
    outcome: Outcome
    latency_ms: float
    ttft_ms: float | None
    text: str
    error: ProviderError | None = None
    attempts: list[Attempt] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class StreamFinished:
    result: CallResult


@dataclass(frozen=True, slots=True)
class StreamFailed:
    """The stream broke after text was sent; the text so far stands, and nothing is restarted."""

    error: ProviderError
    result: CallResult


RouterEvent = TextDelta | StreamFinished | StreamFailed


class RoutingError(Exception):
    """No deployment could serve the call, and no text was sent. `retry_after` when one will soon."""

    def __init__(
        self, message: str, *, last: ProviderError | None, attempts: list[Attempt], retry_after: float | None
    ):
        super().__init__(message)
        self.last = last
        self.attempts = attempts
        self.retry_after = retry_after
        self.result: CallResult | None = None


class _Watchdog:
    """One timer for a whole stream, instead of one `asyncio.timeout` per chunk.

    Each chunk only moves `deadline` (a float); the timer wakes at the old deadline, sees the new
    one and sleeps again. It cancels the task only while armed, i.e. while the task waits for the
    provider, never while the caller's own code runs between two chunks.
    """

    def __init__(self, loop: asyncio.AbstractEventLoop, deadline: float) -> None:
        self.loop = loop
        self.task = asyncio.current_task()
        self.deadline = deadline
        self.armed = False
        self.fired = False
        self.when = deadline
        self.handle: asyncio.TimerHandle | None = loop.call_at(deadline, self._check)

    def arm(self, deadline: float) -> None:
        self.deadline, self.armed = deadline, True
        if deadline < self.when:  # earlier than the timer: move the timer (rare: the first arm)
            self._schedule(deadline)

    def _schedule(self, when: float) -> None:
        if self.handle is not None:
            self.handle.cancel()
        self.when = when
        self.handle = self.loop.call_at(when, self._check)

    def disarm(self) -> None:
        self.armed = False

    def _check(self) -> None:
        self.handle = None
        if not self.armed:
            self.when = math.inf  # the next `arm` schedules the timer again
        elif self.loop.time() >= self.deadline and self.task is not None:
            self.fired = True
            self.task.cancel()
        else:
            self._schedule(self.deadline)

    def expired(self) -> bool:
        """True when the cancellation was ours (and takes it back); False when it came from outside."""
        if not self.fired or self.task is None:
            return False
        self.fired = False
        return self.task.uncancel() == 0

    def close(self) -> None:
        if self.handle is not None:
            self.handle.cancel()
            self.handle = None


class _MidStream(Exception):
    def __init__(self, error: ProviderError) -> None:
        super().__init__(str(error))
        self.error = error


class Router:
    def __init__(
        self,
        catalog: Catalog,
        prices: PriceTable,
        policy: RouterPolicy | None = None,
        *,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        rng: Callable[[], float] = random.random,
        provider_factory: Callable[[Deployment, str | None, Timeouts], Provider] = build_provider,
    ) -> None:
        self.catalog = catalog
        self.prices = prices
        self.policy = policy or RouterPolicy()
        self.monotonic = monotonic
        self.sleep = sleep
        self.rng = rng
        self.provider_factory = provider_factory
        self.timeouts = Timeouts(connect=self.policy.connect_timeout, read=self.policy.read_timeout)
        self._providers: OrderedDict[tuple[str, str | None], Provider] = OrderedDict()
        self._health: dict[tuple[str, str | None], Health] = {}

    # ---- choosing -------------------------------------------------------------------------

    def health(self, deployment: Deployment, api_key: str | None) -> Health:
        key = (deployment.name, api_key)
        found = self._health.get(key)
        if found is None:
            found = self._health[key] = Health()
        return found

    def candidates(
        self,
        alias: str,
        request: ChatRequest,
        *,
        allow_external: bool = True,
        keys: Mapping[str, str] | None = None,
    ) -> list[Deployment]:
        """The deployments of `alias` this call may use, in the order the strategy prefers."""
        found = self.catalog.alias(alias)
        if found is None:
            raise RoutingError(f"unknown model alias {alias!r}", last=None, attempts=[], retry_after=None)
        deployments = [d for d in found.deployments if allow_external or not d.external]
        if found.strategy == "latency":
            ewma = {d.name: self.health(d, self._key(d, keys)).ewma_ttft for d in deployments}
            deployments.sort(key=lambda d: ewma[d.name] or 0.0)
        elif found.strategy == "cost":
            tokens = self.estimate_input(request)
            deployments.sort(
                key=lambda d: self.prices.worst_case_micros(d.provider, d.model, tokens, request.max_tokens)
            )
        return deployments

    @staticmethod
    def estimate_input(request: ChatRequest) -> int:
        return estimate_messages_tokens(request.messages) + sum(
            estimate_text_tokens(p.text) for p in request.passages
        )

    def worst_case_micros(self, deployments: list[Deployment], request: ChatRequest) -> int:
        """The most this call can cost on any of `deployments`: what a budget reserves before it starts."""
        tokens = self.estimate_input(request)
        return max(
            (
                self.prices.worst_case_micros(d.provider, d.model, tokens, request.max_tokens)
                for d in deployments
            ),
            default=0,
        )

    @staticmethod
    def _key(deployment: Deployment, keys: Mapping[str, str] | None) -> str | None:
        return (keys or {}).get(deployment.provider) or deployment.api_key

    def provider(self, deployment: Deployment, api_key: str | None) -> Provider:
        cache_key = (deployment.name, api_key)
        found = self._providers.get(cache_key)
        if found is None:
            found = self._providers[cache_key] = self.provider_factory(deployment, api_key, self.timeouts)
            if len(self._providers) > MAX_CACHED_PROVIDERS:
                _, evicted = self._providers.popitem(last=False)
                task = asyncio.ensure_future(evicted.aclose())
                task.add_done_callback(lambda t: t.exception())
        else:
            self._providers.move_to_end(cache_key)
        return found

    def backoff(self, retry: int, retry_after: float | None) -> float | None:
        """Seconds before retry number `retry` (0-based): full jitter, at least `Retry-After`."""
        delay = self.rng() * min(self.policy.backoff_max, self.policy.backoff_base * 2**retry)
        if retry_after is not None:
            delay = max(delay, retry_after)
        return None if delay > self.policy.max_retry_wait else delay

    # ---- calling --------------------------------------------------------------------------

    def stream(
        self,
        alias: str,
        request: ChatRequest,
        *,
        allow_external: bool = True,
        keys: Mapping[str, str] | None = None,
        deployments: list[Deployment] | None = None,
    ) -> RouterStream:
        """Stream a reply. Raises `RoutingError` (before any text) when nothing can serve it."""
        chosen = (
            deployments
            if deployments is not None
            else self.candidates(alias, request, allow_external=allow_external, keys=keys)
        )
        return RouterStream(self, alias, request, chosen, keys or {}, streaming=True)

    async def complete(
        self,
        alias: str,
        request: ChatRequest,
        *,
        allow_external: bool = True,
        keys: Mapping[str, str] | None = None,
    ) -> CallResult:
        """A whole reply at once (the providers' non-streaming endpoints), with the same routing."""
        chosen = self.candidates(alias, request, allow_external=allow_external, keys=keys)
        async with RouterStream(self, alias, request, chosen, keys or {}, streaming=False) as stream:
            async for event in stream:
                if isinstance(event, StreamFinished | StreamFailed):
                    return event.result
        raise AssertionError("a router stream always ends with a final event")

    async def _events(
        self, provider: Provider, request: ChatRequest, deadline: float
    ) -> AsyncGenerator[ProviderEvent, None]:
        """The provider's events, under the first-token, pause and total timeouts."""
        loop = asyncio.get_running_loop()
        policy = self.policy
        events = provider.stream(request)
        watchdog = _Watchdog(loop, deadline)
        first = True
        try:
            while True:
                limit = loop.time() + (policy.first_token_timeout if first else policy.read_timeout)
                watchdog.arm(min(limit, deadline))
                try:
                    event = await anext(events)
                except StopAsyncIteration:
                    return
                except asyncio.CancelledError:
                    if not watchdog.expired():
                        raise
                    if loop.time() >= deadline - 0.001:
                        message = f"the reply took longer than {policy.total_timeout:g}s in all"
                    elif first:
                        message = f"no first token within {policy.first_token_timeout:g}s"
                    else:
                        message = f"the stream paused for more than {policy.read_timeout:g}s"
                    raise provider.error(ErrorKind.TIMEOUT, message) from None
                finally:
                    watchdog.disarm()
                first = False
                yield event
        finally:
            watchdog.close()
            await events.aclose()

    async def _completion(
        self, provider: Provider, request: ChatRequest, deadline: float
    ) -> AsyncGenerator[ProviderEvent, None]:
        try:
            async with asyncio.timeout_at(deadline):
                reply = await provider.complete(request)
        except TimeoutError:
            raise provider.error(
                ErrorKind.TIMEOUT, f"no reply within {self.policy.total_timeout:g}s"
            ) from None
        if reply.text:
            yield TextDelta(reply.text)
        yield StreamEnd(reply.usage, reply.finish_reason)

    async def aclose(self) -> None:
        providers = list(self._providers.values())
        self._providers.clear()
        for provider in providers:
            with contextlib.suppress(Exception):
                await provider.aclose()


class RouterStream:
    """Iterate for `TextDelta`s, then one `StreamFinished` or `StreamFailed`.

    `result` is set however the stream ends, including when the caller stops early: then the
    upstream request is closed at once and the result says `cancelled`, with an estimated usage.
    """

    def __init__(
        self,
        router: Router,
        alias: str,
        request: ChatRequest,
        deployments: list[Deployment],
        keys: Mapping[str, str],
        *,
        streaming: bool,
    ) -> None:
        self.router = router
        self.alias = alias
        self.request = request
        self.deployments = deployments
        self.keys = keys
        self.streaming = streaming
        self.result: CallResult | None = None
        self._gen = self._run()

    def __aiter__(self) -> RouterStream:
        return self

    async def __anext__(self) -> RouterEvent:
        return await self._gen.__anext__()

    async def aclose(self) -> None:
        await self._gen.aclose()

    async def __aenter__(self) -> RouterStream:
        return self

    async def __aexit__(self, *exc: type[BaseException] | BaseException | TracebackType | None) -> None:
        await self.aclose()

    def _estimate(self, text: str) -> Usage:
        return Usage(
            input_tokens=self.router.estimate_input(self.request),
            output_tokens=estimate_text_tokens(text),
            estimated=True,
        )

    async def _run(self) -> AsyncGenerator[RouterEvent, None]:
        router, policy = self.router, self.router.policy
        loop = asyncio.get_running_loop()
        started = time.perf_counter()
        deadline = loop.time() + policy.total_timeout
        attempts: list[Attempt] = []
        parts: list[str] = []
        used: Deployment | None = None
        current: Deployment | None = None  # the deployment being asked right now
        end: StreamEnd | None = None
        ttft: float | None = None
        outcome: Outcome = "cancelled"
        failure: ProviderError | None = None
        last: ProviderError | None = None
        retry_after: float | None = None
        done = False

        def finish() -> CallResult:
            text = "".join(parts)
            deployment = used or current
            if end is not None and end.usage is not None:
                usage = end.usage
            elif deployment is not None and (parts or outcome != "error"):
                # Cut, cancelled, or a server that sends no usage: the provider billed something,
                # so count it ourselves and say so. Never record it as free.
                usage = self._estimate(text)
            else:
                usage = Usage()
            used_for_cost = deployment
            cost = (
                router.prices.cost_micros(used_for_cost.provider, used_for_cost.model, usage)
                if used_for_cost is not None
                else 0
            )
            if end is not None:
                reason = end.finish_reason
            else:
                reason = FinishReason.CANCELLED if outcome == "cancelled" else FinishReason.ERROR
            result = CallResult(
                alias=self.alias,
                deployment=deployment,
                usage=usage,
                cost_micros=cost,
                finish_reason=reason,
                outcome=outcome,
                latency_ms=(time.perf_counter() - started) * 1000,
                ttft_ms=ttft * 1000 if ttft is not None else None,
                text=text,
                error=failure,
                attempts=attempts,
            )
            self.result = result
            CALLS.labels(self.alias, deployment.name if deployment else "-", outcome).inc()
            return result

        try:
            if not self.deployments:
                raise RoutingError(
                    "no deployment may serve this call (the organisation allows no outside provider "
                    "and none of its own is configured)",
                    last=None,
                    attempts=attempts,
                    retry_after=None,
                )
            for deployment in self.deployments:
                api_key = router._key(deployment, self.keys)
                health = router.health(deployment, api_key)
                context = deployment.context_window
                if (
                    context is not None
                    and router.estimate_input(self.request) + self.request.max_tokens > context
                ):
                    attempts.append(Attempt(deployment.name, ErrorKind.CONTEXT_OVERFLOW, None, 0.0))
                    continue
                for retry in range(policy.max_retries + 1):
                    if not health.allow(router.monotonic()):
                        wait = health.open_until - router.monotonic()
                        retry_after = wait if retry_after is None else min(retry_after, wait)
                        attempts.append(Attempt(deployment.name, None, None, 0.0))
                        break
                    provider = router.provider(deployment, api_key)
                    current = deployment
                    attempt_started = time.perf_counter()
                    verdict = False
                    source = (
                        router._events(provider, self.request, deadline)
                        if self.streaming
                        else router._completion(provider, self.request, deadline)
                    )
                    try:
                        async with contextlib.aclosing(source) as events:
                            async for event in events:
                                if isinstance(event, TextDelta):
                                    if used is None:
                                        used = deployment
                                        ttft = time.perf_counter() - attempt_started
                                        TTFT.labels(deployment.name).observe(ttft)
                                    parts.append(event.text)
                                    yield event
                                else:
                                    end = event
                        used = deployment
                        health.success(ttft if ttft is not None else time.perf_counter() - attempt_started)
                        verdict = done = True
                        attempts.append(
                            Attempt(
                                deployment.name, None, None, (time.perf_counter() - attempt_started) * 1000
                            )
                        )
                        break
                    except ProviderError as error:
                        if not parts:
                            current = None  # refused before generating: nothing was billed
                        elapsed = (time.perf_counter() - attempt_started) * 1000
                        attempts.append(Attempt(deployment.name, error.kind, error.status, elapsed))
                        health.failure(error, router.monotonic(), policy)
                        verdict = True
                        ATTEMPT_ERRORS.labels(deployment.name, error.kind.value).inc()
                        logger.warning(
                            "AI attempt failed",
                            extra={
                                "deployment": deployment.name,
                                "kind": error.kind.value,
                                "status": error.status,
                            },
                        )
                        if parts:
                            raise _MidStream(error) from None
                        last = error
                        if error.kind not in FALL_THROUGH:
                            raise RoutingError(
                                str(error), last=error, attempts=attempts, retry_after=None
                            ) from None
                        if not error.retryable or retry == policy.max_retries:
                            break
                        if error.kind is ErrorKind.TIMEOUT:
                            break  # a deployment that just timed out would likely time out again: fall back
                        delay = router.backoff(retry, error.retry_after)
                        if delay is None or loop.time() + delay >= deadline:
                            if error.retry_after is not None:
                                retry_after = (
                                    error.retry_after
                                    if retry_after is None
                                    else min(retry_after, error.retry_after)
                                )
                            break
                        await router.sleep(delay)
                    finally:
                        if not verdict:
                            health.release()
                if done:
                    break
            if not done:
                names = ", ".join(d.name for d in self.deployments)
                raise RoutingError(
                    f"no deployment could answer ({names}): {last or 'all are cooling down'}",
                    last=last,
                    attempts=attempts,
                    retry_after=retry_after,
                )
            outcome = "ok"
            yield StreamFinished(finish())
        except _MidStream as mid:
            outcome, failure = "error", mid.error
            yield StreamFailed(mid.error, finish())
        except RoutingError as error:
            outcome, failure = "error", error.last
            error.result = finish()
            raise
        finally:
            if self.result is None:
                finish()


def build_router(settings: Settings) -> Router:
    """The router the service uses, from settings; a configuration mistake stops the start."""
    try:
        catalog = build_catalog(settings)
    except CatalogError as exc:
        raise ConfigError(f"STARGUIDE_AI_ALIASES: {exc}") from None
    return Router(
        catalog, PriceTable.with_overrides(settings.ai_prices), RouterPolicy.from_settings(settings)
    )
