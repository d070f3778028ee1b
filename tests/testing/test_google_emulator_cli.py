"""``python -m meetlink.testing.google`` runs the emulator in the foreground."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
import time

import httplib2


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_python_m_starts_answers_and_prints_how_to_point_meetlink_at_it() -> None:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "meetlink.testing.google", "--port", str(port), "--latency", "5"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    http = httplib2.Http(timeout=5)
    try:
        deadline = time.monotonic() + 15
        while True:
            try:
                response, content = http.request(
                    f"http://127.0.0.1:{port}/calendar/v3/calendars/primary/events"
                )
                break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise
                time.sleep(0.1)
    finally:
        http.close()
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=10)

    assert response.status == 200
    assert json.loads(content)["kind"] == "calendar#events"
    assert f"MEETLINK_GOOGLE_EMULATOR_HOST=127.0.0.1:{port}" in out
    assert process.returncode == 0, err


def test_python_m_refuses_a_negative_latency() -> None:
    finished = subprocess.run(
        [sys.executable, "-m", "meetlink.testing.google", "--latency", "-1"],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )

    assert finished.returncode == 2
    assert "--latency must not be negative" in finished.stderr
