"""The HTTP side: talking to Timekit v2 (or the emulator)."""

from tkctl.timekit.client import TimekitClient

__all__ = ["TimekitClient"]
