"""pimsim: a cycle-approximate discrete-event simulator of the UPMEM PIM system."""

__version__ = "0.1.0"

from pimsim.errors import PimsimError, ConfigError, CapacityError, DmaError, SyncError  # noqa: E402
from pimsim.config import load_preset, SystemConfig  # noqa: E402
from pimsim.engine import run_dpu, DpuRunResult  # noqa: E402

__all__ = [
    "PimsimError", "ConfigError", "CapacityError", "DmaError", "SyncError",
    "load_preset", "SystemConfig", "run_dpu", "DpuRunResult", "__version__",
]
