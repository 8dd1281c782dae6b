"""What the router adds to a streamed reply: time to first token and total, direct SDK vs router.

A fake provider (tests/ai/fakes, real HTTP on loopback, its own thread) streams the same reply to
both paths; calls alternate between the SDK used directly and the same SDK through StarGuide's
router, so drift hits both alike. Then the HTTP endpoints (`POST /api/v1/ai/try`, the mentor's
message route) against the SDK alone, in a server process of their own: one stream at a time, 50
streams in flight (a closed loop on replies paced like a provider's), and bursts of 50 simultaneous
starts (see `bench_endpoint`). Prints `BENCH <name> <value> <unit>` lines, each figure with its
baseline beside it, then the overhead. Stops by itself (time-capped, a few minutes at most).

    PYTHONPATH=src python bench/router_overhead.py [--calls 300] [--concurrency 50] [--streams 500]
                                                   [--endpoint-only | --no-endpoint]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

# The folder holds bench/http.py, named like the standard library's `http`: keep it off the path.
_BENCH_DIR = str(Path(__file__).resolve().parent)
sys.path[:] = [p for p in sys.path if p not in ("", _BENCH_DIR)]
sys.path.insert(0, str(Path(_BENCH_DIR).parent))

import anthropic  # noqa: E402
import openai  # noqa: E402
from tests.ai.fakes.server import FakeProviderServer, Script  # noqa: E402

from bench.support import measuring_without_pauses  # noqa: E402
from starguide.ai.config import Alias, Catalog, Deployment  # noqa: E402
from starguide.ai.pricing import PriceTable  # noqa: E402
from starguide.ai.router import Router, RouterPolicy, StreamFinished  # noqa: E402
from starguide.ai.types import ChatMessage, ChatRequest, TextDelta  # noqa: E402

TIME_CAP = 150.0  # seconds for the whole run
MESSAGES = [{"role": "system", "content": "Be a tutor."}, {"role": "user", "content": "How do loops work?"}]
REQUEST = ChatRequest(tuple(ChatMessage(m["role"], m["content"]) for m in MESSAGES), max_tokens=128)  # type: ignore[arg-type]

Sample = tuple[float, float]  # seconds to the first token, seconds to the end
Timed = Callable[[], Awaitable[Sample]]


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def bench(name: str, value: float, unit: str, baseline: float | None = None) -> None:
    tail = f" baseline {baseline:.3f} {unit}" if baseline is not None else ""
    print(f"BENCH {name} {value:.3f} {unit}{tail}", flush=True)


# The replies of the closed loop, paced like a provider's: 20 deltas 45 ms apart (about 80 tokens in
# 0.86 s, some 90 tokens a second in chunks of four, which is how fast OpenAI's and Anthropic's
# smaller models stream). At that pace 50 clients keep 50 streams in flight and start about 55
# streams a second between them. Real replies are longer (seconds); a shorter one puts more starts,
# the costly part of a call, in each second, so the figure errs on the side of load.
PACED = Script(
    text=(
        "Think about what the loop does on its first pass. The loop variable starts at zero, and "
        "the body runs once for every value in the range, so the print statement inside it runs as "
        "many times as the range has values. What value does it print on the first pass, and what "
        "on the last? Try writing the values down one by one before you run the code."
    ),
    pieces=20,
    piece_delay=0.045,
    usage=(40, 8, 80),
)
BLOCKS = 4  # closed-loop blocks per path, alternating baseline and endpoint


def _stat(entry: Path) -> list[str]:
    return (entry / "stat").read_text().rsplit(")", 1)[1].split()


def cpu_seconds(pid: int) -> float:
    """User and system CPU time the server has used so far (Linux `/proc`): the process `pid` and
    every process of its group (uvicorn's workers, when it runs several)."""
    ticks = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = _stat(entry)
        except OSError:
            continue
        if int(entry.name) == pid or int(fields[2]) == pid:  # fields[2]: the process group
            ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


def listening_pid(port: int) -> int | None:
    """The server's first process on `port` (uvicorn, the leader of its process group)."""
    for entry in sorted(Path("/proc").iterdir(), key=lambda e: int(e.name) if e.name.isdigit() else 0):
        if not entry.name.isdigit():
            continue
        try:
            words = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"uvicorn" in words and str(port).encode() in words:
            return int(entry.name)
    return None


async def closed_loop(call: Timed, clients: int, streams: int, deadline: float) -> tuple[list[Sample], int]:
    """`clients` callers, each starting its next stream as soon as its last one ends.

    The callers start one after another over one paced reply's length, so the streams in flight
    are spread over a reply's life, as a class's are, not started together. Streams started before
    the last caller has started are not counted (fewer than `clients` were in flight); then
    `streams` are counted, and the block drains. Returns the counted samples and how many streams
    ran in all, the uncounted included.
    """
    ramp = (PACED.pieces - 1) * PACED.piece_delay
    counted: list[Sample] = []
    taken = ran = 0
    full = time.perf_counter() + ramp

    async def client(number: int) -> None:
        nonlocal taken, ran
        await asyncio.sleep(ramp * number / clients)
        while taken < streams and time.perf_counter() < deadline:
            began = time.perf_counter()
            counts = began >= full
            taken += counts
            result = await call()
            ran += 1
            if counts:
                counted.append(result)

    with measuring_without_pauses():
        await asyncio.gather(*[client(n) for n in range(clients)])
    return counted, ran


def report(name: str, suffix: str, base: list[Sample], mine: list[Sample]) -> None:
    for metric, index in (("ttft", 0), ("total", 1)):
        b = [x[index] * 1000 for x in base]
        m = [x[index] * 1000 for x in mine]
        for q, qname in ((0.5, "p50"), (0.99, "p99")):
            bench(f"{name}_{metric}_{qname}{suffix}", pct(m, q), "ms", pct(b, q))
            bench(f"{name}_overhead_{metric}_{qname}{suffix}", pct(m, q) - pct(b, q), "ms")


async def bench_endpoint(
    fake: FakeProviderServer,
    direct: Timed,
    concurrency: int,
    streams: int,
    started: float,
    scale_out: bool = False,
) -> None:
    """The whole HTTP path (auth, budget reservation, router, SSE, settlement) vs the SDK alone:
    `POST /api/v1/ai/try`, then the mentor's `POST /api/v1/mentor/conversations/{id}/messages`
    (which adds OpenAI moderation of the message and of the reply, retrieval and the output guard).

    Three measures each, every one against the SDK called directly from this process (the baseline)
    under the same conditions, baseline and endpoint calls alternating so drift hits both:

    - one stream at a time (`..._p50`), the reply sent at once;
    - `..._at_<n>_concurrent`: a closed loop of `n` clients, each starting its next stream when its
      last one ends, against replies paced like a provider's (`PACED`), `streams` counted streams
      each way in `BLOCKS` alternating blocks; the server's CPU time per call over those blocks is
      printed too (`..._server_cpu_per_call`);
    - `..._burst_of_<n>`: rounds of `n` calls started at the same instant against replies sent at
      once; a queue of `n` simultaneous starts, not `n` streams in flight.

    The service runs in a process of its own (uvicorn, one worker, SQLite), as it would in
    embedded mode; with `scale_out`, as deployed for many users: two workers on PostgreSQL and Redis.
    The client and the fake provider stay in this one.
    """
    import json
    import tempfile

    from starguide.config import Settings
    from starguide.migrations import runner

    folder = Path(tempfile.mkdtemp(prefix="starguide-bench-"))
    env = {
        "STARGUIDE_ENVIRONMENT": "production",
        "STARGUIDE_DATA_DIR": str(folder),
        "STARGUIDE_DATABASE_URL": f"sqlite+aiosqlite:///{folder / 'bench.db'}",
        "STARGUIDE_SECRET_KEY": "bench-secret-" + "s" * 40,
        "STARGUIDE_ENCRYPTION_KEY": "bench-encryption-" + "e" * 40,
        "STARGUIDE_ACCESS_LOG": "false",
        "STARGUIDE_LOG_LEVEL": "WARNING",
        "STARGUIDE_RATE_LIMITS_ENABLED": "false",
        # The per-account limit (600/minute) is not one of the switchable limits, and one admin makes
        # every call here: left on, the mentor's concurrent rounds were answered 429 and timed as 0 ms.
        "STARGUIDE_RATE_LIMIT_USER": "1000000/minute",
        "STARGUIDE_PASSWORD_HASH_TIME_COST": "1",
        "STARGUIDE_PASSWORD_HASH_MEMORY_KIB": "64",
        "STARGUIDE_PASSWORD_HASH_PARALLELISM": "1",
        "STARGUIDE_AI_DEPLOYMENTS": json.dumps(
            {
                "bench": {
                    "provider": "openai",
                    "model": "bench-openai",
                    "api_key": "sk-bench",
                    "base_url": f"{fake.url}/v1",
                }
            }
        ),
        "STARGUIDE_AI_ALIASES": json.dumps({"mentor-default": {"deployments": ["bench"]}}),
        "STARGUIDE_AI_OFFLINE_FALLBACK": "false",
    }
    database = None
    if scale_out:
        from bench.answers import PG_ADMIN, REDIS_URL, _pg

        database = f"starguide_bench_router_{os.getpid()}"
        await _pg(f'CREATE DATABASE "{database}"')
        env["STARGUIDE_DATABASE_URL"] = PG_ADMIN.rsplit("/", 1)[0] + "/" + database
        env["STARGUIDE_REDIS_URL"] = REDIS_URL
    try:
        await runner.upgrade(Settings(database_url=env["STARGUIDE_DATABASE_URL"], data_dir=folder))
        workers, prefix = (2, "scale_out_") if scale_out else (1, "")
        await _serve_and_measure(env, fake, direct, concurrency, streams, started, workers, prefix)
    finally:
        if database is not None:
            await _pg(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


async def _serve_and_measure(
    env: dict[str, str],
    fake: FakeProviderServer,
    direct: Timed,
    concurrency: int,
    streams: int,
    started: float,
    workers: int,
    prefix: str,
) -> None:
    """Serve with `env` on `workers` processes and print the figures, their names after `prefix`."""
    import httpx
    from tests.factories import create_org

    from bench.support import free_port, uvicorn_server

    # Idle connections are dropped before uvicorn's own 5 s keep-alive timeout closes them: reusing one
    # the server is closing at that moment fails with a read error (connections idle during baseline blocks).
    limits = httpx.Limits(
        max_connections=concurrency * 2, max_keepalive_connections=concurrency * 2, keepalive_expiry=2
    )
    port = free_port()
    with uvicorn_server("starguide.app:create_app_from_env", port, env, workers=workers, factory=True) as url:
        server = listening_pid(port)
        async with httpx.AsyncClient(base_url=url, limits=limits, timeout=60) as client:
            org = await create_org(client)

            conversations: list[str] = []
            for _ in range(concurrency):
                created = await client.post(
                    "/api/v1/mentor/conversations", json={"title": "Bench"}, headers=org.admin.headers
                )
                conversations.append(created.json()["id"])
            turn = 0

            async def timed_stream(path: str, body: dict[str, object]) -> Sample:
                t0 = time.perf_counter()
                first = 0.0
                ended = ""
                async with client.stream("POST", path, json=body, headers=org.admin.headers) as response:
                    async for line in response.aiter_lines():
                        if ended:
                            raise RuntimeError(f"{path}: the stream ended with {ended!r} {line}")
                        if not first and line == "event: delta":
                            first = time.perf_counter() - t0
                        elif line in ("event: error", "event: held"):
                            ended = line
                if response.status_code != 200 or not first:
                    # A refused or empty stream is not a fast one: stop rather than time it.
                    raise RuntimeError(f"{path}: {response.status_code}, no text")
                return first, time.perf_counter() - t0

            async def try_endpoint() -> Sample:
                return await timed_stream(
                    "/api/v1/ai/try", {"prompt": "How do loops work?", "max_tokens": 128}
                )

            async def mentor_endpoint() -> Sample:
                # The mentor's whole path: moderation, retrieval, prompt, guard, storing the reply.
                nonlocal turn
                turn += 1
                conversation = conversations[turn % len(conversations)]
                return await timed_stream(
                    f"/api/v1/mentor/conversations/{conversation}/messages", {"content": "How do loops work?"}
                )

            deadline = started + TIME_CAP * 2
            paths = ((f"{prefix}endpoint", try_endpoint), (f"{prefix}mentor_endpoint", mentor_endpoint))
            for name, endpoint in paths:
                for _ in range(20):
                    await endpoint()
                base: list[Sample] = []
                mine: list[Sample] = []
                with measuring_without_pauses():
                    for i in range(150):
                        if time.perf_counter() > deadline:
                            break
                        for label, call in (("base", direct), ("mine", endpoint))[:: 1 if i % 2 else -1]:
                            (base if label == "base" else mine).append(await call())
                report(name, "", base, mine)

                # Streams in flight: the closed loop, on paced replies.
                fake.defaults["bench-openai"] = PACED
                base, mine = [], []
                calls, cpu = 0, 0.0
                for block in range(BLOCKS):
                    for label, call in (("base", direct), ("mine", endpoint))[:: -1 if block % 2 else 1]:
                        if label == "base":
                            base += (await closed_loop(call, concurrency, streams // BLOCKS, deadline))[0]
                            continue
                        before = cpu_seconds(server) if server else 0.0
                        counted, ran = await closed_loop(call, concurrency, streams // BLOCKS, deadline)
                        cpu += (cpu_seconds(server) if server else 0.0) - before
                        mine += counted
                        calls += ran
                del fake.defaults["bench-openai"]
                if not mine or not base:
                    print(f"# {name}: the time cap came before the closed loop", flush=True)
                    continue
                report(name, f"_at_{concurrency}_concurrent", base, mine)
                if server and calls:
                    bench(f"{name}_server_cpu_per_call_at_{concurrency}_concurrent", cpu / calls * 1000, "ms")
                print(
                    f"# {name}: {len(mine)} streams each way counted at {concurrency} in flight "
                    f"({calls} endpoint streams in all)",
                    flush=True,
                )

                # Simultaneous starts: rounds of `concurrency` calls fired at once, replies sent at once.
                base, mine = [], []
                with measuring_without_pauses():
                    for _ in range(max(1, streams // concurrency)):
                        if time.perf_counter() > deadline:
                            break
                        base += await asyncio.gather(*[direct() for _ in range(concurrency)])
                        mine += await asyncio.gather(*[endpoint() for _ in range(concurrency)])
                report(name, f"_burst_of_{concurrency}", base, mine)


async def main(
    calls: int,
    concurrency: int,
    streams: int,
    endpoint: bool = True,
    only_endpoint: bool = False,
    scale_out: bool = False,
) -> None:
    started = time.perf_counter()
    fake = FakeProviderServer().start_in_thread()
    openai_client = openai.AsyncOpenAI(api_key="sk-bench", base_url=f"{fake.url}/v1", max_retries=0)
    anthropic_client = anthropic.AsyncAnthropic(api_key="sk-bench", base_url=fake.url, max_retries=0)
    deployments = [
        Deployment("openai", "openai", "bench-openai", api_key="sk-bench", base_url=f"{fake.url}/v1"),
        Deployment("anthropic", "anthropic", "bench-anthropic", api_key="sk-bench", base_url=fake.url),
    ]
    catalog = Catalog(
        {d.name: d for d in deployments}, {d.name: Alias(d.name, "priority", (d,)) for d in deployments}
    )
    router = Router(catalog, PriceTable.with_overrides(), RouterPolicy())

    async def openai_direct() -> Sample:
        t0 = time.perf_counter()
        first = 0.0
        stream = await openai_client.chat.completions.create(
            model="bench-openai",
            messages=MESSAGES,  # type: ignore[arg-type]
            max_completion_tokens=128,
            stream=True,
            stream_options={"include_usage": True},
        )
        async for chunk in stream:
            if not first and chunk.choices and chunk.choices[0].delta.content:
                first = time.perf_counter() - t0
        return first, time.perf_counter() - t0

    async def anthropic_direct() -> Sample:
        t0 = time.perf_counter()
        first = 0.0
        stream = await anthropic_client.messages.create(
            model="bench-anthropic",
            max_tokens=128,
            system="Be a tutor.",
            messages=MESSAGES[1:],  # type: ignore[arg-type]
            stream=True,
        )
        async for event in stream:
            if not first and event.type == "content_block_delta":
                first = time.perf_counter() - t0
        return first, time.perf_counter() - t0

    def through_router(alias: str) -> Timed:
        async def call() -> Sample:
            t0 = time.perf_counter()
            first = 0.0
            async with router.stream(alias, REQUEST) as stream:
                async for event in stream:
                    if not first and isinstance(event, TextDelta):
                        first = time.perf_counter() - t0
                    elif isinstance(event, StreamFinished):
                        pass
            return first, time.perf_counter() - t0

        return call

    pairs = [
        ("openai", openai_direct, through_router("openai")),
        ("anthropic", anthropic_direct, through_router("anthropic")),
    ]
    for _name, direct, routed in pairs:  # warm up: imports, connection pools, model classes
        for _ in range(20):
            await direct()
            await routed()
    if only_endpoint:
        await bench_endpoint(fake, openai_direct, concurrency, streams, started, scale_out)
        endpoint, pairs = False, []

    for name, direct, routed in pairs:
        samples: dict[str, list[Sample]] = {"direct": [], "router": []}
        with measuring_without_pauses():
            for i in range(calls):
                if time.perf_counter() - started > TIME_CAP / 2:
                    break
                order = (
                    [("direct", direct), ("router", routed)]
                    if i % 2
                    else [("router", routed), ("direct", direct)]
                )
                for label, call in order:
                    samples[label].append(await call())
        for metric, index in (("ttft", 0), ("total", 1)):
            base = [s[index] * 1000 for s in samples["direct"]]
            mine = [s[index] * 1000 for s in samples["router"]]
            for q, qname in ((0.5, "p50"), (0.99, "p99")):
                bench(f"{name}_router_{metric}_{qname}", pct(mine, q), "ms", pct(base, q))
                bench(f"{name}_router_overhead_{metric}_{qname}", pct(mine, q) - pct(base, q), "ms")
        print(f"# {name}: {len(samples['router'])} calls each way", flush=True)

    # Concurrency: `concurrency` streams at once, several rounds, direct vs router.
    concurrent: list[tuple[str, Timed]] = [("direct", openai_direct), ("router", through_router("openai"))]
    for label, call in [] if only_endpoint else concurrent:
        results: list[Sample] = []
        with measuring_without_pauses():
            for _ in range(6):
                if time.perf_counter() - started > TIME_CAP:
                    break
                results += await asyncio.gather(*[call() for _ in range(concurrency)])
        ttft = [r[0] * 1000 for r in results]
        if label == "direct":
            base_p50, base_p99 = pct(ttft, 0.5), pct(ttft, 0.99)
        else:
            bench(f"openai_router_ttft_p50_at_{concurrency}_concurrent", pct(ttft, 0.5), "ms", base_p50)
            bench(f"openai_router_ttft_p99_at_{concurrency}_concurrent", pct(ttft, 0.99), "ms", base_p99)

    # The router's own cost, with no network at all: the offline provider direct vs routed.
    from starguide.ai.providers.base import Timeouts
    from starguide.ai.providers.offline import OfflineProvider

    offline = Deployment("offline", "offline", "offline")
    offline_router = Router(
        Catalog({"offline": offline}, {"o": Alias("o", "priority", (offline,))}), PriceTable.with_overrides()
    )
    provider = OfflineProvider(offline, None, Timeouts())
    direct_times, routed_times = [], []
    with measuring_without_pauses():
        for _ in range(0 if only_endpoint else 2000):
            t0 = time.perf_counter()
            async for _event in provider.stream(REQUEST):
                pass
            direct_times.append((time.perf_counter() - t0) * 1e6)
            t0 = time.perf_counter()
            async with offline_router.stream("o", REQUEST) as stream:
                async for _event in stream:
                    pass
            routed_times.append((time.perf_counter() - t0) * 1e6)
    if routed_times:
        bench("router_only_total_p50", statistics.median(routed_times), "us", statistics.median(direct_times))
        bench("router_only_total_p99", pct(routed_times, 0.99), "us", pct(direct_times, 0.99))

    if endpoint:
        await bench_endpoint(fake, openai_direct, concurrency, streams, started, scale_out)

    await router.aclose()
    await openai_client.close()
    await anthropic_client.close()
    fake.stop_thread()
    print(f"# finished in {time.perf_counter() - started:.1f} s", flush=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--calls", type=int, default=300)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument(
        "--streams", type=int, default=500, help="streams counted each way at --concurrency (endpoints)"
    )
    parser.add_argument("--no-endpoint", action="store_true", help="skip the HTTP endpoint part")
    parser.add_argument("--endpoint-only", action="store_true", help="only the HTTP endpoint part")
    parser.add_argument(
        "--scale-out",
        action="store_true",
        help="serve the endpoints as deployed for many users: two workers, PostgreSQL and Redis",
    )
    args = parser.parse_args()
    asyncio.run(
        main(
            args.calls,
            args.concurrency,
            args.streams,
            not args.no_endpoint,
            args.endpoint_only,
            args.scale_out,
        )
    )
