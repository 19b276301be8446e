#!/usr/bin/env python3
"""The Python client (client/python) against the real daemon and the fake provider.

Usage: client_test.py SWITCHYARDD FAKE_PROVIDER [unittest arguments]
"""
import asyncio
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                                "client", "python"))
import switchyard  # noqa: E402

DAEMON = FAKE = None


def wait_for(pred, timeout=10.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if pred():
            return True
        time.sleep(0.01)
    return pred()


def accepts(path):
    s = socket.socket(socket.AF_UNIX)
    try:
        s.connect(path)
        return True
    except OSError:
        return False
    finally:
        s.close()


class Cluster:
    """The fake provider and a switchyardd in front of it, in a temporary directory."""

    def __init__(self):
        self.tmp = tempfile.mkdtemp(prefix="sy-pyclient-")
        port_file = os.path.join(self.tmp, "port")
        self.fake = subprocess.Popen([FAKE, "--port", "0", "--port-file", port_file],
                                     stderr=subprocess.DEVNULL)
        assert wait_for(lambda: os.path.exists(port_file) and os.path.getsize(port_file) > 0)
        with open(port_file) as f:
            self.port = int(f.read())
        self.socket = os.path.join(self.tmp, "sy.sock")
        self.config = os.path.join(self.tmp, "sy.toml")
        base = f"http://127.0.0.1:{self.port}/v1"
        with open(self.config, "w") as f:
            f.write(f"""
[daemon]
socket = "{self.socket}"
history = "{self.tmp}/history.db"
[providers.openai]
kind = "openai"
base_url = "{base}"
[models.primary]
provider = "openai"
id = "gpt-4o"
context_window = 128000
max_output_tokens = 4096
[models.backup]
provider = "openai"
id = "gpt-4o-mini"
context_window = 128000
max_output_tokens = 4096
[providers.anthropic]
kind = "anthropic"
base_url = "{base}"
[models.claude]
provider = "anthropic"
id = "claude-3-5-haiku-latest"
context_window = 200000
max_output_tokens = 4096
vision = true
[routes.agents]
tiers = ["primary", "claude"]
[routes.chat]
tiers = ["primary", "backup"]
[routes.chat.timeout]
default_ms = 2000
[breaker]
min_calls = 1000000
consecutive_failures = 1000000
consecutive_timeouts = 1000000
""")
        self.daemon = None
        self.start_daemon()

    def start_daemon(self):
        self.daemon = subprocess.Popen([DAEMON, "--config", self.config],
                                       stderr=subprocess.DEVNULL)
        assert wait_for(lambda: accepts(self.socket)), "the daemon never accepted"

    def fault(self, model, query):
        urllib.request.urlopen(
            f"http://127.0.0.1:{self.port}/_control/fault?model={model}&{query}").read()

    def fault_all(self, query):
        for model in ("gpt-4o", "gpt-4o-mini", "claude-3-5-haiku-latest"):
            self.fault(model, query)

    def heal(self):
        self.fault_all("mode=ok")

    def stop(self):
        for p in (self.daemon, self.fake):
            if p and p.poll() is None:
                p.send_signal(signal.SIGTERM)
                try:
                    p.wait(10)
                except subprocess.TimeoutExpired:
                    p.kill()
        shutil.rmtree(self.tmp, ignore_errors=True)


cluster = None


def setUpModule():
    global cluster
    cluster = Cluster()


def tearDownModule():
    cluster.stop()


class SyncClientTest(unittest.TestCase):
    def setUp(self):
        cluster.heal()
        self.c = switchyard.Client(cluster.socket)

    def tearDown(self):
        self.c.close()

    def test_ping_and_status(self):
        self.assertEqual(self.c.ping(), "pong")
        st = self.c.status()
        self.assertEqual(set(st["models"]), {"primary", "backup", "claude"})
        self.assertEqual(st["models"]["primary"]["breaker"], "closed")

    def test_complete_returns_the_answer_and_its_attempts(self):
        r = self.c.complete("chat", [{"role": "system", "content": "be brief"},
                                     ("user", "hello from python")],
                            max_tokens=32, task="py", metadata={"team": "search"})
        self.assertIsInstance(r, switchyard.Result)
        self.assertEqual(r.model, "primary")
        self.assertEqual(r.content, "Answer from gpt-4o to: hello from python")
        self.assertGreater(r.usage.output_tokens, 0)
        self.assertGreater(r.request_id, 0)
        self.assertEqual(r.fallbacks, 0)
        self.assertEqual([(a.model, a.outcome) for a in r.attempts], [("primary", "ok")])

    def test_a_fallback_is_in_the_attempts(self):
        cluster.fault("gpt-4o", "mode=error&status=503")
        r = self.c.complete("chat", "hi", max_tokens=16)
        self.assertEqual(r.model, "backup")
        self.assertEqual(r.fallbacks, 1)
        self.assertEqual([a.outcome for a in r.attempts], ["server_error", "ok"])
        self.assertEqual(r.attempts[0].http_status, 503)

    def test_errors_raise_their_class_with_code_and_attempts(self):
        cluster.fault_all("mode=error&status=500")
        with self.assertRaises(switchyard.AllModelsFailed) as e:
            self.c.complete("chat", "hi", max_tokens=16)
        self.assertEqual(e.exception.code, "all_models_failed")
        self.assertEqual([a.model for a in e.exception.attempts], ["primary", "backup"])
        self.assertIsInstance(e.exception, switchyard.Error)
        with self.assertRaises(switchyard.NoRoute) as e:
            self.c.complete("nope", "hi", max_tokens=16)
        self.assertIn("nope", e.exception.message)
        with self.assertRaises(switchyard.BadRequest) as e:
            self.c.complete("chat", [], max_tokens=16)
        self.assertIn("messages", e.exception.message)
        cluster.fault("gpt-4o", "mode=error&status=401")
        with self.assertRaises(switchyard.RequestRejected) as e:
            self.c.complete("chat", "hi", max_tokens=16)
        self.assertEqual(e.exception.http_status, 401)
        # The connection is still good after errors.
        self.assertEqual(self.c.ping(), "pong")

    def test_a_deadline_is_passed_and_reported(self):
        cluster.fault_all("mode=hang")
        with self.assertRaises(switchyard.DeadlineExceeded) as e:
            self.c.complete("chat", "hi", max_tokens=16, deadline_ms=300)
        self.assertEqual(e.exception.code, "deadline_exceeded")

    def test_stream_yields_pieces_then_the_result(self):
        cluster.fault("gpt-4o", "chunk_ms=5")
        pieces = list(self.c.stream("chat", "tell me a story", max_tokens=64))
        result = pieces.pop()
        self.assertIsInstance(result, switchyard.Result)
        self.assertGreater(len(pieces), 1)
        self.assertTrue(all(isinstance(p, str) for p in pieces))
        self.assertEqual("".join(pieces), result.content)
        self.assertEqual(result.content, "Answer from gpt-4o to: tell me a story")

    def test_a_stream_broken_after_text_raises_partial_answer(self):
        cluster.fault("gpt-4o", "mode=cut")
        pieces = []
        with self.assertRaises(switchyard.PartialAnswer):
            for p in self.c.stream("chat", "tell me a story", max_tokens=64):
                pieces.append(p)
        self.assertTrue(pieces, "the text before the cut was yielded")

    def test_many_threads_share_one_connection(self):
        # Each request's answer names its own prompt: answers are matched, not just counted.
        cluster.fault_all("latency_ms=50&jitter_ms=40")
        results, errors = {}, []

        def ask(i):
            try:
                results[i] = self.c.complete("chat", f"question {i}", max_tokens=16)
            except Exception as e:  # reported below
                errors.append(e)

        threads = [threading.Thread(target=ask, args=(i,)) for i in range(32)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        self.assertEqual(errors, [])
        self.assertEqual(len(results), 32)
        for i, r in results.items():
            self.assertEqual(r.content, f"Answer from gpt-4o to: question {i}")

    def test_socket_from_the_environment_and_a_missing_one(self):
        os.environ["SWITCHYARD_SOCKET"] = cluster.socket
        try:
            with switchyard.Client() as c:
                self.assertEqual(c.socket, cluster.socket)
                self.assertEqual(c.ping(), "pong")
        finally:
            del os.environ["SWITCHYARD_SOCKET"]
        with self.assertRaises(switchyard.ConnectionLost) as e:
            switchyard.Client(os.path.join(cluster.tmp, "nothing.sock"))
        self.assertIn("nothing.sock", e.exception.message)


WEATHER = {"type": "function", "function": {
    "name": "get_weather", "description": "The weather in a city",
    "parameters": {"type": "object", "properties": {"city": {"type": "string"}},
                   "required": ["city"], "additionalProperties": False}}}
TIME = {"name": "get_time",
        "parameters": {"type": "object", "properties": {"tz": {"type": "string"}},
                       "required": ["tz"]}}
RATING = {"name": "Rating", "strict": True,
          "schema": {"type": "object", "required": ["rating", "why"],
                     "properties": {"rating": {"type": "integer"}, "why": {"type": "string"}},
                     "additionalProperties": False}}


class ToolsTest(unittest.TestCase):
    """Tools, json_schema and images over MessagePack, on an OpenAI tier and, with it failing,
    on an Anthropic one."""

    def setUp(self):
        cluster.heal()
        self.c = switchyard.Client(cluster.socket)

    def tearDown(self):
        self.c.close()
        cluster.heal()

    def each_provider(self):
        for down, model in ((False, "primary"), (True, "claude")):
            cluster.fault("gpt-4o", "mode=error&status=503" if down else "mode=ok")
            yield model

    def test_a_two_turn_tool_conversation(self):
        for model in self.each_provider():
            with self.subTest(model=model):
                messages = [{"role": "user", "content": "weather in Paris?"}]
                r = self.c.complete("agents", messages, 64, tools=[WEATHER])
                self.assertEqual(r.model, model)
                self.assertEqual(r.finish_reason, "tool_calls")
                self.assertEqual(len(r.tool_calls), 1)
                call = r.tool_calls[0]
                self.assertEqual(call.name, "get_weather")
                self.assertEqual(call.parsed(), {"city": "fake"})
                messages.append({"role": "assistant", "content": r.content, "tool_calls": [
                    {"id": call.id, "name": call.name, "arguments": call.arguments}]})
                messages.append({"role": "tool", "tool_call_id": call.id, "content": "18C"})
                r = self.c.complete("agents", messages, 64, tools=[WEATHER])
                self.assertEqual(r.finish_reason, "stop")
                self.assertIn("[tool results: 18C]", r.content)

    def test_streamed_parallel_calls_come_in_pieces(self):
        cluster.fault("claude-3-5-haiku-latest", "tool_calls=2")
        for model in self.each_provider():
            cluster.fault("gpt-4o", "tool_calls=2" if model == "primary" else
                          "mode=error&status=503")
            with self.subTest(model=model):
                items = list(self.c.stream("agents", "weather and time?", 64,
                                           tools=[WEATHER, TIME], tool_choice="auto"))
                pieces, result = items[:-1], items[-1]
                self.assertTrue(all(isinstance(p, switchyard.ToolCallPiece) for p in pieces))
                self.assertEqual([p.index for p in pieces if p.id], [0, 1])
                self.assertEqual(pieces[0].name, "get_weather")
                self.assertEqual([c.name for c in result.tool_calls], ["get_weather", "get_time"])
                args = "".join(p.arguments for p in pieces if p.index == 1)
                self.assertEqual(args, result.tool_calls[1].arguments)
                self.assertEqual(result.tool_calls[1].parsed(), {"tz": "fake"})

    def test_json_schema_answers_follow_the_schema(self):
        for model in self.each_provider():
            with self.subTest(model=model):
                r = self.c.complete("agents", "rate it", 64, json_schema=RATING)
                self.assertEqual(r.model, model)
                self.assertEqual(json.loads(r.content), {"rating": 1, "why": "fake"})

    def test_broken_calls_and_off_schema_answers_fall_through(self):
        cluster.fault("gpt-4o", "mode=bad_tool_args")
        r = self.c.complete("agents", "weather?", 64, tools=[WEATHER])
        self.assertEqual(r.model, "claude")
        self.assertEqual(r.attempts[0].outcome, "invalid_tool_call")
        self.assertEqual(r.attempts[0].reason,
                         "tool call 0 (get_weather): arguments are not a JSON object")
        cluster.fault("gpt-4o", "mode=off_schema")
        r = self.c.complete("agents", "rate it", 64, json_schema=RATING)
        self.assertEqual(r.model, "claude")
        self.assertEqual(r.attempts[0].outcome, "schema_mismatch")

    def test_an_image_skips_the_tier_that_cannot_see(self):
        image = [{"role": "user", "content": [
            {"type": "text", "text": "what is it?"},
            {"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBORw0KGgo="}}]}]
        r = self.c.complete("agents", image, 32)
        self.assertEqual(r.model, "claude")
        self.assertEqual(r.attempts[0].outcome, "unsupported")
        self.assertIn("[1 image(s)]", r.content)
        with self.assertRaises(switchyard.BadRequest) as e:
            self.c.complete("chat", image, 32)
        self.assertIn("can see them", e.exception.message)

    def test_bad_tools_are_refused_with_the_field(self):
        with self.assertRaises(switchyard.BadRequest) as e:
            self.c.complete("agents", "x", 16, tools=[WEATHER], tool_choice="nope")
        self.assertIn("tool_choice: must be auto, none, required or function", e.exception.message)
        with self.assertRaises(TypeError):
            self.c.complete("agents", "x", 16, frobnicate=1)


class AsyncClientTest(unittest.TestCase):
    def setUp(self):
        cluster.heal()

    def test_many_tasks_share_one_connection(self):
        cluster.fault_all("latency_ms=50&jitter_ms=40")

        async def main():
            async with switchyard.AsyncClient(cluster.socket) as c:
                self.assertEqual(await c.ping(), "pong")
                rs = await asyncio.gather(*(c.complete("chat", f"q{i}", max_tokens=16)
                                            for i in range(32)))
                for i, r in enumerate(rs):
                    self.assertEqual(r.content, f"Answer from gpt-4o to: q{i}")
                st = await c.status()
                self.assertIn("primary", st["models"])

        asyncio.run(main())

    def test_stream_and_errors(self):
        async def main():
            c = await switchyard.AsyncClient.connect(cluster.socket)
            try:
                pieces = [p async for p in c.stream("chat", "async story", max_tokens=64)]
                result = pieces.pop()
                self.assertIsInstance(result, switchyard.Result)
                self.assertEqual("".join(pieces), "Answer from gpt-4o to: async story")
                with self.assertRaises(switchyard.NoRoute):
                    await c.complete("nope", "hi", max_tokens=8)
                cluster.fault_all("mode=error&status=500")
                with self.assertRaises(switchyard.AllModelsFailed) as e:
                    await c.complete("chat", "hi", max_tokens=8)
                self.assertEqual(len(e.exception.attempts), 2)
            finally:
                await c.close()

        asyncio.run(main())


class ConnectionLostTest(unittest.TestCase):
    """With a cluster of its own: it kills the daemon."""

    def setUp(self):
        self.cluster = Cluster()

    def tearDown(self):
        self.cluster.stop()

    def test_requests_in_flight_fail_when_the_daemon_dies(self):
        cluster = self.cluster
        cluster.fault_all("mode=hang")
        c = switchyard.Client(cluster.socket)
        errors = []

        def ask():
            try:
                c.complete("chat", "hi", max_tokens=8)
            except switchyard.Error as e:
                errors.append(e)

        t = threading.Thread(target=ask)
        t.start()
        assert wait_for(lambda: c.status()["requests_in_flight"] == 1)
        cluster.daemon.kill()
        cluster.daemon.wait()
        t.join(10)
        self.assertEqual(len(errors), 1)
        self.assertIsInstance(errors[0], switchyard.ConnectionLost)
        with self.assertRaises(switchyard.ConnectionLost):
            c.ping()  # the client says so at once from then on
        c.close()
        cluster.start_daemon()
        with switchyard.Client(cluster.socket) as again:
            self.assertEqual(again.ping(), "pong")


if __name__ == "__main__":
    DAEMON, FAKE = sys.argv[1], sys.argv[2]
    unittest.main(argv=[sys.argv[0]] + sys.argv[3:], verbosity=2)
