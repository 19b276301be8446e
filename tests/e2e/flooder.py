#!/usr/bin/env python3
"""A client that floods switchyardd: pipelines COUNT `complete` calls on one connection at
once, then reads every answer and prints how they came out, one line:
  sent=1100 ok=256 overloaded=844 other=0
Used by the fairness tests as a process of its own (the daemon tells clients apart by pid).

usage: flooder.py SOCKET COUNT [ROUTE]
"""
import collections
import socket
import sys

import msgpack


def main():
    path, count = sys.argv[1], int(sys.argv[2])
    route = sys.argv[3] if len(sys.argv) > 3 else "chat"
    s = socket.socket(socket.AF_UNIX)
    s.connect(path)
    frames = b"".join(
        msgpack.packb([0, i, "complete", [{"route": route, "max_tokens": 16,
                                            "messages": [{"role": "user", "content": "flood"}]}]])
        for i in range(count))
    s.sendall(frames)
    print("sent=%d" % count, flush=True)
    outcomes = collections.Counter()
    unpacker = msgpack.Unpacker(raw=False)
    answered = 0
    while answered < count:
        data = s.recv(1 << 16)
        if not data:
            break
        unpacker.feed(data)
        for frame in unpacker:
            if frame[0] != 1:
                continue
            answered += 1
            error = frame[2]
            outcomes["ok" if error is None else
                     "overloaded" if error["code"] == "overloaded" else "other"] += 1
    print("sent=%d ok=%d overloaded=%d other=%d" % (
        count, outcomes["ok"], outcomes["overloaded"], outcomes["other"]), flush=True)


if __name__ == "__main__":
    main()
