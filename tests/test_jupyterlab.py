"""The interactive workflow: the real JupyterLab server on loopback, driven through its REST API and kernel channels."""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.lent

NOTEBOOK = "notebooks/01_cybersecurite.ipynb"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Server:
    """A JupyterLab server on the project, as ``make jupyter`` starts it."""

    def __init__(self, home: Path) -> None:
        self.port, self.token = _free_port(), secrets.token_hex(16)
        env = {**os.environ, "JUPYTER_RUNTIME_DIR": str(home / "runtime"), "JUPYTER_CONFIG_DIR": str(home / "config")}
        self.log = (home / "jupyter.log").open("w")
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "jupyterlab",
                "--ServerApp.ip=127.0.0.1",
                f"--ServerApp.port={self.port}",
                "--ServerApp.port_retries=0",
                f"--IdentityProvider.token={self.token}",
                "--ServerApp.open_browser=False",
                "--ServerApp.allow_root=True",
                f"--ServerApp.root_dir={ROOT}",
            ],
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )

    def api(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.port}{path}",
            data=json.dumps(body).encode() if body is not None else None,
            method=method,
            headers={"Authorization": f"token {self.token}", "Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.loads(response.read() or b"null")

    def wait(self) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                self.api("GET", "/api/status")
                return
            except OSError:
                time.sleep(0.3)
        raise AssertionError("JupyterLab n'a pas démarré")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.log.close()


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    running = Server(tmp_path)
    try:
        running.wait()
        yield running
    finally:
        running.stop()


async def _run_cells(url: str, cells: list[str]) -> list[dict[str, Any]]:
    """Send each cell to the kernel's channels; return the execute replies and the error outputs."""
    from tornado.websocket import websocket_connect

    connection = await websocket_connect(url)
    session, results = uuid.uuid4().hex, []
    for code in cells:
        msg_id = uuid.uuid4().hex
        header = {"msg_id": msg_id, "username": "epreuve", "session": session, "msg_type": "execute_request"}
        content = {"code": code, "silent": False, "store_history": False, "allow_stdin": False, "stop_on_error": True}
        message = {"header": {**header, "version": "5.3"}, "parent_header": {}, "metadata": {}, "content": content}
        await connection.write_message(json.dumps({**message, "channel": "shell"}))
        while True:
            raw = await asyncio.wait_for(connection.read_message(), timeout=120)
            assert raw is not None, "canal du noyau fermé"
            reply = json.loads(raw)
            if reply.get("parent_header", {}).get("msg_id") != msg_id:
                continue
            if reply["msg_type"] == "error":
                results.append({"status": "error", "ename": reply["content"]["ename"]})
            if reply["msg_type"] == "execute_reply":
                results.append(reply["content"])
                break
    connection.close()
    # Wait for the closing handshake: a socket still open when asyncio.run closes the loop would be
    # reported (ResourceWarning) in whichever later test the garbage collector happens to run.
    while await asyncio.wait_for(connection.read_message(), timeout=30) is not None:
        pass
    return results


def test_jupyterlab_lists_the_notebooks_and_runs_one_in_the_project_kernel(server: Server) -> None:
    listing = server.api("GET", "/api/contents/notebooks")
    names = {entry["name"] for entry in listing["content"]}
    assert {"00_synthese.ipynb", "01_cybersecurite.ipynb", "02_inclusion.ipynb", "03_aipd.ipynb"} <= names
    session = server.api(
        "POST", "/api/sessions", {"path": NOTEBOOK, "type": "notebook", "name": "", "kernel": {"name": "python3"}}
    )
    kernel = session["kernel"]["id"]
    notebook = server.api("GET", f"/api/contents/{NOTEBOOK}")["content"]
    cells = [cell["source"] for cell in notebook["cells"] if cell["cell_type"] == "code"]
    url = f"ws://127.0.0.1:{server.port}/api/kernels/{kernel}/channels?token={server.token}"
    replies = asyncio.run(_run_cells(url, cells))
    assert [reply["status"] for reply in replies] == ["ok"] * len(cells), replies
    check = asyncio.run(_run_cells(url, ["import audit_ti, sys; print(sys.prefix)"]))
    assert check == [check[0]] and check[0]["status"] == "ok"
