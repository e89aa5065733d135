"""`beacon serve` as `make run` starts it on a fresh clone: a subprocess with no Slack settings,
run from an empty folder, so it has to come up in sandbox mode on its own."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx

CONFIG = Path(__file__).resolve().parents[2] / "config"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextlib.contextmanager
def sandbox_server(folder: Path) -> Iterator[tuple[str, list[str]]]:
    """Yields the base URL and the lines the server printed so far (read as they come)."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DATABASE_URL"))}
    env.update(PORT=str(port), HOST="127.0.0.1", BEACON_CONFIG_DIR=str(CONFIG))
    server = subprocess.Popen(
        [sys.executable, "-m", "app", "serve"],
        cwd=folder,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    output: list[str] = []
    threading.Thread(target=lambda: output.extend(server.stdout or ()), daemon=True).start()
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            with contextlib.suppress(httpx.TransportError):
                if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                    break
            assert server.poll() is None, "".join(output)
            assert time.monotonic() < deadline, "beacon serve did not come up:\n" + "".join(output)
            time.sleep(0.2)
        yield url, output
    finally:
        server.terminate()
        server.wait(timeout=10)
