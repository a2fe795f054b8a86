"""audit-ti: audits before deploying a smart-territory use case (cybersecurity, inclusion, DPIA)."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("audit-ti")
except PackageNotFoundError:  # running from a source tree that was not installed
    __version__ = "0.0.0"

__all__ = ["__version__"]
