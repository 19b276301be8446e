#!/usr/bin/python3
# Writes the fuzz targets' seed corpora (fuzz/corpus/*) from the recorded provider fixtures
# and hand-made frames. Run from the repository root with Debian's python3-msgpack:
#   /usr/bin/python3 fuzz/make_seeds.py [fixtures dir, default tests/providers/testdata]
import glob
import os
import sys

import msgpack

F = sys.argv[1] if len(sys.argv) > 1 else 'tests/providers/testdata'
C = 'fuzz/corpus'


def w(path, data):
    with open(os.path.join(C, path), 'wb') as f:
        f.write(data)


req = [0, 1, "complete", [{"route": "chat", "max_tokens": 64,
                           "messages": [{"role": "system", "content": "Be brief."},
                                        {"role": "user", "content": "hi"}],
                           "task": "t", "stream": True, "json": False,
                           "metadata": {"a": 1, "b": "x", "c": True}}]]
# The first byte of a protocol input picks where the stream is split.
w('protocol/complete_request', b'\x05' + msgpack.packb(req))
w('protocol/two_requests', b'\x30' + msgpack.packb(req) + msgpack.packb([0, 2, "status", []]))
w('protocol/status_request', b'\x00' + msgpack.packb([0, 7, "status", []]))
w('protocol/array_2_32', b'\x00' + b'\xdd\xff\xff\xff\xff')
w('protocol/map_2_32', b'\x00' + b'\xdf\xff\xff\xff\xff')
w('protocol/str_2_32', b'\x00' + b'\x94\x00\x01\xa8complete\x91\x81\xa5route\xdb\xff\xff\xff\xff')
w('protocol/nested_arrays', b'\x00' + b'\x91' * 200 + b'\xc0')
w('protocol/nested_maps', b'\x00' + b'\x81\xa1k' * 200 + b'\xc0')
w('protocol/chunk_notification',
  b'\x00' + msgpack.packb([2, "chunk", [{"msgid": 7, "index": 0, "content": "Hel"}]]))
w('protocol/response', b'\x00' + msgpack.packb(
    [1, 7, None, {"request_id": 3, "model": "m", "content": "c",
                  "attempts": [{"model": "m", "outcome": "ok", "truncation": {"tokens_before": 1}}],
                  "truncation": {"cut_chars": 2}}]))
w('protocol/error_response',
  b'\x00' + msgpack.packb([1, 7, {"code": "x", "message": "y", "attempts": []}, None]))
w('protocol/status_response', b'\x00' + msgpack.packb(
    [1, 7, None, {"version": "1", "models": {"m": {"breaker": "open", "tasks": {"t": {"samples": 3}}}},
                  "routes": {"chat": {"over_budget": True}}, "history": {"enabled": True}}]))
w('protocol/bad_utf8', b'\x00' + msgpack.packb(req).replace(b'hi', b'\xff\xfe'))

# A provider input's first byte: bit 0 the API, bits 1-6 the status, bit 7 in-place parsing.
statuses = [200, 400, 401, 404, 408, 413, 422, 429, 500, 503, 529, 302]


def sel(api, status, inplace=True):
    return bytes([(0x80 if inplace else 0) | (statuses.index(status) << 1) | api])


for api, d in ((0, 'openai'), (1, 'anthropic'), (0, 'openai-compatible')):
    for p in sorted(glob.glob(f'{F}/{d}/*.json')):
        name = os.path.basename(p)
        if 'request' in name:
            continue
        status = 200
        if 'error' in name:
            digits = [int(x) for x in name.replace('.', '_').split('_') if x.isdigit()]
            status = digits[0] if digits and digits[0] in statuses else 400
        w(f'provider/{d}_{name}', sel(api, status) + open(p, 'rb').read())
w('provider/openai_garbage', sel(0, 200) + b'<html>502</html>\x01\xff')
w('provider/openai_empty', sel(0, 200, False))

# A native answer's first byte: bits 0-1 the provider (Gemini, Azure, Bedrock), bits 2-5 the
# status, bit 6 the body as an error type too, bit 7 a json_schema request.
native_statuses = [200, 400, 401, 403, 404, 408, 424, 429, 500, 503, 529, 302]
for api, d in ((0, 'gemini'), (2, 'bedrock'), (1, 'openai-compatible')):
    for p in sorted(glob.glob(f'{F}/{d}/*.json')) + sorted(glob.glob(f'{F}/{d}/*.sse')):
        name = os.path.basename(p)
        digits = [int(x) for x in name.replace('.', '_').split('_') if x.isdigit()]
        status = digits[0] if 'error' in name and digits and digits[0] in native_statuses else 200
        w(f'native_answer/{d}_{name}',
          bytes([(native_statuses.index(status) << 2) | api]) + open(p, 'rb').read())
w('native_answer/bedrock_schema_answer',
  bytes([0x80 | 2]) + open(f'{F}/bedrock/converse_tool_then_text.json', 'rb').read())

# An event-stream input's first byte: where the bytes are split, bit 0 a json_schema request.
for p in sorted(glob.glob(f'{F}/bedrock/*.bin')):
    data = open(p, 'rb').read()
    w(f'event_stream/{os.path.basename(p)}', bytes([(len(data) // 2) % 256 & 0xfe]) + data)

# An SSE input's first byte: bit 0 the API, the rest where the bytes are split.
for api, d in ((0, 'openai'), (1, 'anthropic')):
    for p in sorted(glob.glob(f'{F}/{d}/*.sse')):
        data = open(p, 'rb').read()
        w(f'sse/{d}_{os.path.basename(p)}', bytes([(len(data) // 2 * 2) % 256 | api]) + data)

# An HTTP/1.1 answer's first byte picks where it is split; each framing, an interim answer,
# and one cut off.
w('http1/content_length', b'\x10HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n'
  b'content-length: 11\r\n\r\n{"id":"x"}\n')
w('http1/chunked', b'\x20HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n'
  b'6;ext=1\r\ndata: \r\n3\r\n{}\n\r\n0\r\nX-T: 1\r\n\r\n')
w('http1/interim_then_429', b'\x05HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 429 Too Many Requests\r\n'
  b'retry-after: 2\r\nretry-after-ms: 1500\r\ncontent-length: 2\r\n\r\n{}')
w('http1/until_close', b'\x07HTTP/1.0 502 Bad Gateway\r\nconnection: keep-alive\r\n\r\nupstream gone')
w('http1/cut_off', b'\x09HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\n{"cut')

w('config/example.toml', open('examples/switchyard.toml', 'rb').read())
w('config/full.toml', b'''[daemon]
socket = "/tmp/s.sock"
max_frame_bytes = 1024
allow_uids = [0, 1000]
[history]
enabled = false
[breaker]
window_s = 10
[retry]
budget_percent = 10.5
[providers.p]
kind = "anthropic"
base_url = "http://127.0.0.1:9/v1/"
max_in_flight = 3
[models.a]
provider = "p"
id = "a"
context_window = 1000
max_output_tokens = 100
[models.a.breaker]
jitter = 0
[models.b]
provider = "p"
id = "b"
context_window = 2000
max_output_tokens = 100
[routes.chat]
tiers = ["a", "b"]
on_soft_timeout = "hedge"
on_context_overflow = "skip"
budget_usd_per_day = 1.5
over_budget_tier = "b"
[routes.chat.checks]
repetition = false
[routes.chat.timeout]
first_token_default_ms = 100
stall_ms = 200
''')
