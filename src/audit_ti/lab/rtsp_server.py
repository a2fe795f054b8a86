"""The lab's RTSP server: ``/usr/bin/python3 rtsp_server.py CONFIG.json`` (Debian's python, not the venv).

A real RTSP implementation, GStreamer's gst-rtsp-server, reached through GObject introspection
(Debian packages ``gir1.2-gst-rtsp-server-1.0`` and ``python3-gst-1.0``, which the project's
virtual environment does not see: hence the system interpreter, and no import of audit_ti here).
Each entry of the config is one recorder: an address, a port and the mount points it serves,
without any authentication, as the recorders of street cameras too often do. The stream is a
small test pattern (``videotestsrc``) in Motion JPEG, built only when a client asks for it.
Stops on SIGTERM.
"""

from __future__ import annotations

import json
import signal
import sys
from pathlib import Path
from typing import Any

import gi  # type: ignore[import-not-found]

gi.require_version("Gst", "1.0")
gi.require_version("GstRtspServer", "1.0")
from gi.repository import GLib, Gst, GstRtspServer  # type: ignore[import-not-found]  # noqa: E402

# Low rate and size: the lab shares two cores with the scans.
_PIPELINE = (
    "( videotestsrc is-live=true pattern=ball ! video/x-raw,format=I420,width=320,height=240,framerate=5/1 "
    "! jpegenc quality=50 ! rtpjpegpay name=pay0 pt=26 )"
)


def _server(entry: dict[str, Any]) -> Any:
    server = GstRtspServer.RTSPServer.new()
    server.set_address(entry["adresse"])
    server.set_service(str(entry["port"]))
    mounts = server.get_mount_points()
    for path in entry["chemins"]:
        factory = GstRtspServer.RTSPMediaFactory.new()
        factory.set_launch(_PIPELINE)
        factory.set_shared(True)
        mounts.add_factory(path, factory)
    if server.attach(None) == 0:
        raise OSError(f"RTSP : impossible d'écouter sur {entry['adresse']}:{entry['port']}")
    return server


def main(argv: list[str] | None = None) -> int:
    """Serve the recorders described by the JSON file given as only argument."""
    args = sys.argv[1:] if argv is None else argv
    config = json.loads(Path(args[0]).read_text(encoding="utf-8"))
    Gst.init(None)
    servers = [_server(entry) for entry in config["rtsp"]]
    loop = GLib.MainLoop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, signum, loop.quit)
    print(f"services prêts : {len(servers)} RTSP", file=sys.stderr, flush=True)
    loop.run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
