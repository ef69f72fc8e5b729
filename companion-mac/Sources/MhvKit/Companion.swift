import Foundation

/// The tasks the companion shows, and where they came from.
public struct TaskListing: Sendable {
    public var tasks: [MhvTask]
    /// True when read from the server just now; false when from the offline cache.
    public var live: Bool
    /// When the cached tasks last came from the server (offline only).
    public var refreshedAt: String?
    /// Why the server could not be asked (offline only).
    public var offlineReason: MhvKitError?
    /// Writes waiting for the server.
    public var queued: [QueuedWrite]
    /// What replaying the queue did, when it ran.
    public var replay: ReplayReport?
}

/// A write either reached the server or waits in the offline queue.
public enum WriteOutcome: Sendable {
    case applied(MhvTask)
    case queued(QueuedWrite, reason: MhvKitError)
}

public struct ReplayReport: Sendable {
    public var applied: [(write: QueuedWrite, task: MhvTask)] = []
    public var conflicts: [WriteConflict] = []
    /// Still queued (the server went away during the replay).
    public var remaining: Int = 0
    public var isEmpty: Bool { applied.isEmpty && conflicts.isEmpty }
}

/// The companion's one door to mhv: calls the server when it runs, falls back on the offline cache
/// when it doesn't, queues writes made offline and replays them in order (each checked against the
/// task's `updated_at` the user saw: a task changed meanwhile is a conflict, reported and kept in
/// the cache's `conflicts`, never overwritten).
public actor Companion {
    public nonisolated let paths: MhvPaths
    public nonisolated let clientName: String
    public nonisolated let cache: OfflineCache
    private let clock: NowProvider
    private let timeout: Double
    private var client: RPCClient?

    public init(paths: MhvPaths, clientName: String = "companion", clock: NowProvider = SystemNow(), timeout: Double = 10) {
        self.paths = paths
        self.clientName = clientName
        self.cache = OfflineCache(directory: paths.companionDirectory)
        self.clock = clock
        self.timeout = timeout
    }

    /// A connected, greeted client (a new one when the last connection ended).
    public func connectedClient() async throws -> RPCClient {
        if let client, await client.isConnected { return client }
        let fresh = RPCClient(socketPath: paths.socketPath, clientName: clientName, timeout: timeout)
        try await fresh.connect()
        try await fresh.hello()
        client = fresh
        return fresh
    }

    public func disconnect() async {
        await client?.close()
        client = nil
    }

    /// Open tasks (or every task), from the server when it answers (the cache is refreshed and the
    /// offline queue replayed first), else from the cache.
    public func listTasks(all: Bool = false) async throws -> TaskListing {
        do {
            let client = try await connectedClient()
            let status = all ? "all" : "open"
            // The listing is asked for at once and the cache read while the server answers (at 10,000
            // tasks each takes a while). It is kept when there was nothing to do first; otherwise it
            // is asked for again after the queue's replay and the mark.
            async let early = client.listTasks(status: status)
            let cached = try cache.load()
            let tasks: [MhvTask]
            let replay: ReplayReport
            var mark: Int?
            if cached.queue.isEmpty, cached.lastSeq != nil {
                tasks = try await early
                replay = ReplayReport()
            } else {
                _ = try? await early
                replay = try await replayQueue(using: client)
                // A cache that never followed the feed learns where these tasks stand in the event log,
                // read before the listing: a feed opened later resumes there, so a change made in
                // between is not missed (seen twice at worst, which applying an event's after-state
                // makes harmless).
                mark = try cache.load().lastSeq == nil ? try await client.latestSeq() : nil
                tasks = try await client.listTasks(status: status)
            }
            let now = clock.now()
            let snapshot = try cache.update { snapshot -> CacheSnapshot in
                if snapshot.lastSeq == nil, let mark { snapshot.lastSeq = mark }
                if all {
                    snapshot.refresh(tasks: tasks, at: now)
                } else {
                    // Keep finished tasks the cache knew (a later `--all` offline still shows them).
                    let open = Set(tasks.map(\.id))
                    let finished = snapshot.tasks.filter { !$0.isOpen && !open.contains($0.id) }
                    snapshot.refresh(tasks: tasks + finished, at: now)
                }
                return snapshot
            }
            return TaskListing(
                tasks: tasks, live: true, refreshedAt: snapshot.refreshedAt, offlineReason: nil, queued: snapshot.queue,
                replay: replay)
        } catch let error as MhvKitError where error.isConnectivity {
            await disconnect()
            let snapshot = try cache.load()
            let tasks = all ? snapshot.tasks : snapshot.tasks.filter(\.isOpen)
            return TaskListing(
                tasks: tasks, live: false, refreshedAt: snapshot.refreshedAt, offlineReason: error, queued: snapshot.queue,
                replay: nil)
        }
    }

    /// Creates a task from a quick-add line, or queues it when the server is away.
    public func add(_ text: String, yes: Bool = false) async throws -> WriteOutcome {
        // One key for the live attempt and, if it times out, for the queued retry: never two tasks.
        let key = UUID().uuidString
        return try await write(.create(text: text), id: key, baseUpdatedAt: nil) { client in
            try await client.createTask(text: text, yes: yes, clientKey: key)
        }
    }

    /// Completes task `number`, or queues it (with the task's `updated_at` from the cache) when offline.
    public func complete(_ number: Int) async throws -> WriteOutcome {
        let base = try cache.load().task(number: number)?.updatedAt
        return try await write(.complete(number: number), baseUpdatedAt: base) { client in
            try await client.completeTask(number)
        }
    }

    /// Changes task `number` in the quick-add language, or queues it when offline.
    public func update(_ number: Int, text: String) async throws -> WriteOutcome {
        let base = try cache.load().task(number: number)?.updatedAt
        return try await write(.update(number: number, text: text), baseUpdatedAt: base) { client in
            try await client.updateTask(number, text: text)
        }
    }

    private func write(
        _ action: QueuedWrite.Action, id: String = UUID().uuidString, baseUpdatedAt: String?, _ body: (RPCClient) async throws -> MhvTask
    ) async throws -> WriteOutcome {
        do {
            let client = try await connectedClient()
            _ = try await replayQueue(using: client)
            let task = try await body(client)
            try cache.update { $0.upsert(task) }
            return .applied(task)
        } catch let error as MhvKitError where error.isConnectivity {
            await disconnect()
            let write = QueuedWrite(id: id, action: action, baseUpdatedAt: baseUpdatedAt, queuedAt: ISODate.format(clock.now()))
            try cache.update { $0.queue.append(write) }
            return .queued(write, reason: error)
        }
    }

    /// Replays the offline queue now (connecting first).
    public func replayQueue() async throws -> ReplayReport {
        try await replayQueue(using: connectedClient())
    }

    /// Replays queued writes in the order they were made. A write whose task changed since it was
    /// queued (its `updated_at` differs), or that the server refuses, becomes a conflict; the rest
    /// are applied. If the connection drops midway, what is left stays queued.
    func replayQueue(using client: RPCClient) async throws -> ReplayReport {
        var report = ReplayReport()
        let queue = try cache.load().queue
        guard !queue.isEmpty else { return report }
        for (index, write) in queue.enumerated() {
            do {
                let task: MhvTask
                switch write.action {
                case .create(let text):
                    // The write's id as client_key: a create whose first answer was lost is not made twice.
                    task = try await client.createTask(text: text, yes: true, clientKey: write.id)
                case .complete(let number):
                    task = try await client.completeTask(number, ifUpdatedAt: write.baseUpdatedAt)
                case .update(let number, let text):
                    task = try await client.updateTask(number, text: text, ifUpdatedAt: write.baseUpdatedAt)
                }
                report.applied.append((write, task))
                try settle(write, task: task, conflict: nil)
            } catch let error as MhvKitError where error.isConnectivity {
                report.remaining = queue.count - index
                throw error
            } catch let MhvKitError.server(_, message, mhvCode, hint) {
                // MHV-103: the server compared `if_updated_at` in the change's own transaction and
                // wrote nothing; keep the task as it is now beside the conflict.
                var current: MhvTask?
                if mhvCode == "MHV-103", let number = write.taskNumber {
                    current = try? await client.getTask(number)
                }
                let reason = mhvCode == "MHV-103" && write.taskNumber != nil
                    ? "#\(write.taskNumber!) changed since this was queued (updated \(current?.updatedAt ?? "?"), "
                        + "you saw \(write.baseUpdatedAt ?? "?")): not applied"
                    : message + (hint.map { " (\($0))" } ?? "")
                let conflict = WriteConflict(
                    write: write, reason: reason, serverTask: current, mhvCode: mhvCode,
                    detectedAt: ISODate.format(clock.now()))
                if let current { try cache.update { $0.upsert(current) } }
                report.conflicts.append(conflict)
                try settle(write, task: nil, conflict: conflict)
            }
        }
        return report
    }

    /// Takes one replayed write off the queue (recording its conflict) in the same cache update.
    private func settle(_ write: QueuedWrite, task: MhvTask?, conflict: WriteConflict?) throws {
        try cache.update { snapshot in
            snapshot.queue.removeAll { $0.id == write.id }
            if let task { snapshot.upsert(task) }
            if let conflict { snapshot.conflicts.append(conflict) }
        }
    }

    /// The conflicts recorded by replays, and forgets them (the user has now seen them).
    public func takeConflicts() throws -> [WriteConflict] {
        try cache.update { snapshot in
            let conflicts = snapshot.conflicts
            snapshot.conflicts = []
            return conflicts
        }
    }
}
