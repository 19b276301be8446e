"""The MessagePack-RPC messages of schema/protocol.md, and what their maps become."""

import os
from dataclasses import dataclass, field

import msgpack

from ._errors import ConnectionLost, error_class

DEFAULT_SOCKET = "/run/switchyard/switchyard.sock"
REQUEST, RESPONSE, NOTIFICATION = 0, 1, 2
MAX_MSGID = 2**32


def socket_path(socket=None):
    """The socket to use: the one given, else $SWITCHYARD_SOCKET, else the default (as the
    ``switchyard`` command line does)."""
    return socket or os.environ.get("SWITCHYARD_SOCKET") or DEFAULT_SOCKET


def new_unpacker():
    # The daemon's own limits (schema/protocol.md), so a broken peer cannot make us allocate.
    return msgpack.Unpacker(raw=False, max_buffer_size=64 << 20, max_array_len=100_000,
                            max_map_len=1024)


def pack_request(msgid, method, arg):
    return msgpack.packb([REQUEST, msgid, method, [] if arg is None else [arg]],
                         use_bin_type=True)


@dataclass
class Usage:
    input_tokens: int = 0
    output_tokens: int = 0


@dataclass
class Attempt:
    """One model call (or a tier passed over) made for a request."""
    model: str
    outcome: str
    latency_ms: int = 0
    reason: str = ""
    http_status: int = 0
    usage: Usage = field(default_factory=Usage)
    cost_usd: float = 0.0
    timeout_ms: int = 0
    truncated: bool = False
    ttft_ms: int = 0
    last_tier: bool = False
    raw: dict = field(default_factory=dict, repr=False)


@dataclass
class Result:
    """A request's answer, and the record of every attempt made for it."""
    request_id: int
    model: str
    content: str
    finish_reason: str = ""
    usage: Usage = field(default_factory=Usage)
    latency_ms: int = 0
    cost_usd: float = 0.0
    truncated: bool = False
    truncation: dict = None
    attempts: list = field(default_factory=list)
    fallbacks: int = 0
    raw: dict = field(default_factory=dict, repr=False)


def _usage(m):
    m = m or {}
    return Usage(int(m.get("input_tokens", 0)), int(m.get("output_tokens", 0)))


def attempt_of(m):
    return Attempt(model=m.get("model", ""), outcome=m.get("outcome", ""),
                   latency_ms=m.get("latency_ms", 0), reason=m.get("reason", ""),
                   http_status=m.get("http_status", 0), usage=_usage(m.get("usage")),
                   cost_usd=m.get("cost_usd", 0.0), timeout_ms=m.get("timeout_ms", 0),
                   truncated=m.get("truncated", False), ttft_ms=m.get("ttft_ms", 0),
                   last_tier=m.get("last_tier", False), raw=m)


def result_of(m):
    return Result(request_id=m.get("request_id", 0), model=m.get("model", ""),
                  content=m.get("content", ""), finish_reason=m.get("finish_reason", ""),
                  usage=_usage(m.get("usage")), latency_ms=m.get("latency_ms", 0),
                  cost_usd=m.get("cost_usd", 0.0), truncated=m.get("truncated", False),
                  truncation=m.get("truncation"),
                  attempts=[attempt_of(a) for a in m.get("attempts", [])],
                  fallbacks=m.get("fallbacks", 0), raw=m)


def error_of(m):
    if not isinstance(m, dict):
        return error_class("error")("error", str(m))
    code = m.get("code", "error")
    return error_class(code)(code, m.get("message", ""),
                             [attempt_of(a) for a in m.get("attempts", [])],
                             m.get("request_id", 0), m.get("http_status", 0))


def lost(why):
    return ConnectionLost("connection_lost", why)


# What a message from the daemon is, for a client's reader: (ANSWER, msgid, error, result),
# (PIECE, msgid, text), (BROKEN, error) or None (ignored).
ANSWER, PIECE, BROKEN = 0, 1, 2


def classify(msg):
    if msg[0] == RESPONSE:
        return (ANSWER, msg[1], error_of(msg[2]) if msg[2] is not None else None, msg[3])
    if msg[0] == NOTIFICATION and msg[1] == "chunk":
        piece = msg[2][0]
        return (PIECE, piece.get("msgid"), piece.get("content", ""))
    if msg[0] == NOTIFICATION and msg[1] == "protocol_error":
        return (BROKEN, error_of(msg[2][0] if msg[2] else {}))
    return None


def complete_arg(route, messages, max_tokens, stream=False, task=None, deadline_ms=None,
                 json=None, metadata=None, temperature=None, allow_length_stop=None):
    """The argument map of ``complete``. ``messages`` may be a string (one user turn), or a
    list of ``{"role", "content"}`` maps or ``(role, content)`` pairs."""
    if isinstance(messages, str):
        messages = [{"role": "user", "content": messages}]
    turns = []
    for m in messages:
        if isinstance(m, dict):
            turns.append({"role": m["role"], "content": m["content"]})
        else:
            role, content = m
            turns.append({"role": role, "content": content})
    arg = {"route": route, "messages": turns, "max_tokens": max_tokens}
    if stream:
        arg["stream"] = True
    for key, value in (("task", task), ("deadline_ms", deadline_ms), ("json", json),
                       ("metadata", metadata), ("temperature", temperature),
                       ("allow_length_stop", allow_length_stop)):
        if value is not None:
            arg[key] = value
    return arg
