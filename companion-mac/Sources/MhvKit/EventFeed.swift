import Foundation

/// What an `EventFeed` reports, in order.
public enum FeedUpdate: Sendable, Equatable {
    /// Subscribed; `resumedAfter` is the `since` sent (nil on a first subscription from now on).
    case connected(resumedAfter: Int?, serverSeq: Int?)
    /// One event, never one already delivered, in seq order.
    case event(MhvEvent)
    /// The connection ended or could not be made; the feed retries after a delay.
    case disconnected(MhvKitError)
}

/// `events.subscribe` that survives the server: when the connection ends (a restart, `events.dropped`
/// for a slow reader) it connects again and subscribes with `since` = the last seq delivered, so no
/// event is lost and none is repeated (a seq at or below the last one is dropped, whatever the server
/// resends). Stops when the consumer stops iterating.
public final class EventFeed: Sendable {
    public let socketPath: String
    public let clientName: String
    public let since: Int?
    public let retryDelay: Double
    public let maxRetryDelay: Double

    public init(socketPath: String, clientName: String = "companion", since: Int?, retryDelay: Double = 0.1,
        maxRetryDelay: Double = 2)
    {
        self.socketPath = socketPath
        self.clientName = clientName
        self.since = since
        self.retryDelay = retryDelay
        self.maxRetryDelay = maxRetryDelay
    }

    public func updates() -> AsyncStream<FeedUpdate> {
        let (stream, continuation) = AsyncStream<FeedUpdate>.makeStream(bufferingPolicy: .unbounded)
        let worker = Task { [socketPath, clientName, since, retryDelay, maxRetryDelay] in
            var lastSeq = since
            var delay = retryDelay
            while !Task.isCancelled {
                let client = RPCClient(socketPath: socketPath, clientName: clientName)
                do {
                    try await client.connect()
                    try await client.hello()
                    let (result, events) = try await client.subscribe(since: lastSeq)
                    continuation.yield(.connected(resumedAfter: lastSeq, serverSeq: result.seq))
                    if lastSeq == nil { lastSeq = result.seq }
                    delay = retryDelay
                    for await event in events {
                        if let last = lastSeq, event.seq <= last { continue }
                        lastSeq = event.seq
                        continuation.yield(.event(event))
                    }
                    await client.close()
                    if Task.isCancelled { break }
                    continuation.yield(.disconnected(.connectionClosed))
                } catch {
                    await client.close()
                    if Task.isCancelled { break }
                    continuation.yield(.disconnected(error as? MhvKitError ?? .local("\(error)")))
                }
                try? await Task.sleep(nanoseconds: UInt64(delay * 1_000_000_000))
                delay = min(delay * 2, maxRetryDelay)
            }
            continuation.finish()
        }
        continuation.onTermination = { _ in worker.cancel() }
        return stream
    }
}
