"""The JSON-RPC 2.0 specification's section 7 examples, sent byte for byte through the real Unix
socket to a dispatcher with the spec's methods (subtract, sum, notify_hello, get_data), give exactly
the specification's answers. The spec writes some examples over several lines; on this
newline-delimited transport each is sent with its line breaks turned into spaces (JSON whitespace,
the same JSON text). Batch answers are compared as sets: the spec lets them come in any order."""

from __future__ import annotations

import json
from typing import Any

import pytest

from mhv.sync.rpc import Dispatcher, InvalidParams, Session, start_unix_server
from tests.sync.conftest import LineClient

NOTHING = object()

# (request exactly as in the specification, the specification's answer or NOTHING)
EXAMPLES: list[tuple[str, Any]] = [
    ('{"jsonrpc": "2.0", "method": "subtract", "params": [42, 23], "id": 1}',
     '{"jsonrpc": "2.0", "result": 19, "id": 1}'),
    ('{"jsonrpc": "2.0", "method": "subtract", "params": [23, 42], "id": 2}',
     '{"jsonrpc": "2.0", "result": -19, "id": 2}'),
    ('{"jsonrpc": "2.0", "method": "subtract", "params": {"subtrahend": 23, "minuend": 42}, "id": 3}',
     '{"jsonrpc": "2.0", "result": 19, "id": 3}'),
    ('{"jsonrpc": "2.0", "method": "subtract", "params": {"minuend": 42, "subtrahend": 23}, "id": 4}',
     '{"jsonrpc": "2.0", "result": 19, "id": 4}'),
    ('{"jsonrpc": "2.0", "method": "update", "params": [1,2,3,4,5]}', NOTHING),
    ('{"jsonrpc": "2.0", "method": "foobar"}', NOTHING),
    ('{"jsonrpc": "2.0", "method": "foobar", "id": "1"}',
     '{"jsonrpc": "2.0", "error": {"code": -32601, "message": "Method not found"}, "id": "1"}'),
    ('{"jsonrpc": "2.0", "method": "foobar, "params": "bar", "baz]',
     '{"jsonrpc": "2.0", "error": {"code": -32700, "message": "Parse error"}, "id": null}'),
    ('{"jsonrpc": "2.0", "method": 1, "params": "bar"}',
     '{"jsonrpc": "2.0", "error": {"code": -32600, "message": "Invalid Request"}, "id": null}'),
    ("""[
  {"jsonrpc": "2.0", "method": "sum", "params": [1,2,4], "id": "1"},
  {"jsonrpc": "2.0", "method"
]""", '{"jsonrpc": "2.0", "error": {"code": -32700, "message": "Parse error"}, "id": null}'),
    ("[]", '{"jsonrpc": "2.0", "error": {"code": -32600, "message": "Invalid Request"}, "id": null}'),
    ("[1]", """[
  {"jsonrpc": "2.0", "error": {"code": -32600, "message": "Invalid Request"}, "id": null}
]"""),
    ("[1,2,3]", """[
  {"jsonrpc": "2.0", "error": {"code": -32600, "message": "Invalid Request"}, "id": null},
  {"jsonrpc": "2.0", "error": {"code": -32600, "message": "Invalid Request"}, "id": null},
  {"jsonrpc": "2.0", "error": {"code": -32600, "message": "Invalid Request"}, "id": null}
]"""),
    ("""[
        {"jsonrpc": "2.0", "method": "sum", "params": [1,2,4], "id": "1"},
        {"jsonrpc": "2.0", "method": "notify_hello", "params": [7]},
        {"jsonrpc": "2.0", "method": "subtract", "params": [42,23], "id": "2"},
        {"foo": "boo"},
        {"jsonrpc": "2.0", "method": "foo.get", "params": {"name": "myself"}, "id": "5"},
        {"jsonrpc": "2.0", "method": "get_data", "id": "9"}
    ]""", """[
        {"jsonrpc": "2.0", "result": 7, "id": "1"},
        {"jsonrpc": "2.0", "result": 19, "id": "2"},
        {"jsonrpc": "2.0", "error": {"code": -32600, "message": "Invalid Request"}, "id": null},
        {"jsonrpc": "2.0", "error": {"code": -32601, "message": "Method not found"}, "id": "5"},
        {"jsonrpc": "2.0", "result": ["hello", 5], "id": "9"}
    ]"""),
    ("""[
        {"jsonrpc": "2.0", "method": "notify_sum", "params": [1,2,4]},
        {"jsonrpc": "2.0", "method": "notify_hello", "params": [7]}
    ]""", NOTHING),
]  # fmt: skip


def spec_dispatcher(hellos: list[Any]) -> Dispatcher:
    d = Dispatcher()

    @d.method("subtract")
    async def subtract(params: Any, session: Session) -> Any:
        if isinstance(params, list) and len(params) == 2:
            minuend, subtrahend = params
        elif isinstance(params, dict) and set(params) == {"minuend", "subtrahend"}:
            minuend, subtrahend = params["minuend"], params["subtrahend"]
        else:
            raise InvalidParams("subtract takes two numbers")
        return minuend - subtrahend

    @d.method("sum")
    async def sum_(params: Any, session: Session) -> Any:
        return sum(params)

    @d.method("notify_hello")
    async def notify_hello(params: Any, session: Session) -> Any:
        hellos.append(params)

    @d.method("get_data")
    async def get_data(params: Any, session: Session) -> Any:
        return ["hello", 5]

    @d.method("ping")
    async def ping(params: Any, session: Session) -> Any:
        return "pong"

    return d


def canonical(value: Any) -> Any:
    """A batch as a set of its members (any order); anything else as itself."""
    if isinstance(value, list):
        return sorted(json.dumps(v, sort_keys=True) for v in value)
    return value


@pytest.fixture
async def spec_server(sock_dir):
    hellos: list[Any] = []
    server = await start_unix_server(None, sock_dir / "mhv.sock", dispatcher=spec_dispatcher(hellos))
    server.hellos = hellos  # type: ignore[attr-defined]
    yield server
    await server.close()


@pytest.mark.parametrize(("request_text", "answer"), EXAMPLES, ids=[f"ex{i}" for i in range(len(EXAMPLES))])
async def test_specification_examples_through_the_socket(spec_server, request_text, answer):
    client = await LineClient.connect(spec_server.path)
    try:
        await client.send_bytes(request_text.replace("\n", " ").encode() + b"\n")
        if answer is NOTHING:
            # Nothing may come back: the next line on the wire must be the answer to the next request.
            await client.send_bytes(b'{"jsonrpc": "2.0", "method": "ping", "id": "after"}\n')
            assert json.loads(await client.line()) == {"jsonrpc": "2.0", "result": "pong", "id": "after"}
        else:
            got = json.loads(await client.line())
            assert canonical(got) == canonical(json.loads(answer))
    finally:
        await client.close()


async def test_all_examples_on_one_connection_in_a_row(spec_server):
    """One client sending every example in sequence gets the answers in sequence (and the
    notifications ran: notify_hello was called twice, with [7])."""
    client = await LineClient.connect(spec_server.path)
    try:
        for request_text, answer in EXAMPLES:
            await client.send_bytes(request_text.replace("\n", " ").encode() + b"\n")
            if answer is not NOTHING:
                assert canonical(json.loads(await client.line())) == canonical(json.loads(answer))
        await client.send_bytes(b'{"jsonrpc": "2.0", "method": "ping", "id": 0}\n')
        assert json.loads(await client.line())["id"] == 0
    finally:
        await client.close()
    assert spec_server.hellos == [[7], [7]]
