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

    /// Creates a task from a quick-add line (`yes`: act even when the parse is unsure).
    public func createTask(text: String, yes: Bool = false) async throws -> MhvTask {
        try await call("tasks.create", ["text": .string(text), "yes": .bool(yes)], as: MhvTask.self)
    }

    public func completeTask(_ ref: Int) async throws -> MhvTask {
        try await call("tasks.complete", ["ref": .int(ref)], as: MhvTask.self)
    }

    public func startTask(_ ref: Int) async throws -> MhvTask {
        try await call("tasks.start", ["ref": .int(ref)], as: MhvTask.self)
    }

    /// Changes a task with the quick-add language (`friday p1 +ci`), as `mhv tu N ...`.
    public func updateTask(_ ref: Int, text: String) async throws -> MhvTask {
        try await call("tasks.update", ["ref": .int(ref), "text": .string(text)], as: MhvTask.self)
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
