from ._native import (
    CONTRACT_VERSION as CONTRACT_VERSION,
    Datetime as Datetime,
    Diagnostic as Diagnostic,
    Engine as Engine,
    Exchange as Exchange,
    Party as Party,
    Report as Report,
)

__version__: str
__all__ = ["CONTRACT_VERSION", "Datetime", "Diagnostic", "Engine", "Exchange", "Party", "Report"]
