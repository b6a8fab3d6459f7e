"""One web process of the chat fan-out benchmark: the product's ASGI application under
uvicorn, as `uvicorn wijkregie.asgi:application` runs it. With BENCH_CHAT_PROFILE=<file>
the process runs under cProfile and writes its statistics to that file when it stops
(SIGTERM), for `python -m pstats`: what the web process spends its CPU on under the
fan-out. Profiling slows the process down: its figures are not the benchmark's."""

import cProfile
import os
import signal
import sys

import uvicorn


def main(port: int) -> None:
    config = uvicorn.Config(
        "wijkregie.asgi:application",
        host="127.0.0.1",
        port=port,
        access_log=False,
        log_level="warning",
        timeout_graceful_shutdown=2,
    )
    server = uvicorn.Server(config)
    target = os.environ.get("BENCH_CHAT_PROFILE", "")
    if not target:
        server.run()
        return
    profile = cProfile.Profile()

    def stop(*_args):
        # uvicorn handles SIGTERM itself, then raises it again with the handler it found:
        # this one, which writes the statistics.
        profile.disable()
        profile.dump_stats(target)
        os._exit(0)

    signal.signal(signal.SIGTERM, stop)
    profile.enable()
    server.run()
    stop()


if __name__ == "__main__":
    main(int(sys.argv[1]))
