"""The floor: the smallest Flask app, under the same gunicorn set-up, returning a fixed HTML page.

The page has FLOOR_BYTES bytes (the size of the measured lesson page; bench.py sets it), so the
lesson page's throughput divided by this one's shows how much of the budget the LMS itself uses.

    FLOOR_BYTES=30000 gunicorn -w 2 -b 127.0.0.1:8001 --chdir benchmarks floor_app:app
"""
from __future__ import annotations

import os

from flask import Flask, Response

SIZE = int(os.environ.get("FLOOR_BYTES", "20000"))


def _page(size: int) -> bytes:
    head = b"<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Floor</title></head><body><main>\n"
    tail = b"</main></body></html>\n"
    para = b"<p>Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor.</p>\n"
    body = bytearray(head)
    while len(body) + len(para) + len(tail) <= size:
        body += para
    body += b" " * max(0, size - len(body) - len(tail))
    body += tail
    return bytes(body)


PAGE = _page(SIZE)
app = Flask(__name__)


@app.route("/")
def index() -> Response:
    return Response(PAGE, mimetype="text/html")
