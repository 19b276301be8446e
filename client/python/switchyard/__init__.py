"""switchyard's Python client: talks MessagePack-RPC to switchyardd over its Unix socket.

    import switchyard
    with switchyard.Client() as c:
        r = c.complete("chat", "Summarize this", max_tokens=256)
        print(r.model, r.content)
"""

from ._async import AsyncClient
from ._errors import (AllModelsFailed, BadRequest, ConnectionLost, DeadlineExceeded, Error,
                      NoRoute, NoSuchMethod, Overloaded, PartialAnswer, ProtocolError,
                      RequestRejected, ShuttingDown)
from ._sync import Client
from ._wire import DEFAULT_SOCKET, Attempt, Result, ToolCall, ToolCallPiece, Usage

__version__ = "0.1.0"
__all__ = [
    "AllModelsFailed", "AsyncClient", "Attempt", "BadRequest", "Client", "ConnectionLost",
    "DEFAULT_SOCKET", "DeadlineExceeded", "Error", "NoRoute", "NoSuchMethod", "Overloaded",
    "PartialAnswer", "ProtocolError", "RequestRejected", "Result", "ShuttingDown", "ToolCall",
    "ToolCallPiece", "Usage",
]
