import Foundation

/// mhv's methods (docs/protocol.md), typed.
extension RPCClient {
    public func ping() async throws -> String { try await call("server.ping", as: String.self) }

    public func serverVersion() async throws -> ServerVersion { try await call("server.version", as: ServerVersion.self) }

    /// Every task with these statuses (`"open"`, `"all"`), read in pages of `pageSize` (the server caps
    /// one page at 10,000).
    public func listTasks(status: String = "open", order: String = "number", pageSize: Int = 10_000) async throws
        -> [MhvTask]
    {
        var tasks = [MhvTask]()
        while true {
            let page = try await call(
                "tasks.list",
                ["status": .string(status), "order": .string(order), "limit": .int(pageSize), "offset": .int(tasks.count)],
                as: [MhvTask].self)
            tasks.append(contentsOf: page)
            if page.count < pageSize { return tasks }
        }
    }

    public func getTask(_ ref: Int) async throws -> MhvTask {
        try await call("tasks.get", ["ref": .int(ref)], as: MhvTask.self)
    }

    /// Creates a task from a quick-add line (`yes`: act even when the parse is unsure). `clientKey`
    /// makes a retry safe: a second create with the same key returns the first task.
    public func createTask(text: String, yes: Bool = false, clientKey: String? = nil) async throws -> MhvTask {
        var params: [String: JSONValue] = ["text": .string(text), "yes": .bool(yes)]
        if let clientKey { params["client_key"] = .string(clientKey) }
        return try await call("tasks.create", .object(params), as: MhvTask.self)
    }

    /// Completes a task. `ifUpdatedAt`: only if it has not changed since (else `MHV-103`).
    public func completeTask(_ ref: Int, ifUpdatedAt: String? = nil) async throws -> MhvTask {
        var params: [String: JSONValue] = ["ref": .int(ref)]
        if let ifUpdatedAt { params["if_updated_at"] = .string(ifUpdatedAt) }
        return try await call("tasks.complete", .object(params), as: MhvTask.self)
    }

    public func startTask(_ ref: Int) async throws -> MhvTask {
        try await call("tasks.start", ["ref": .int(ref)], as: MhvTask.self)
    }

    /// Changes a task with the quick-add language (`friday p1 +ci`), as `mhv tu N ...`.
    public func updateTask(_ ref: Int, text: String, ifUpdatedAt: String? = nil) async throws -> MhvTask {
        var params: [String: JSONValue] = ["ref": .int(ref), "text": .string(text)]
        if let ifUpdatedAt { params["if_updated_at"] = .string(ifUpdatedAt) }
        return try await call("tasks.update", .object(params), as: MhvTask.self)
    }

    /// The open tasks due before `before` (ISO date or datetime), soonest first: the menu's "today and overdue".
    public func tasksDue(before: String) async throws -> [MhvTask] {
        let open = try await listTasks(status: "open", order: "due")
        guard let limit = ISODate.parse(before) else { return [] }
        return open.filter { task in task.dueDate.map { $0 < limit } ?? false }
    }

    /// The latest event's seq: a subscription opened and closed at once (`events.subscribe` without
    /// `since` answers the latest seq). Read before a listing, it is where the feed resumes without a gap.
    public func latestSeq() async throws -> Int? {
        let started = try await call("events.subscribe", as: SubscribeResult.self)
        _ = try? await callRaw("events.unsubscribe", ["subscription": started.subscription])
        return started.seq
    }

    public func undo() async throws -> UndoResult { try await call("tasks.undo", as: UndoResult.self) }

    /// How a quick-add line is understood (changes nothing); `now` is local time, e.g. `2026-11-24T09:00`.
    public func parse(_ text: String, now: String? = nil) async throws -> ParseResult {
        var params: [String: JSONValue] = ["text": .string(text)]
        if let now { params["now"] = .string(now) }
        return try await call("nlp.parse", .object(params), as: ParseResult.self)
    }

    public func listRepos() async throws -> [MhvRepo] { try await call("repos.list", as: [MhvRepo].self) }
}
