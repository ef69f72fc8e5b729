import Foundation

/// A JSON-RPC 2.0 client over mhv's Unix socket: one JSON text per line, integer request ids, any
/// number of requests in flight (answers are matched by id, in whatever order they come), a timeout
/// per call, server errors surfaced with mhv's code and hint, and `event` notifications delivered to
/// `subscribe(since:)` streams. One client is one connection: after it closes, make a new one
/// (`EventFeed` does that, resuming with `since`).
public actor RPCClient {
    public let socketPath: String
    public let clientName: String
    public let defaultTimeout: Double
    public let maxLineBytes: Int

    private var socket: UnixSocket?
    private var nextId = 1
    private var pending: [Int: Pending] = [:]
    private var sinks: [UUID: EventSink] = [:]
    private var lineTask: Task<Void, Never>?
    public private(set) var isConnected = false
    /// Why the connection ended (nil while open or after a deliberate `close()`).
    public private(set) var closeReason: MhvKitError?

    private struct Pending {
        let method: String
        let continuation: CheckedContinuation<Data, Error>
        var timer: Task<Void, Never>?
    }

    private struct EventSink {
        var subscription: JSONValue?
        let continuation: AsyncStream<MhvEvent>.Continuation
    }

    public init(
        socketPath: String, clientName: String = "companion", timeout: Double = 10,
        maxLineBytes: Int = 256 * 1024 * 1024
    ) {
        self.socketPath = socketPath
        self.clientName = clientName
        self.defaultTimeout = timeout
        self.maxLineBytes = maxLineBytes
    }

    /// Connects (throws `MhvKitError.serverUnavailable` when nothing listens) and starts reading.
    public func connect() throws {
        guard socket == nil else { return }
        let socket = try UnixSocket.connect(path: socketPath)
        attach(socket)
    }

    /// Uses an already connected socket (tests drive the framing through a socket pair).
    public func attach(_ socket: UnixSocket) {
        self.socket = socket
        isConnected = true
        closeReason = nil
        let (lines, continuation) = AsyncStream<Data>.makeStream()
        let maxLineBytes = self.maxLineBytes
        let reader = Thread {
            var framer = LineFramer(maxLineBytes: maxLineBytes)
            while let bytes = socket.read() {
                do {
                    for line in try framer.push(bytes) { continuation.yield(line) }
                } catch {
                    socket.shutdown()
                    break
                }
            }
            continuation.finish()
        }
        reader.name = "mhv-rpc-reader"
        reader.start()
        lineTask = Task {
            for await line in lines { self.dispatch(line) }
            self.connectionEnded(reason: .connectionClosed)
        }
    }

    /// Closes the connection: calls in flight fail with `connectionClosed`, event streams finish.
    public func close() {
        socket?.shutdown()
        connectionEnded(reason: nil)
    }

    // MARK: calls

    /// Calls `method` and decodes its `result` as `R`.
    public func call<R: Decodable & Sendable>(
        _ method: String, _ params: JSONValue? = nil, timeout: Double? = nil, as type: R.Type = R.self
    ) async throws -> R {
        let line = try await callRaw(method, params, timeout: timeout)
        return try Self.decodeResult(line, method: method, as: type)
    }

    /// Calls `method` and returns the answer's raw line (a response object with `result` or `error`).
    public func callRaw(_ method: String, _ params: JSONValue? = nil, timeout: Double? = nil) async throws -> Data {
        guard let socket, isConnected else {
            throw closeReason ?? MhvKitError.serverUnavailable(socketPath: socketPath, reason: "not connected")
        }
        let id = nextId
        nextId += 1
        let request = try JSONEncoder().encode(Request(id: id, method: method, params: params))
        let seconds = timeout ?? defaultTimeout
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Data, Error>) in
                pending[id] = Pending(method: method, continuation: continuation, timer: nil)
                do {
                    try socket.write(LineFramer.frame(request))
                } catch {
                    finish(id, with: .failure(error))
                    return
                }
                pending[id]?.timer = Task { [weak self] in
                    try? await Task.sleep(nanoseconds: UInt64(seconds * 1_000_000_000))
                    await self?.finish(id, with: .failure(MhvKitError.timeout(method: method, seconds: seconds)))
                }
            }
        } onCancel: {
            Task { await self.finish(id, with: .failure(CancellationError())) }
        }
    }

    /// `server.hello`: names this connection's actor (`rpc:<clientName>`) for every change it makes.
    @discardableResult
    public func hello(version: String = MhvKitInfo.version) async throws -> ServerHello {
        try await call("server.hello", ["client": .string(clientName), "version": .string(version)], as: ServerHello.self)
    }

    /// Sends a JSON-RPC notification (no id, no answer).
    public func notify(_ method: String, _ params: JSONValue? = nil) throws {
        guard let socket, isConnected else { throw MhvKitError.connectionClosed }
        try socket.write(LineFramer.frame(JSONEncoder().encode(Request(id: nil, method: method, params: params))))
    }

    /// `events.subscribe`: the server's answer and the stream of events after `since` (backlog first,
    /// then live). The stream finishes when the connection ends; resume from the last seq seen.
    public func subscribe(since: Int?) async throws -> (result: SubscribeResult, events: AsyncStream<MhvEvent>) {
        let (stream, continuation) = AsyncStream<MhvEvent>.makeStream(bufferingPolicy: .unbounded)
        let key = UUID()
        // Registered before the request goes out: events that overtake the answer are not lost.
        sinks[key] = EventSink(subscription: nil, continuation: continuation)
        continuation.onTermination = { [weak self] _ in
            Task { await self?.removeSink(key) }
        }
        do {
            var params: [String: JSONValue] = [:]
            if let since { params["since"] = .int(since) }
            let result = try await call("events.subscribe", .object(params), as: SubscribeResult.self)
            sinks[key]?.subscription = result.subscription
            return (result, stream)
        } catch {
            sinks[key] = nil
            continuation.finish()
            throw error
        }
    }

    // MARK: incoming

    private func dispatch(_ line: Data) {
        guard let envelope = FastJSON.envelope(line) ?? (try? JSONDecoder().decode(Envelope.self, from: line)) else {
            // A batch answer or garbage: this client never sends batches, so nothing waits for it.
            return
        }
        if let method = envelope.method {
            if method == "event", let params = envelope.params { deliverEvent(params) }
            if method == "events.dropped" { endSubscription(envelope.params?["subscription"]) }
            return
        }
        guard let id = envelope.id?.intValue else { return }
        finish(id, with: .success(line))
    }

    private func deliverEvent(_ params: JSONValue) {
        let subscription = params["subscription"]
        let payload = params["event"] ?? params
        guard let event = try? payload.decode(MhvEvent.self) else { return }
        for (_, sink) in sinks {
            if let subscription, let mine = sink.subscription, mine != subscription { continue }
            sink.continuation.yield(event)
        }
    }

    /// The server ended a subscription (`events.dropped`, MHV-707: this client fell behind): its stream
    /// finishes, and the consumer subscribes again with the last seq it saw.
    private func endSubscription(_ subscription: JSONValue?) {
        for (key, sink) in sinks where subscription == nil || sink.subscription == nil || sink.subscription == subscription {
            sink.continuation.finish()
            sinks[key] = nil
        }
    }

    private func finish(_ id: Int, with result: Result<Data, Error>) {
        guard let entry = pending.removeValue(forKey: id) else { return }
        entry.timer?.cancel()
        entry.continuation.resume(with: result)
    }

    private func removeSink(_ key: UUID) {
        sinks[key] = nil
    }

    private func connectionEnded(reason: MhvKitError?) {
        guard isConnected || socket != nil else { return }
        isConnected = false
        closeReason = reason
        socket = nil
        lineTask = nil
        for id in Array(pending.keys) { finish(id, with: .failure(MhvKitError.connectionClosed)) }
        for (_, sink) in sinks { sink.continuation.finish() }
        sinks.removeAll()
    }

    // MARK: wire shapes

    static func decodeResult<R: Decodable>(_ line: Data, method: String, as type: R.Type) throws -> R {
        // A task list (a `tasks.list` page: 7.5 MB at 10,000 tasks) is read without Foundation's decoder.
        if R.self == [MhvTask].self, let members = FastJSON.members(line), members["error"] == nil,
            let range = members["result"], let tasks = FastJSON.read(FastJSON.slice(line, range), MhvTask.readArray)
        {
            return tasks as! R
        }
        let response: ResultEnvelope<R>
        do {
            response = try JSONDecoder().decode(ResultEnvelope<R>.self, from: line)
        } catch {
            throw MhvKitError.protocolViolation("the answer to \(method) does not decode as \(R.self): \(error)")
        }
        if let error = response.error {
            throw MhvKitError.server(
                rpcCode: error.code, message: error.message, mhvCode: error.data?["code"]?.stringValue,
                hint: error.data?["hint"]?.stringValue)
        }
        guard let result = response.result else {
            throw MhvKitError.protocolViolation("the answer to \(method) has neither result nor error")
        }
        return result
    }

    struct Request: Encodable {
        let id: Int?
        let method: String
        let params: JSONValue?

        enum CodingKeys: String, CodingKey { case jsonrpc, id, method, params }

        func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode("2.0", forKey: .jsonrpc)
            try c.encodeIfPresent(id, forKey: .id)
            try c.encode(method, forKey: .method)
            try c.encodeIfPresent(params, forKey: .params)
        }
    }

    struct Envelope: Decodable {
        let id: JSONValue?
        let method: String?
        let params: JSONValue?
    }

    struct ErrorObject: Decodable {
        let code: Int
        let message: String
        let data: JSONValue?
    }

    struct ResultEnvelope<R: Decodable>: Decodable {
        let result: R?
        let error: ErrorObject?
    }
}
