import Foundation

/// A task exactly as `mhv show N --json` prints it (and as the server's `tasks.*` methods return it).
/// Timestamps stay the strings mhv wrote (so a cached task round-trips byte for byte); the `...Date`
/// properties parse them. `depends_on`/`blocks` are absent from event snapshots: they default to `[]`.
public struct MhvTask: Codable, Sendable, Hashable, Identifiable {
    public var id: String
    public var number: Int
    public var title: String
    public var description: String
    public var status: String
    public var priority: String
    public var repo: String?
    public var tags: [String]
    public var due: String?
    public var dueAllDay: Bool
    public var scheduled: String?
    public var estimateMinutes: Int?
    public var recurrence: String?
    public var parentId: String?
    public var assignee: String?
    public var source: String
    public var sourceRef: String?
    public var sourceUrl: String?
    public var worktreePath: String?
    public var branch: String?
    public var gateStatus: String
    public var createdAt: String
    public var updatedAt: String
    public var startedAt: String?
    public var completedAt: String?
    public var metadata: JSONValue
    public var dependsOn: [Int]
    public var blocks: [Int]

    enum CodingKeys: String, CodingKey {
        case id, number, title, description, status, priority, repo, tags, due
        case dueAllDay = "due_all_day"
        case scheduled
        case estimateMinutes = "estimate_minutes"
        case recurrence
        case parentId = "parent_id"
        case assignee, source
        case sourceRef = "source_ref"
        case sourceUrl = "source_url"
        case worktreePath = "worktree_path"
        case branch
        case gateStatus = "gate_status"
        case createdAt = "created_at"
        case updatedAt = "updated_at"
        case startedAt = "started_at"
        case completedAt = "completed_at"
        case metadata
        case dependsOn = "depends_on"
        case blocks
    }

    public init(
        id: String, number: Int, title: String, description: String = "", status: String = "pending",
        priority: String = "medium", repo: String? = nil, tags: [String] = [], due: String? = nil,
        dueAllDay: Bool = false, scheduled: String? = nil, estimateMinutes: Int? = nil, recurrence: String? = nil,
        parentId: String? = nil, assignee: String? = nil, source: String = "manual", sourceRef: String? = nil,
        sourceUrl: String? = nil, worktreePath: String? = nil, branch: String? = nil, gateStatus: String = "unknown",
        createdAt: String, updatedAt: String, startedAt: String? = nil, completedAt: String? = nil,
        metadata: JSONValue = [:], dependsOn: [Int] = [], blocks: [Int] = []
    ) {
        self.id = id
        self.number = number
        self.title = title
        self.description = description
        self.status = status
        self.priority = priority
        self.repo = repo
        self.tags = tags
        self.due = due
        self.dueAllDay = dueAllDay
        self.scheduled = scheduled
        self.estimateMinutes = estimateMinutes
        self.recurrence = recurrence
        self.parentId = parentId
        self.assignee = assignee
        self.source = source
        self.sourceRef = sourceRef
        self.sourceUrl = sourceUrl
        self.worktreePath = worktreePath
        self.branch = branch
        self.gateStatus = gateStatus
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.startedAt = startedAt
        self.completedAt = completedAt
        self.metadata = metadata
        self.dependsOn = dependsOn
        self.blocks = blocks
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decode(String.self, forKey: .id)
        number = try c.decode(Int.self, forKey: .number)
        title = try c.decode(String.self, forKey: .title)
        description = try c.decodeIfPresent(String.self, forKey: .description) ?? ""
        status = try c.decode(String.self, forKey: .status)
        priority = try c.decodeIfPresent(String.self, forKey: .priority) ?? "medium"
        repo = try c.decodeIfPresent(String.self, forKey: .repo)
        tags = try c.decodeIfPresent([String].self, forKey: .tags) ?? []
        due = try c.decodeIfPresent(String.self, forKey: .due)
        dueAllDay = try c.decodeIfPresent(Bool.self, forKey: .dueAllDay) ?? false
        scheduled = try c.decodeIfPresent(String.self, forKey: .scheduled)
        estimateMinutes = try c.decodeIfPresent(Int.self, forKey: .estimateMinutes)
        recurrence = try c.decodeIfPresent(String.self, forKey: .recurrence)
        parentId = try c.decodeIfPresent(String.self, forKey: .parentId)
        assignee = try c.decodeIfPresent(String.self, forKey: .assignee)
        source = try c.decodeIfPresent(String.self, forKey: .source) ?? "manual"
        sourceRef = try c.decodeIfPresent(String.self, forKey: .sourceRef)
        sourceUrl = try c.decodeIfPresent(String.self, forKey: .sourceUrl)
        worktreePath = try c.decodeIfPresent(String.self, forKey: .worktreePath)
        branch = try c.decodeIfPresent(String.self, forKey: .branch)
        gateStatus = try c.decodeIfPresent(String.self, forKey: .gateStatus) ?? "unknown"
        createdAt = try c.decode(String.self, forKey: .createdAt)
        updatedAt = try c.decode(String.self, forKey: .updatedAt)
        startedAt = try c.decodeIfPresent(String.self, forKey: .startedAt)
        completedAt = try c.decodeIfPresent(String.self, forKey: .completedAt)
        metadata = try c.decodeIfPresent(JSONValue.self, forKey: .metadata) ?? [:]
        dependsOn = try c.decodeIfPresent([Int].self, forKey: .dependsOn) ?? []
        blocks = try c.decodeIfPresent([Int].self, forKey: .blocks) ?? []
    }

    /// Not finished: `pending`, `in_progress` or `blocked`.
    public var isOpen: Bool { !["completed", "cancelled", "deleted"].contains(status) }
    public var dueDate: Date? { due.flatMap(ISODate.parse) }
    public var updatedDate: Date? { ISODate.parse(updatedAt) }
}

/// One entry of the event log (DESIGN section 4), as `event` notifications carry it.
public struct MhvEvent: Codable, Sendable, Hashable {
    public var seq: Int
    public var kind: String
    public var taskId: String?
    public var txn: String
    public var at: String
    public var actor: String
    public var before: JSONValue?
    public var after: JSONValue?

    enum CodingKeys: String, CodingKey {
        case seq, kind
        case taskId = "task_id"
        case txn, at, actor, before, after
    }

    public init(
        seq: Int, kind: String, taskId: String?, txn: String = "", at: String, actor: String = "",
        before: JSONValue? = nil, after: JSONValue? = nil
    ) {
        self.seq = seq
        self.kind = kind
        self.taskId = taskId
        self.txn = txn
        self.at = at
        self.actor = actor
        self.before = before
        self.after = after
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        seq = try c.decode(Int.self, forKey: .seq)
        kind = try c.decode(String.self, forKey: .kind)
        taskId = try c.decodeIfPresent(String.self, forKey: .taskId)
        txn = try c.decodeIfPresent(String.self, forKey: .txn) ?? ""
        at = try c.decode(String.self, forKey: .at)
        actor = try c.decodeIfPresent(String.self, forKey: .actor) ?? ""
        before = try c.decodeIfPresent(JSONValue.self, forKey: .before)
        after = try c.decodeIfPresent(JSONValue.self, forKey: .after)
    }

    /// The task after this change, when the event is a `task.*` one carrying a snapshot.
    public var taskAfter: MhvTask? { kind.hasPrefix("task.") ? after.flatMap { try? $0.decode(MhvTask.self) } : nil }
    public var taskBefore: MhvTask? { kind.hasPrefix("task.") ? before.flatMap { try? $0.decode(MhvTask.self) } : nil }
}

/// One recognised piece of a quick-add line (`mhv parse --json`'s `entities`).
public struct ParseEntity: Codable, Sendable, Hashable {
    public var kind: String
    public var text: String
    public var start: Int
    public var end: Int
    public var value: JSONValue?
    public var confidence: Double
}

/// How a quick-add line is understood: exactly `mhv parse --json` (fields absent when not found).
public struct ParseResult: Codable, Sendable, Hashable {
    public var intent: String
    public var confidence: Double
    public var title: String?
    public var dueDate: String?
    public var dueTime: String?
    public var scheduledDate: String?
    public var priority: String?
    public var tags: [String]?
    public var repo: String?
    public var estimateMinutes: Int?
    public var recurrence: String?
    public var dependsOn: [Int]?
    public var blocks: [Int]?
    public var target: Int?
    public var entities: [ParseEntity]

    enum CodingKeys: String, CodingKey {
        case intent, confidence, title
        case dueDate = "due_date"
        case dueTime = "due_time"
        case scheduledDate = "scheduled_date"
        case priority, tags, repo
        case estimateMinutes = "estimate_minutes"
        case recurrence
        case dependsOn = "depends_on"
        case blocks, target, entities
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        intent = try c.decode(String.self, forKey: .intent)
        confidence = try c.decode(Double.self, forKey: .confidence)
        title = try c.decodeIfPresent(String.self, forKey: .title)
        dueDate = try c.decodeIfPresent(String.self, forKey: .dueDate)
        dueTime = try c.decodeIfPresent(String.self, forKey: .dueTime)
        scheduledDate = try c.decodeIfPresent(String.self, forKey: .scheduledDate)
        priority = try c.decodeIfPresent(String.self, forKey: .priority)
        tags = try c.decodeIfPresent([String].self, forKey: .tags)
        repo = try c.decodeIfPresent(String.self, forKey: .repo)
        estimateMinutes = try c.decodeIfPresent(Int.self, forKey: .estimateMinutes)
        recurrence = try c.decodeIfPresent(String.self, forKey: .recurrence)
        dependsOn = try c.decodeIfPresent([Int].self, forKey: .dependsOn)
        blocks = try c.decodeIfPresent([Int].self, forKey: .blocks)
        target = try c.decodeIfPresent(Int.self, forKey: .target)
        entities = try c.decodeIfPresent([ParseEntity].self, forKey: .entities) ?? []
    }
}

/// A registered repository as `repos.list` returns it.
public struct MhvRepo: Codable, Sendable, Hashable {
    public var name: String
    public var path: String?
    public var remote: String?
    public var defaultBranch: String?

    enum CodingKeys: String, CodingKey {
        case name, path, remote
        case defaultBranch = "default_branch"
    }
}

/// `events.subscribe`'s result: the subscription's id and the last seq the server had when it began.
public struct SubscribeResult: Codable, Sendable, Hashable {
    public var subscription: JSONValue
    public var seq: Int?
}

/// `server.hello`'s answer.
public struct ServerHello: Codable, Sendable, Hashable {
    public var server: String?
    public var version: String?
    public var `protocol`: Int?
    public var actor: String?
}

/// `server.version`'s answer.
public struct ServerVersion: Codable, Sendable, Hashable {
    public var version: String
    public var `protocol`: Int?
    public var schema: String?
    public var database: String?
}

/// `tasks.undo` / `tasks.redo`'s answer.
public struct UndoResult: Codable, Sendable, Hashable {
    public var undone: String?
    public var redone: String?
    public var txn: String?
    public var tasks: [MhvTask]
}

public enum MhvKitInfo {
    public static let version = "0.1.0"
    /// The JSON-RPC protocol version this companion speaks (`server.version`'s `protocol`).
    public static let protocolVersion = 1
}
