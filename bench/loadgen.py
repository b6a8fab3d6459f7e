"""A small closed-loop HTTP/1.1 load generator: asyncio, keep-alive, no dependencies.

Each of `concurrency` clients holds one keep-alive connection and sends its next request
as soon as the previous answer is read (a closed loop, like residents' phones behind a
reporting app). A warm-up period is sent but not recorded. Only 127.0.0.1 is allowed.

Neither httpx nor aiohttp is in the project's dependencies, and a raw client costs the
server's two cores less CPU than either would.
"""

import asyncio
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from bench.common import percentile

ALLOWED_HOSTS = {"127.0.0.1"}


@dataclass
class LoadResult:
    concurrency: int
    seconds: float
    ok: int = 0
    errors: int = 0
    statuses: Counter = field(default_factory=Counter)
    latencies_ms: list[float] = field(default_factory=list)
    connection_errors: int = 0
    sample_error: str = ""

    @property
    def rps(self) -> float:
        return self.ok / self.seconds if self.seconds else 0.0

    def summary(self) -> dict:
        return {
            "concurrency": self.concurrency,
            "seconds": round(self.seconds, 2),
            "requests_ok": self.ok,
            "requests_failed": self.errors,
            "connection_errors": self.connection_errors,
            "statuses": {str(k): v for k, v in sorted(self.statuses.items())},
            "rps": round(self.rps, 1),
            "p50_ms": round(percentile(self.latencies_ms, 50), 2),
            "p99_ms": round(percentile(self.latencies_ms, 99), 2),
            "max_ms": round(max(self.latencies_ms), 2) if self.latencies_ms else None,
            "sample_error": self.sample_error[:300],
        }

    def merge(self, other: "LoadResult") -> "LoadResult":
        """This run and another of the same concurrency, as one (interleaved slices)."""
        merged = LoadResult(concurrency=self.concurrency, seconds=self.seconds + other.seconds)
        merged.ok = self.ok + other.ok
        merged.errors = self.errors + other.errors
        merged.statuses = self.statuses + other.statuses
        merged.latencies_ms = self.latencies_ms + other.latencies_ms
        merged.connection_errors = self.connection_errors + other.connection_errors
        merged.sample_error = self.sample_error or other.sample_error
        return merged


class ProtocolError(Exception):
    pass


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, bytes, bool]:
    """Status, body and whether the server keeps the connection open."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    parts = lines[0].split(" ", 2)
    if len(parts) < 2 or not parts[0].startswith("HTTP/1."):
        raise ProtocolError(f"bad status line {lines[0]!r}")
    status = int(parts[1])
    headers = {}
    for line in lines[1:]:
        if ":" in line:
            k, v = line.split(":", 1)
            headers[k.strip().lower()] = v.strip()
    keep_alive = headers.get("connection", "").lower() != "close"
    if "content-length" in headers:
        body = await reader.readexactly(int(headers["content-length"]))
    elif headers.get("transfer-encoding", "").lower() == "chunked":
        chunks = []
        while True:
            size_line = await reader.readuntil(b"\r\n")
            size = int(size_line.split(b";")[0].strip(), 16)
            if size == 0:
                await reader.readuntil(b"\r\n")
                break
            chunks.append(await reader.readexactly(size))
            await reader.readexactly(2)
        body = b"".join(chunks)
    else:
        body = await reader.read()
        keep_alive = False
    return status, body, keep_alive


def build_request(
    method: str, path: str, host: str, body: bytes = b"", headers: dict | None = None
) -> bytes:
    lines = [f"{method} {path} HTTP/1.1", f"Host: {host}", f"Content-Length: {len(body)}"]
    for k, v in (headers or {}).items():
        lines.append(f"{k}: {v}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


async def _client(
    host: str,
    port: int,
    make_request: Callable[[int], bytes],
    deadline_warm: float,
    deadline: float,
    result: LoadResult,
    ok_statuses: frozenset[int],
    client_no: int,
) -> None:
    reader = writer = None
    n = 0
    while time.perf_counter() < deadline:
        try:
            if writer is None:
                reader, writer = await asyncio.open_connection(host, port)
            request = make_request(client_no * 1_000_000 + n)
            n += 1
            started = time.perf_counter()
            writer.write(request)
            await writer.drain()
            status, body, keep_alive = await asyncio.wait_for(_read_response(reader), 30)
            ended = time.perf_counter()
            # Throughput counts answers completed inside the window (whenever they were
            # sent): with latencies near the window's length, requiring the start inside
            # too would undercount slow endpoints.
            if deadline_warm <= ended <= deadline:
                result.statuses[status] += 1
                if status in ok_statuses:
                    result.ok += 1
                    result.latencies_ms.append((ended - started) * 1000)
                else:
                    result.errors += 1
                    if not result.sample_error:
                        result.sample_error = f"{status}: {body[:300]!r}"
            if not keep_alive:
                writer.close()
                writer = None
        except (TimeoutError, OSError, asyncio.IncompleteReadError, ProtocolError) as exc:
            if deadline_warm <= time.perf_counter() <= deadline:
                result.connection_errors += 1
                if not result.sample_error:
                    result.sample_error = f"{type(exc).__name__}: {exc}"
            if writer is not None:
                writer.close()
            writer = None
            await asyncio.sleep(0.05)
    if writer is not None:
        writer.close()


async def _run(host, port, make_request, concurrency, warmup, seconds, ok_statuses):
    start = time.perf_counter()
    deadline_warm = start + warmup
    deadline = deadline_warm + seconds
    result = LoadResult(concurrency=concurrency, seconds=seconds)
    await asyncio.gather(
        *(
            _client(host, port, make_request, deadline_warm, deadline, result, ok_statuses, i)
            for i in range(concurrency)
        )
    )
    return result


def run_load(
    *,
    host: str,
    port: int,
    make_request: Callable[[int], bytes],
    concurrency: int,
    seconds: float,
    warmup: float,
    ok_statuses=frozenset({200, 201}),
) -> LoadResult:
    """Drive `concurrency` keep-alive clients for warmup + seconds; record the last part."""
    if host not in ALLOWED_HOSTS:
        raise ValueError("the load generator only talks to 127.0.0.1")
    return asyncio.run(
        _run(host, port, make_request, concurrency, warmup, seconds, frozenset(ok_statuses))
    )
