"""Plan of the recorders' RTSP server: gst-rtsp-server, run by Debian's python3 (``lab/rtsp_server.py``)."""

from __future__ import annotations

import json
import sysconfig
from pathlib import Path

from audit_ti.lab.daemons.base import ConfigFile, DaemonPlan, PlanContext, Program
from audit_ti.lab.layout import ServiceKind

__all__ = ["PROGRAMS", "STREAM_PATHS", "plan"]

# Debian's library folder for this machine's architecture (x86_64-linux-gnu, aarch64-linux-gnu…).
_LIB = f"/usr/lib/{sysconfig.get_config_var('MULTIARCH') or 'x86_64-linux-gnu'}"
# Debian's interpreter, not the venv's: only it sees the GObject introspection bindings. The
# other files are what it loads: bindings, the server's typelib, the test pattern and JPEG/RTP.
PROGRAMS = (
    Program("/usr/bin/python3", "python3-gst-1.0"),
    Program("/usr/lib/python3/dist-packages/gi/overrides/Gst.py", "python3-gst-1.0"),
    Program(f"{_LIB}/girepository-1.0/GstRtspServer-1.0.typelib", "gir1.2-gst-rtsp-server-1.0"),
    Program(f"{_LIB}/gstreamer-1.0/libgstvideotestsrc.so", "gstreamer1.0-plugins-base"),
    Program(f"{_LIB}/gstreamer-1.0/libgstjpeg.so", "gstreamer1.0-plugins-good"),
    Program(f"{_LIB}/gstreamer-1.0/libgstrtp.so", "gstreamer1.0-plugins-good"),
)

#: Where the recorder serves its cameras: the main stream of channel 1 as Hikvision recorders
#: name it (also in nmap's nselib/data/rtsp-urls.txt).
STREAM_PATHS = ("/Streaming/Channels/101",)

_SERVER = Path(__file__).resolve().parent.parent / "rtsp_server.py"


def plan(context: PlanContext) -> list[DaemonPlan]:
    """The RTSP server, if any gateway has a recorder."""
    entries = [
        {"adresse": str(gateway.address), "port": service.port, "chemins": list(STREAM_PATHS)}
        for gateway, service in context.layout.serving(ServiceKind.RTSP)
    ]
    if not entries:
        return []
    config = context.folder.config_dir / "rtsp.json"
    text = json.dumps({"rtsp": entries}, ensure_ascii=False, indent=2) + "\n"
    return [
        DaemonPlan(
            name="rtsp",
            program=PROGRAMS[0],
            arguments=(str(_SERVER), str(config)),
            files=(ConfigFile(config, text),),
            # GStreamer would fork gst-plugin-scanner to build its plugin registry in root's home: a
            # child that outlives a killed server (the lab then looks still running) and a file
            # outside the lab. The registry is built in the server's process, inside the lab folder.
            environment={
                "GST_REGISTRY_FORK": "no",
                "GST_REGISTRY": str(context.folder.config_dir / "gst-registry.bin"),
            },
            requires=PROGRAMS[1:],
        )
    ]
