"""JSON-RPC 2.0 for mhv: the spec-exact dispatcher (`jsonrpc`), mhv's methods (`methods`) and the Unix
socket server (`server`). `python -m mhv.sync.rpc` serves only the socket (a dev entry)."""

from mhv.sync.rpc.jsonrpc import Dispatcher, InvalidParams, RpcError, Session
from mhv.sync.rpc.server import RpcServer, start_unix_server

__all__ = ["Dispatcher", "InvalidParams", "RpcError", "RpcServer", "Session", "start_unix_server"]
