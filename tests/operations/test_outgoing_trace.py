"""Item 3: outgoing HTTP calls (JWKS fetches, the portal's sign-in) are client spans that send
``traceparent`` along. Process-wide (httpx2's alias of httpx), so run in a process of its own."""

from __future__ import annotations

import subprocess
import sys

PROGRAM = """
import asyncio, http.server, threading
import httpx2
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from portal.observability import trace_outgoing_http

received = {}

class Peer(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        received["traceparent"] = self.headers.get("traceparent")
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args):
        pass

peer = http.server.HTTPServer(("127.0.0.1", 0), Peer)
threading.Thread(target=peer.serve_forever, daemon=True).start()
exporter = InMemorySpanExporter()
provider = TracerProvider()
provider.add_span_processor(SimpleSpanProcessor(exporter))
trace_outgoing_http(provider)

async def call():
    async with httpx2.AsyncClient() as client:
        await client.get(f"http://127.0.0.1:{peer.server_port}/.well-known/jwks.json")

asyncio.run(call())
(span,) = exporter.get_finished_spans()
print(span.kind.name, format(span.context.trace_id, "032x"), received["traceparent"])
"""


def test_an_outgoing_call_is_a_client_span_and_carries_its_trace():
    run = subprocess.run(
        [sys.executable, "-c", PROGRAM], capture_output=True, text=True, timeout=60
    )
    assert run.returncode == 0, run.stderr
    kind, trace_id, traceparent = run.stdout.split()
    assert kind == "CLIENT"
    assert traceparent.split("-")[1] == trace_id
