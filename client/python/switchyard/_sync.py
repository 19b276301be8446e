"""The blocking client: one connection, many requests in flight, safe to share by threads."""

import queue
import socket as pysocket
import threading

from . import _wire
from ._errors import ConnectionLost

_CHUNK, _END = 0, 1


class _Call:
    __slots__ = ("done", "result", "error", "pieces")

    def __init__(self, stream):
        self.done = threading.Event()
        self.result = None
        self.error = None
        self.pieces = queue.SimpleQueue() if stream else None


class Client:
    """A connection to switchyardd. Requests from many threads may be in flight at once; each
    waits for its own answer (answers come back in completion order, matched by msgid).

    ``socket``: the daemon's socket; default $SWITCHYARD_SOCKET, else
    /run/switchyard/switchyard.sock.
    """

    def __init__(self, socket=None):
        self.socket = _wire.socket_path(socket)
        self._sock = pysocket.socket(pysocket.AF_UNIX, pysocket.SOCK_STREAM)
        try:
            self._sock.connect(self.socket)
        except OSError as e:
            self._sock.close()
            raise ConnectionLost("connection_lost",
                                 f"cannot connect to {self.socket}: {e.strerror}") from None
        self._lock = threading.Lock()  # _pending, _next_id, _broken
        self._send_lock = threading.Lock()  # one frame at a time on the socket
        self._pending = {}
        self._next_id = 0
        self._broken = None  # the error every call gets once the connection is gone
        self._reader = threading.Thread(target=self._read, name="switchyard-reader",
                                        daemon=True)
        self._reader.start()

    def complete(self, route, messages, max_tokens=1024, **options):
        """Sends a chat down ``route``'s tiers and returns the answer as a ``Result``, or
        raises a ``switchyard.Error`` subclass carrying ``code``, ``message`` and
        ``attempts``. ``options``: task, deadline_ms, json, json_schema, metadata,
        temperature, top_p, seed, stop, user, reasoning_effort, allow_length_stop, tools,
        tool_choice, parallel_tool_calls (schema/protocol.md)."""
        arg = _wire.complete_arg(route, messages, max_tokens, False, **options)
        return _wire.result_of(self._wait(self._start("complete", arg, False)))

    def stream(self, route, messages, max_tokens=1024, **options):
        """Like ``complete``, streamed: yields the answer's pieces as they arrive (text as
        ``str``, pieces of tool calls as ``ToolCallPiece``), then the ``Result`` (whose
        ``content`` is the text joined, and ``tool_calls`` the calls whole)."""
        arg = _wire.complete_arg(route, messages, max_tokens, True, **options)
        call = self._start("complete", arg, True)
        while True:
            kind, text = call.pieces.get()
            if kind == _END:
                break
            yield text
        yield _wire.result_of(self._wait(call))

    def status(self):
        """The daemon's ``status`` map (schema/protocol.md)."""
        return self._wait(self._start("status", None, False))

    def ping(self):
        return self._wait(self._start("ping", None, False))

    def close(self):
        try:
            self._sock.shutdown(pysocket.SHUT_RDWR)
        except OSError:
            pass
        self._reader.join()
        self._sock.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def _start(self, method, arg, stream):
        call = _Call(stream)
        with self._lock:
            if self._broken:
                raise self._broken
            while True:
                self._next_id = (self._next_id + 1) % _wire.MAX_MSGID
                if self._next_id not in self._pending:
                    break
            msgid = self._next_id
            self._pending[msgid] = call
        frame = _wire.pack_request(msgid, method, arg)
        try:
            with self._send_lock:
                self._sock.sendall(frame)
        except OSError as e:
            with self._lock:
                self._pending.pop(msgid, None)
            raise _wire.lost(f"sending to {self.socket}: {e.strerror}") from None
        return call

    def _wait(self, call):
        call.done.wait()
        if call.error is not None:
            raise call.error
        return call.result

    def _read(self):
        unpacker = _wire.new_unpacker()
        why = "the daemon closed the connection"
        try:
            while True:
                data = self._sock.recv(1 << 16)
                if not data:
                    break
                unpacker.feed(data)
                for msg in unpacker:
                    self._dispatch(msg)
        except OSError as e:
            why = f"reading from {self.socket}: {e.strerror}"
        except Exception as e:  # not MessagePack, or past the limits
            why = f"unreadable answer from {self.socket}: {e}"
        self._fail_all(_wire.lost(why))

    def _dispatch(self, msg):
        what = _wire.classify(msg)
        if what is None:
            return
        if what[0] == _wire.BROKEN:
            self._fail_all(what[1])
            return
        with self._lock:
            call = (self._pending.pop if what[0] == _wire.ANSWER else self._pending.get)(
                what[1], None)
        if call is None:
            return
        if what[0] == _wire.PIECE:
            if call.pieces is not None:
                for piece in what[2]:
                    call.pieces.put((_CHUNK, piece))
            return
        call.error, call.result = what[2], what[3]
        if call.pieces is not None:
            call.pieces.put((_END, None))
        call.done.set()

    def _fail_all(self, error):
        with self._lock:
            if self._broken is None:
                self._broken = error
            calls = list(self._pending.values())
            self._pending.clear()
        for call in calls:
            call.error = self._broken
            if call.pieces is not None:
                call.pieces.put((_END, None))
            call.done.set()
