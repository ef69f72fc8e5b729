import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// A write the user made while the server was away, replayed in order when it comes back.
public struct QueuedWrite: Codable, Sendable, Hashable, Identifiable {
    public enum Action: Codable, Sendable, Hashable {
        case create(text: String)
        case complete(number: Int)
        case update(number: Int, text: String)
    }

    public var id: String
    public var action: Action
    /// The task's `updated_at` as the user last saw it: replay refuses the write if it changed since.
    public var baseUpdatedAt: String?
    public var queuedAt: String

    public init(id: String = UUID().uuidString, action: Action, baseUpdatedAt: String?, queuedAt: String) {
        self.id = id
        self.action = action
        self.baseUpdatedAt = baseUpdatedAt
        self.queuedAt = queuedAt
    }

    public var taskNumber: Int? {
        switch action {
        case .create: return nil
        case .complete(let number), .update(let number, _): return number
        }
    }

    public var summary: String {
        switch action {
        case .create(let text): return "add \"\(text)\""
        case .complete(let number): return "done #\(number)"
        case .update(let number, let text): return "update #\(number) \"\(text)\""
        }
    }
}

/// A queued write that replay did not apply: the task changed (or went) meanwhile, or the server refused it.
public struct WriteConflict: Codable, Sendable, Hashable {
    public var write: QueuedWrite
    public var reason: String
    /// The task as the server has it now (when it still exists).
    public var serverTask: MhvTask?
    public var mhvCode: String?
    public var detectedAt: String

    public init(write: QueuedWrite, reason: String, serverTask: MhvTask?, mhvCode: String?, detectedAt: String) {
        self.write = write
        self.reason = reason
        self.serverTask = serverTask
        self.mhvCode = mhvCode
        self.detectedAt = detectedAt
    }
}

/// What the companion remembers between runs: the last known tasks, the last event seq it applied,
/// the offline queue, the conflicts not yet seen by the user, and the notifications already posted.
public struct CacheSnapshot: Codable, Sendable, Hashable {
    public static let currentVersion = 1

    public var version: Int = CacheSnapshot.currentVersion
    public var tasks: [MhvTask] = []
    public var lastSeq: Int?
    /// When `tasks` last came from the server (ISO 8601).
    public var refreshedAt: String?
    public var queue: [QueuedWrite] = []
    public var conflicts: [WriteConflict] = []
    /// Notification id -> the signature it was posted with, as a cache written before `posted.json`
    /// kept it: read by `OfflineCache.loadPosted()` only when that file is absent.
    public var posted: [String: String] = [:]

    public init() {}

    public func task(number: Int) -> MhvTask? { tasks.first { $0.number == number } }
    public func task(id: String) -> MhvTask? { tasks.first { $0.id == id } }

    /// Replaces the task list with a fresh one from the server.
    public mutating func refresh(tasks fresh: [MhvTask], at date: Date) {
        tasks = fresh.sorted { $0.number < $1.number }
        refreshedAt = ISODate.format(date)
    }

    /// Inserts or replaces one task (keeping its dependency numbers when `task` carries none, as event
    /// snapshots don't).
    public mutating func upsert(_ task: MhvTask, keepDependencies: Bool = false) {
        var task = task
        if let index = tasks.firstIndex(where: { $0.id == task.id }) {
            if keepDependencies {
                task.dependsOn = tasks[index].dependsOn
                task.blocks = tasks[index].blocks
            }
            tasks[index] = task
        } else {
            tasks.append(task)
            tasks.sort { $0.number < $1.number }
        }
    }

    /// Applies one event of the log, in seq order (an event at or below `lastSeq` is ignored: replaying
    /// a backlog twice changes nothing).
    public mutating func apply(_ event: MhvEvent) {
        if let lastSeq, event.seq <= lastSeq { return }
        lastSeq = event.seq
        switch event.kind {
        case "task.deleted":
            if let id = event.taskId { tasks.removeAll { $0.id == id } }
        case "dependency.added", "dependency.removed":
            let added = event.kind == "dependency.added"
            guard let link = added ? event.after : event.before,
                link["kind"]?.stringValue ?? "blocks" == "blocks",
                let waiting = link["task_id"]?.stringValue, let blocker = link["depends_on_id"]?.stringValue,
                let waitingIndex = tasks.firstIndex(where: { $0.id == waiting }),
                let blockerIndex = tasks.firstIndex(where: { $0.id == blocker })
            else { return }
            let waitingNumber = tasks[waitingIndex].number
            let blockerNumber = tasks[blockerIndex].number
            if added {
                if !tasks[waitingIndex].dependsOn.contains(blockerNumber) {
                    tasks[waitingIndex].dependsOn.append(blockerNumber)
                    tasks[waitingIndex].dependsOn.sort()
                }
                if !tasks[blockerIndex].blocks.contains(waitingNumber) {
                    tasks[blockerIndex].blocks.append(waitingNumber)
                    tasks[blockerIndex].blocks.sort()
                }
            } else {
                tasks[waitingIndex].dependsOn.removeAll { $0 == blockerNumber }
                tasks[blockerIndex].blocks.removeAll { $0 == waitingNumber }
            }
        default:
            if let task = event.taskAfter { upsert(task, keepDependencies: true) }
        }
    }
}

/// The snapshot on disk: `<companion folder>/cache.json`, written atomically (a crash leaves the old
/// file or the new one, never half of one), changed under an exclusive `flock` so the command line and
/// a running `watch` don't lose each other's updates. A file that doesn't decode is kept aside
/// (`cache.json.unreadable`), never overwritten silently.
public final class OfflineCache: @unchecked Sendable {
    public let directory: URL
    public var fileURL: URL { directory.appendingPathComponent("cache.json") }
    private let lock = NSLock()
    /// The snapshot last read or written by this process and the file it came from: read again only
    /// when the file changed (another process wrote it), not on every load.
    private var memo: (stamp: FileStamp, snapshot: CacheSnapshot)?

    /// What tells one version of the file from another: every write replaces it with a new file
    /// (a new inode), and an edit in place changes its size or times.
    private struct FileStamp: Equatable {
        var device: UInt64
        var inode: UInt64
        var size: Int64
        var modified: Int64
        var changed: Int64
    }

    public init(directory: URL) {
        self.directory = directory
    }

    public func load() throws -> CacheSnapshot {
        lock.lock()
        defer { lock.unlock() }
        return try withFileLock { try read() }
    }

    public func save(_ snapshot: CacheSnapshot) throws {
        lock.lock()
        defer { lock.unlock() }
        try withFileLock { try write(snapshot) }
    }

    /// Load, change, save, as one step.
    @discardableResult
    public func update<T>(_ change: (inout CacheSnapshot) throws -> T) throws -> T {
        lock.lock()
        defer { lock.unlock() }
        return try withFileLock {
            let before = try read()
            var snapshot = before
            let result = try change(&snapshot)
            if snapshot != before { try write(snapshot) }  // nothing changed: nothing to write
            return result
        }
    }

    // MARK: the ledger of posts

    /// `posted.json`: notification id -> the signature it was posted with (so one cause is posted
    /// once, across restarts too). Its own small file, under its own lock: `watch` writes it before
    /// printing each post, and rewriting the 5 MB task cache for that put 40 ms in front of every line.
    public var ledgerURL: URL { directory.appendingPathComponent("posted.json") }
    private let ledgerLock = NSLock()

    public func loadPosted() throws -> [String: String] {
        ledgerLock.lock()
        defer { ledgerLock.unlock() }
        let found = try withFileLock(named: "posted.lock") { () -> [String: String]? in
            guard let data = try? Data(contentsOf: ledgerURL) else { return nil }
            return try? JSONDecoder().decode([String: String].self, from: data)
        }
        return try found ?? load().posted  // none yet: what a cache written before kept
    }

    public func savePosted(_ ledger: [String: String]) throws {
        ledgerLock.lock()
        defer { ledgerLock.unlock() }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        try withFileLock(named: "posted.lock") {
            do {
                try encoder.encode(ledger).write(to: ledgerURL, options: .atomic)
            } catch {
                throw MhvKitError.local("cannot write \(ledgerURL.path): \(error.localizedDescription)")
            }
        }
    }

    private func stamp() -> FileStamp? {
        var info = stat()
        guard stat(fileURL.path, &info) == 0 else { return nil }
        #if canImport(Darwin)
            let modified = Int64(info.st_mtimespec.tv_sec) * 1_000_000_000 + Int64(info.st_mtimespec.tv_nsec)
            let changed = Int64(info.st_ctimespec.tv_sec) * 1_000_000_000 + Int64(info.st_ctimespec.tv_nsec)
        #else
            let modified = Int64(info.st_mtim.tv_sec) * 1_000_000_000 + Int64(info.st_mtim.tv_nsec)
            let changed = Int64(info.st_ctim.tv_sec) * 1_000_000_000 + Int64(info.st_ctim.tv_nsec)
        #endif
        return FileStamp(
            device: UInt64(info.st_dev), inode: UInt64(info.st_ino), size: Int64(info.st_size), modified: modified,
            changed: changed)
    }

    private func read() throws -> CacheSnapshot {
        let before = stamp()
        if let before, let memo, memo.stamp == before { return memo.snapshot }
        memo = nil
        guard let data = try? Data(contentsOf: fileURL) else { return CacheSnapshot() }
        do {
            let snapshot = try FastJSON.decodeSnapshot(data)
            guard snapshot.version <= CacheSnapshot.currentVersion else {
                throw MhvKitError.local(
                    "\(fileURL.path) was written by a newer companion (version \(snapshot.version)); update mhv-companion")
            }
            // Kept only when the file did not change while it was read (it cannot under the lock,
            // unless a writer that does not take it replaced it).
            if let before, stamp() == before { memo = (before, snapshot) }
            return snapshot
        } catch let error as MhvKitError {
            throw error
        } catch {
            let aside = fileURL.appendingPathExtension("unreadable")
            try? FileManager.default.removeItem(at: aside)
            try? FileManager.default.moveItem(at: fileURL, to: aside)
            return CacheSnapshot()
        }
    }

    private func write(_ snapshot: CacheSnapshot) throws {
        memo = nil
        do {
            try FastJSON.encodeSnapshot(snapshot).write(to: fileURL, options: .atomic)
            if let written = stamp() { memo = (written, snapshot) }
        } catch {
            throw MhvKitError.local("cannot write the companion cache \(fileURL.path): \(error.localizedDescription)")
        }
    }

    private func withFileLock<T>(named name: String = "cache.lock", _ body: () throws -> T) throws -> T {
        do {
            try FileManager.default.createDirectory(
                at: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw MhvKitError.local("cannot create the companion folder \(directory.path): \(error.localizedDescription)")
        }
        let lockPath = directory.appendingPathComponent(name).path
        let fd = open(lockPath, O_CREAT | O_RDWR, 0o600)
        guard fd >= 0 else { return try body() }
        defer { close(fd) }
        flock(fd, LOCK_EX)
        defer { flock(fd, LOCK_UN) }
        return try body()
    }
}

/// Events applied to the offline cache behind the feed: `add` is instant, and the cache is written
/// (one update for every event waiting, on a queue of its own) once the feed has been quiet for
/// `quiet` seconds, or `maxDelay` seconds after the oldest waiting event when it never is. Writing the
/// 5 MB cache of 10,000 tasks for each event held up the next event by 40 ms. Nothing is lost: a
/// restart before a write resumes the feed from the last seq written and applies the events again,
/// which changes nothing twice (`apply` skips what it has seen), and posts are recorded in their own
/// ledger before they are shown, so none is posted twice.
public final class CacheWriteBehind: @unchecked Sendable {
    public let cache: OfflineCache
    public let quiet: Double
    public let maxDelay: Double
    private let lock = NSLock()
    private var pending: [MhvEvent] = []
    private var oldest: Date?
    private var generation = 0
    private let queue = DispatchQueue(label: "mhv-cache-writer")
    /// What the last write threw (nil after one that worked).
    public private(set) var lastError: Error?

    public init(cache: OfflineCache, quiet: Double = 0.2, maxDelay: Double = 5) {
        self.cache = cache
        self.quiet = quiet
        self.maxDelay = maxDelay
    }

    public var waiting: Int { lock.withLock { pending.count } }

    public func add(_ event: MhvEvent) {
        let (mine, overdue) = lock.withLock { () -> (Int, Bool) in
            pending.append(event)
            let now = Date()
            if oldest == nil { oldest = now }
            generation += 1
            return (generation, now.timeIntervalSince(oldest!) >= maxDelay)
        }
        if overdue {
            queue.async { self.write() }
        } else {
            queue.asyncAfter(deadline: .now() + quiet) {
                if self.lock.withLock({ self.generation == mine }) { self.write() }
            }
        }
    }

    /// Writes what waits now, and returns when it is written (and every write queued before it).
    public func flush() throws {
        queue.sync { write() }
        if let lastError { throw lastError }
    }

    private func write() {
        let batch = lock.withLock { () -> [MhvEvent] in
            let batch = pending
            pending = []
            oldest = nil
            return batch
        }
        guard !batch.isEmpty else { return }
        do {
            try cache.update { snapshot in
                for event in batch { snapshot.apply(event) }
            }
            lastError = nil
        } catch {
            lastError = error
        }
    }
}
