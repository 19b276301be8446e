"""The MessagePack-RPC messages of schema/protocol.md, and what their maps become."""

import json as _json

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
class ToolCall:
    """A function the model called; ``arguments`` is JSON text, as the model wrote it."""
    id: str
    name: str
    arguments: str

    def parsed(self):
        """The arguments as Python values."""
        return _json.loads(self.arguments or "{}")


@dataclass
class ToolCallPiece:
    """A piece of a streamed tool call: call ``index`` (0, 1, ...) of the answer; its first
    piece carries ``id`` and ``name``, later ones more of its ``arguments``."""
    index: int
    id: str = ""
    name: str = ""
    arguments: str = ""


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
    tool_calls: list = field(default_factory=list)
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
                  fallbacks=m.get("fallbacks", 0),
                  tool_calls=[ToolCall(c.get("id", ""), c.get("name", ""), c.get("arguments", ""))
                              for c in m.get("tool_calls", [])],
                  raw=m)


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
# (PIECE, msgid, pieces), (BROKEN, error) or None (ignored). A chunk's pieces are its text
# (a str) and its ToolCallPieces, in that order.
ANSWER, PIECE, BROKEN = 0, 1, 2


def classify(msg):
    if msg[0] == RESPONSE:
        return (ANSWER, msg[1], error_of(msg[2]) if msg[2] is not None else None, msg[3])
    if msg[0] == NOTIFICATION and msg[1] == "chunk":
        chunk = msg[2][0]
        pieces = [chunk["content"]] if chunk.get("content") else []
        pieces += [ToolCallPiece(t.get("index", 0), t.get("id", ""), t.get("name", ""),
                                 t.get("arguments", "")) for t in chunk.get("tool_calls", [])]
        return (PIECE, chunk.get("msgid"), pieces)
    if msg[0] == NOTIFICATION and msg[1] == "protocol_error":
        return (BROKEN, error_of(msg[2][0] if msg[2] else {}))
    return None


_SCALARS = ("task", "deadline_ms", "json", "metadata", "temperature", "allow_length_stop",
            "parallel_tool_calls", "top_p", "seed", "user", "reasoning_effort")


def _text(value):
    """JSON text of a schema or arguments given as Python values (a str is taken as JSON)."""
    return value if isinstance(value, str) else _json.dumps(value, separators=(",", ":"))


def _parts(content):
    """OpenAI-style content parts as the protocol's: text and image_url parts."""
    parts = []
    for p in content:
        if p.get("type") == "image_url":
            image = p["image_url"]
            image = image if isinstance(image, dict) else {"url": image}
            part = {"type": "image_url", "image_url": image["url"]}
            if image.get("detail"):
                part["detail"] = image["detail"]
            parts.append(part)
        else:
            parts.append({"type": "text", "text": p["text"]})
    return parts


def _turn(m):
    if not isinstance(m, dict):
        role, content = m
        return {"role": role, "content": content}
    turn = {"role": m["role"]}
    content = m.get("content")
    if isinstance(content, list):
        turn["content"] = ""
        turn["parts"] = _parts(content)
    else:
        turn["content"] = content or ""
    calls = m.get("tool_calls") or []
    if calls:
        turn["tool_calls"] = []
        for c in calls:
            fn = c.get("function", c)  # OpenAI's shape, or {id, name, arguments}
            turn["tool_calls"].append({"id": c["id"], "name": fn["name"],
                                       "arguments": _text(fn.get("arguments", "{}"))})
    if m.get("tool_call_id"):
        turn["tool_call_id"] = m["tool_call_id"]
    if m.get("is_error"):
        turn["is_error"] = True
    return turn


def _tool(t):
    fn = t.get("function", t)  # OpenAI's {"type": "function", "function": {...}}, or bare
    tool = {"name": fn["name"]}
    if fn.get("description"):
        tool["description"] = fn["description"]
    if fn.get("parameters") is not None:
        tool["parameters"] = _text(fn["parameters"])
    if fn.get("strict"):
        tool["strict"] = True
    return tool


def _tool_choice(c):
    if isinstance(c, str):
        return {"mode": c}
    fn = c.get("function", c)  # {"type": "function", "function": {"name": ...}}, or {"name"}
    return {"mode": "function", "name": fn["name"]}


def complete_arg(route, messages, max_tokens, stream=False, *, tools=None, tool_choice=None,
                 json_schema=None, stop=None, **scalars):
    """The argument map of ``complete``. ``messages`` may be a string (one user turn), or a
    list of ``(role, content)`` pairs or maps in OpenAI's shape: content as text or parts
    (``text``, ``image_url``), assistant ``tool_calls``, tool results with ``tool_call_id``
    (and ``is_error``). ``tools``, ``tool_choice`` and ``json_schema`` ({"name", "schema",
    "strict"}) take OpenAI's shapes too, schemas as Python values or JSON text."""
    if isinstance(messages, str):
        messages = [{"role": "user", "content": messages}]
    arg = {"route": route, "messages": [_turn(m) for m in messages], "max_tokens": max_tokens}
    if stream:
        arg["stream"] = True
    for key, value in scalars.items():
        if key not in _SCALARS:
            raise TypeError(f"complete() got an unexpected keyword argument '{key}'")
        if value is not None:
            arg[key] = value
    if tools:
        arg["tools"] = [_tool(t) for t in tools]
    if tool_choice is not None:
        arg["tool_choice"] = _tool_choice(tool_choice)
    if json_schema is not None:
        schema = {"name": json_schema.get("name", ""), "schema": _text(json_schema["schema"])}
        if json_schema.get("strict"):
            schema["strict"] = True
        arg["json_schema"] = schema
    if stop is not None:
        arg["stop"] = [stop] if isinstance(stop, str) else list(stop)
    return arg
