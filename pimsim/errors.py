"""Every error pimsim raises on bad input names the thing, the value and the limit."""


class PimsimError(Exception):
    """Base class of all pimsim errors."""


class ConfigError(PimsimError, ValueError):
    """A preset or override is malformed: unknown key, wrong type, out of range."""


class CapacityError(PimsimError):
    """A hardware capacity (WRAM, MRAM, IRAM, tasklets, mutexes, symbol size) is exceeded."""


class DmaError(PimsimError):
    """An MRAM<->WRAM DMA breaks the SDK's rules (size, multiple, alignment)."""


class SyncError(PimsimError):
    """Misuse of barriers, mutexes or handshakes, or a deadlock."""


class HostApiError(PimsimError):
    """Misuse of the host API (DpuSet): wrong order of calls, bad transfer, unknown symbol."""
