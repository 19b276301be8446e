"""The asyncio client: one connection, many requests in flight, safe to share by tasks."""

import asyncio

from . import _wire


class AsyncClient:
    """A connection to switchyardd for asyncio. ``await AsyncClient.connect()`` or
    ``async with AsyncClient() as c``; then many tasks may await requests on it at once.

    ``socket``: the daemon's socket; default $SWITCHYARD_SOCKET, else
    /run/switchyard/switchyard.sock.
    """

    def __init__(self, socket=None):
        self.socket = _wire.socket_path(socket)
        self._reader = None
        self._writer = None
        self._task = None
        self._pending = {}  # msgid -> (future, queue of pieces or None)
        self._next_id = 0
        self._broken = None

    @classmethod
    async def connect(cls, socket=None):
        c = cls(socket)
        await c._open()
        return c

    async def _open(self):
        try:
            self._reader, self._writer = await asyncio.open_unix_connection(self.socket)
        except OSError as e:
            raise _wire.lost(f"cannot connect to {self.socket}: {e.strerror}") from None
        self._task = asyncio.get_running_loop().create_task(self._read())

    async def __aenter__(self):
        if self._writer is None:
            await self._open()
        return self

    async def __aexit__(self, *exc):
        await self.close()

    async def complete(self, route, messages, max_tokens=1024, **options):
        """Sends a chat down ``route``'s tiers; returns a ``Result`` or raises a
        ``switchyard.Error`` subclass."""
        arg = _wire.complete_arg(route, messages, max_tokens, False, **options)
        future, _ = await self._start("complete", arg, False)
        return _wire.result_of(await future)

    async def stream(self, route, messages, max_tokens=1024, **options):
        """Yields the answer's pieces as they arrive (text as ``str``, pieces of tool calls
        as ``ToolCallPiece``), then the ``Result``."""
        arg = _wire.complete_arg(route, messages, max_tokens, True, **options)
        future, pieces = await self._start("complete", arg, True)
        while True:
            text = await pieces.get()
            if text is None:
                break
            yield text
        yield _wire.result_of(await future)

    async def status(self):
        future, _ = await self._start("status", None, False)
        return await future

    async def ping(self):
        future, _ = await self._start("ping", None, False)
        return await future

    async def close(self):
        if self._writer is None:
            return
        self._writer.close()
        try:
            await self._writer.wait_closed()
        except OSError:
            pass
        if self._task is not None:
            await self._task

    async def _start(self, method, arg, stream):
        if self._broken:
            raise self._broken
        while True:
            self._next_id = (self._next_id + 1) % _wire.MAX_MSGID
            if self._next_id not in self._pending:
                break
        msgid = self._next_id
        future = asyncio.get_running_loop().create_future()
        pieces = asyncio.Queue() if stream else None
        self._pending[msgid] = (future, pieces)
        try:
            self._writer.write(_wire.pack_request(msgid, method, arg))
            await self._writer.drain()
        except OSError as e:
            self._pending.pop(msgid, None)
            raise _wire.lost(f"sending to {self.socket}: {e.strerror}") from None
        return future, pieces

    async def _read(self):
        unpacker = _wire.new_unpacker()
        why = "the daemon closed the connection"
        try:
            while True:
                data = await self._reader.read(1 << 16)
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
        if what[0] == _wire.PIECE:
            entry = self._pending.get(what[1])
            if entry is not None and entry[1] is not None:
                for piece in what[2]:
                    entry[1].put_nowait(piece)
            return
        entry = self._pending.pop(what[1], None)
        if entry is None:
            return
        future, pieces = entry
        if pieces is not None:
            pieces.put_nowait(None)
        if future.done():
            return
        if what[2] is not None:
            future.set_exception(what[2])
        else:
            future.set_result(what[3])

    def _fail_all(self, error):
        if self._broken is None:
            self._broken = error
        entries = list(self._pending.values())
        self._pending.clear()
        for future, pieces in entries:
            if pieces is not None:
                pieces.put_nowait(None)
            if not future.done():
                future.set_exception(self._broken)
