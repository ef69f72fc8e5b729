"""The sync service's core: the context every server shares (task-service worker thread, event bus),
the event bus that follows the log by ``seq``, and the JSON-RPC 2.0 server on a Unix socket."""
