#!/usr/bin/env python3
"""A switchyard client written from schema/protocol.md alone, in another language.

Starts the fake provider and switchyardd, then calls `complete`, `status` and `ping` over
the Unix socket with the `msgpack` package. Exits non-zero on any failed check.
Usage: python_client_test.py SWITCHYARDD FAKE_PROVIDER
"""
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

import msgpack


def accepts(path):
    s = socket.socket(socket.AF_UNIX)
    try:
        s.connect(path)
        return True
    except OSError:
        return False
    finally:
        s.close()


def wait_for(pred, timeout=5.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if pred():
            return True
        time.sleep(0.01)
    return pred()


class Client:
    def __init__(self, path):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(10)
        self.sock.connect(path)
        self.unpacker = msgpack.Unpacker(raw=False)
        self.next_id = 1
        self.answers = {}

    def send(self, method, arg=None):
        msgid = self.next_id
        self.next_id += 1
        params = [] if arg is None else [arg]
        self.sock.sendall(msgpack.packb([0, msgid, method, params], use_bin_type=True))
        return msgid

    def wait(self, msgid):
        while msgid not in self.answers:
            data = self.sock.recv(65536)
            if not data:
                raise RuntimeError("connection closed")
            self.unpacker.feed(data)
            for msg in self.unpacker:
                assert msg[0] == 1, msg
                self.answers[msg[1]] = (msg[2], msg[3])
        return self.answers.pop(msgid)

    def call(self, method, arg=None):
        return self.wait(self.send(method, arg))


failures = []


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        failures.append(what)


def main():
    daemon_bin, fake_bin = sys.argv[1], sys.argv[2]
    tmp = tempfile.mkdtemp(prefix="sy-py-")
    procs = []
    try:
        port_file = os.path.join(tmp, "port")
        procs.append(subprocess.Popen([fake_bin, "--port", "0", "--port-file", port_file],
                                      stderr=subprocess.DEVNULL))
        check(wait_for(lambda: os.path.exists(port_file)), "fake provider started")
        port = int(open(port_file).read())
        base = f"http://127.0.0.1:{port}/v1"
        sock = os.path.join(tmp, "sy.sock")
        with open(os.path.join(tmp, "sy.toml"), "w") as f:
            f.write(f"""
[daemon]
socket = "{sock}"
history = "{tmp}/history.db"
[providers.openai]
kind = "openai"
base_url = "{base}"
[providers.anthropic]
kind = "anthropic"
base_url = "{base}"
[models.primary]
provider = "openai"
id = "gpt-4o"
context_window = 128000
max_output_tokens = 4096
[models.backup]
provider = "anthropic"
id = "claude-3-5-haiku-latest"
context_window = 200000
max_output_tokens = 4096
[routes.chat]
tiers = ["primary", "backup"]
[routes.chat.timeout]
default_ms = 2000
""")
        procs.append(subprocess.Popen([daemon_bin, "--config", os.path.join(tmp, "sy.toml")],
                                      stderr=subprocess.DEVNULL))
        check(wait_for(lambda: accepts(sock)), "daemon accepts on its socket")
        c = Client(sock)

        err, res = c.call("ping")
        check(err is None and res == "pong", "ping answers pong")

        msg = {"route": "chat", "max_tokens": 32, "task": "py",
               "messages": [{"role": "system", "content": "be brief"},
                            {"role": "user", "content": "hello from python"}]}
        err, res = c.call("complete", msg)
        check(err is None, f"complete succeeds ({err})")
        check(res["model"] == "primary", "served by the primary")
        check(res["content"] == "Answer from gpt-4o to: hello from python", "content is the answer")
        check(res["usage"]["output_tokens"] > 0, "usage reported")
        check(len(res["attempts"]) == 1 and res["attempts"][0]["outcome"] == "ok", "one ok attempt")

        urllib.request.urlopen(f"http://127.0.0.1:{port}/_control/fault?model=gpt-4o&mode=error&status=503").read()
        err, res = c.call("complete", msg)
        check(err is None and res["model"] == "backup", "falls back to the backup on 503")
        check([a["outcome"] for a in res["attempts"]] == ["server_error", "ok"], "attempts list both")
        check(res["attempts"][0]["http_status"] == 503, "attempt carries the HTTP status")

        # Responses come in completion order: a slow request does not hold up a fast one.
        urllib.request.urlopen(f"http://127.0.0.1:{port}/_control/fault?model=gpt-4o&latency_ms=400").read()
        slow = c.send("complete", msg)
        fast = c.send("status")
        first = None
        while first is None:
            c.unpacker.feed(c.sock.recv(65536))
            for m in c.unpacker:
                c.answers[m[1]] = (m[2], m[3])
                first = first or m[1]
        check(first == fast, "status answered before the slow complete")
        err, st = c.wait(fast)
        check(err is None and set(st["models"]) == {"primary", "backup"}, "status lists the models")
        check(st["models"]["primary"]["breaker"] == "closed", "status shows breaker state")
        check(st["models"]["primary"]["timeout_ms"] == 2000, "status shows the timeout")
        err, res = c.wait(slow)
        check(err is None and res["model"] == "primary", "slow complete still answered")

        err, res = c.call("complete", {"route": "chat", "messages": [], "max_tokens": 5})
        check(res is None and err["code"] == "bad_request", "empty messages is bad_request")
        err, res = c.call("complete", dict(msg, route="nope"))
        check(err["code"] == "no_route", "unknown route is no_route")
        err, res = c.call("nosuch")
        check(err["code"] == "no_such_method", "unknown method")

        for model in ("gpt-4o", "claude-3-5-haiku-latest"):
            urllib.request.urlopen(f"http://127.0.0.1:{port}/_control/fault?model={model}&mode=error&status=500").read()
        err, res = c.call("complete", msg)
        check(err["code"] == "all_models_failed" and len(err["attempts"]) == 2,
              "all_models_failed carries the attempts")
    finally:
        for p in reversed(procs):
            p.send_signal(signal.SIGTERM)
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                p.kill()
        shutil.rmtree(tmp, ignore_errors=True)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
