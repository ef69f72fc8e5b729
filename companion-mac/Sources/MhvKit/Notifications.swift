import Foundation

/// One notification the companion posts: "Due in 15 minutes", "Overdue", "Unblocked", "Gates failed".
///
/// `id` is stable per task and kind (`due-soon:<task id>`), so a change of the task replaces the
/// notification instead of adding one, and completing it removes it. `signature` is the cause (the
/// due date it warns about, the action that unblocked the task): the same cause is posted once.
public struct CompanionNotification: Codable, Sendable, Hashable, Identifiable {
    public enum Kind: String, Codable, Sendable, CaseIterable {
        case dueSoon = "due-soon"
        case overdue
        case unblocked
        case gatesFailed = "gates-failed"
    }

    public var id: String
    public var kind: Kind
    public var taskId: String
    public var taskNumber: Int
    public var title: String
    public var body: String
    /// When it is to be posted (already deferred past quiet hours).
    public var fireAt: Date
    public var signature: String

    public init(
        kind: Kind, taskId: String, taskNumber: Int, title: String, body: String, fireAt: Date, signature: String
    ) {
        self.id = "\(kind.rawValue):\(taskId)"
        self.kind = kind
        self.taskId = taskId
        self.taskNumber = taskNumber
        self.title = title
        self.body = body
        self.fireAt = fireAt
        self.signature = signature
    }
}

/// What the planner is told: how long before a due time to warn, the quiet hours (minutes after local
/// midnight; `start > end` wraps past midnight; equal means none), the hour an all-day task is
/// announced, and the time zone those are read in.
public struct NotificationSettings: Codable, Sendable, Hashable {
    public var leadMinutes: Int
    public var quietStartMinute: Int
    public var quietEndMinute: Int
    public var allDayHour: Int
    public var timeZoneIdentifier: String

    public init(
        leadMinutes: Int = 15, quietStartMinute: Int = 22 * 60, quietEndMinute: Int = 8 * 60, allDayHour: Int = 9,
        timeZoneIdentifier: String = TimeZone.current.identifier
    ) {
        self.leadMinutes = leadMinutes
        self.quietStartMinute = quietStartMinute
        self.quietEndMinute = quietEndMinute
        self.allDayHour = allDayHour
        self.timeZoneIdentifier = timeZoneIdentifier
    }

    public var timeZone: TimeZone { TimeZone(identifier: timeZoneIdentifier) ?? .current }
}

/// Works out, from tasks and events, which notifications should exist. Pure: the clock is a parameter,
/// nothing is posted here (`Notifier` does that through a `NotificationScheduler`).
public struct NotificationPlanner: Sendable {
    public var settings: NotificationSettings
    private let calendar: Calendar

    public init(settings: NotificationSettings = NotificationSettings()) {
        self.settings = settings
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = settings.timeZone
        self.calendar = calendar
    }

    /// The time-based notifications of these tasks as of `now`: for an open task with a due time, "due
    /// soon" `leadMinutes` before it and "overdue" at it; for an all-day due date, "due today" at
    /// `allDayHour` that day and "overdue" at `allDayHour` the next day. A moment already passed posts
    /// now ("overdue" only: a "due soon" whose due time has passed is replaced by "overdue").
    public func plan(tasks: [MhvTask], now: Date) -> [CompanionNotification] {
        var out = [CompanionNotification]()
        for task in tasks where task.isOpen {
            guard let dueText = task.due, let due = ISODate.parse(dueText) else { continue }
            let label = "#\(task.number) \(task.title)"
            if task.dueAllDay {
                let day = calendar.startOfDay(for: due)
                let announce = calendar.date(bySettingHour: settings.allDayHour, minute: 0, second: 0, of: day) ?? day
                let nextDay = calendar.date(byAdding: .day, value: 1, to: day) ?? day
                let late = calendar.date(bySettingHour: settings.allDayHour, minute: 0, second: 0, of: nextDay) ?? nextDay
                if now < nextDay {
                    out.append(
                        CompanionNotification(
                            kind: .dueSoon, taskId: task.id, taskNumber: task.number, title: "Due today", body: label,
                            fireAt: deferred(max(announce, now)), signature: dueText))
                }
                out.append(
                    CompanionNotification(
                        kind: .overdue, taskId: task.id, taskNumber: task.number,
                        title: "Overdue since \(dayText(day))", body: label, fireAt: deferred(max(late, now)),
                        signature: dueText))
            } else {
                if now < due {
                    let warn = due.addingTimeInterval(-Double(settings.leadMinutes) * 60)
                    let minutes = Int((due.timeIntervalSince(max(warn, now)) / 60).rounded())
                    out.append(
                        CompanionNotification(
                            kind: .dueSoon, taskId: task.id, taskNumber: task.number,
                            title: minutes >= 1 ? "Due in \(minutes) minute\(minutes == 1 ? "" : "s")" : "Due now",
                            body: "\(label) (at \(timeText(due)))", fireAt: deferred(max(warn, now)), signature: dueText))
                }
                out.append(
                    CompanionNotification(
                        kind: .overdue, taskId: task.id, taskNumber: task.number, title: "Overdue",
                        body: "\(label) (was due \(dayText(due)) \(timeText(due)))", fireAt: deferred(max(due, now)),
                        signature: dueText))
            }
        }
        return out
    }

    /// The notifications one event causes: "unblocked" when a task stops waiting on others
    /// (`task.unblocked`, or a `blocked` status left for an open one), "gates failed" when its
    /// `gate_status` becomes `failed`. The signature is the event's action (`txn`): several events of
    /// one action make one notification.
    public func notifications(for event: MhvEvent, now: Date) -> [CompanionNotification] {
        guard let after = event.taskAfter, after.isOpen else { return [] }
        let before = event.taskBefore
        let label = "#\(after.number) \(after.title)"
        let cause = event.txn.isEmpty ? "seq:\(event.seq)" : event.txn
        var out = [CompanionNotification]()
        let leftBlocked = before?.status == "blocked" && after.status != "blocked"
        if event.kind == "task.unblocked" || leftBlocked {
            out.append(
                CompanionNotification(
                    kind: .unblocked, taskId: after.id, taskNumber: after.number, title: "Unblocked",
                    body: "\(label) can start now", fireAt: deferred(now), signature: cause))
        }
        if after.gateStatus == "failed", before?.gateStatus != "failed" {
            out.append(
                CompanionNotification(
                    kind: .gatesFailed, taskId: after.id, taskNumber: after.number, title: "Gates failed",
                    body: "\(label): see `mhv gate list \(after.number)`", fireAt: deferred(now), signature: cause))
        }
        return out
    }

    /// `date`, or the end of the quiet hours it falls in.
    public func deferred(_ date: Date) -> Date {
        let start = settings.quietStartMinute
        let end = settings.quietEndMinute
        guard start != end else { return date }
        let parts = calendar.dateComponents([.hour, .minute], from: date)
        let minute = (parts.hour ?? 0) * 60 + (parts.minute ?? 0)
        let quiet = start < end ? (minute >= start && minute < end) : (minute >= start || minute < end)
        guard quiet else { return date }
        let day = calendar.startOfDay(for: date)
        let endDay = (start > end && minute >= start) ? (calendar.date(byAdding: .day, value: 1, to: day) ?? day) : day
        return calendar.date(bySettingHour: end / 60, minute: end % 60, second: 0, of: endDay) ?? date
    }

    // Padded by hand: `String(format:)` is slow on Linux, and a replan formats every due date.
    private func timeText(_ date: Date) -> String {
        let p = calendar.dateComponents([.hour, .minute], from: date)
        return "\(Self.pad(p.hour ?? 0, 2)):\(Self.pad(p.minute ?? 0, 2))"
    }

    private func dayText(_ date: Date) -> String {
        let p = calendar.dateComponents([.year, .month, .day], from: date)
        return "\(Self.pad(p.year ?? 0, 4))-\(Self.pad(p.month ?? 0, 2))-\(Self.pad(p.day ?? 0, 2))"
    }

    private static func pad(_ value: Int, _ width: Int) -> String {
        let digits = String(value)
        return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }
}

/// Where notifications go. `schedule` replaces any notification with the same id and posts it at its
/// `fireAt` (at once when that has passed); `cancel` removes pending or shown ones; `due(now:)` hands
/// back those whose time has come since the last call (for the record and for `watch`).
public protocol NotificationScheduler: Sendable {
    func schedule(_ notification: CompanionNotification) async throws
    func cancel(ids: [String]) async
    func due(now: Date) async -> [CompanionNotification]
}

/// The scheduler of Linux, `watch` and the tests: it keeps what is pending, moves it to `posted` when
/// its time comes, and logs every call.
public actor RecordingScheduler: NotificationScheduler {
    public enum Entry: Sendable, Hashable {
        case scheduled(CompanionNotification)
        case cancelled(String)
        case posted(CompanionNotification)
    }

    public private(set) var pending: [String: CompanionNotification] = [:]
    public private(set) var posted: [CompanionNotification] = []
    public private(set) var log: [Entry] = []

    public init() {}

    public func schedule(_ notification: CompanionNotification) {
        pending[notification.id] = notification
        log.append(.scheduled(notification))
    }

    public func cancel(ids: [String]) {
        for id in ids where pending.removeValue(forKey: id) != nil { log.append(.cancelled(id)) }
    }

    public func due(now: Date) -> [CompanionNotification] {
        let ready = pending.values.filter { $0.fireAt <= now }.sorted { ($0.fireAt, $0.id) < ($1.fireAt, $1.id) }
        for n in ready {
            pending[n.id] = nil
            posted.append(n)
            log.append(.posted(n))
        }
        return ready
    }
}

/// What a `Notifier` step changed, in order: a notification planned for later, one posted now, one
/// withdrawn (its task finished, moved or went away).
public enum NotificationChange: Sendable, Hashable {
    case planned(CompanionNotification)
    case posted(CompanionNotification)
    case removed(id: String)
}

/// Keeps the scheduler in step with the tasks: schedules what the planner wants, reschedules what
/// changed, cancels what is no longer wanted, and remembers (in the offline cache's ledger of posts,
/// so across restarts too) which cause each notification was posted for, so one cause is posted once.
public actor Notifier {
    public let planner: NotificationPlanner
    public let scheduler: NotificationScheduler
    private let cache: OfflineCache?
    private let clock: NowProvider
    private var scheduled: [String: CompanionNotification] = [:]
    private var posted: [String: String]
    private var eventBased: Set<String> = []

    public init(
        planner: NotificationPlanner = NotificationPlanner(), scheduler: NotificationScheduler,
        cache: OfflineCache? = nil, clock: NowProvider = SystemNow()
    ) {
        self.planner = planner
        self.scheduler = scheduler
        self.cache = cache
        self.clock = clock
        self.posted = (try? cache?.loadPosted()) ?? [:]
    }

    /// Replans the time-based notifications for `tasks` (all of them: a task missing from the list is
    /// treated as gone), then posts what is due.
    public func sync(tasks: [MhvTask]) async throws -> [NotificationChange] {
        try await replan(tasks, only: nil)
    }

    /// Replans the time-based notifications of `tasks` only (an event changed them; the others stand):
    /// what `sync(tasks:)` does for them, without planning every task again.
    public func sync(changed tasks: [MhvTask]) async throws -> [NotificationChange] {
        try await replan(tasks, only: Set(tasks.map(\.id)))
    }

    /// Plans `tasks`, withdraws what is no longer wanted and posts what is due. `only`: the ids of the
    /// tasks whose notifications may change (nil: every task, `tasks` being all the open ones).
    private func replan(_ tasks: [MhvTask], only: Set<String>?) async throws -> [NotificationChange] {
        let now = clock.now()
        let wanted = planner.plan(tasks: tasks, now: now)
        var changes = [NotificationChange]()
        let wantedIds = Set(wanted.map(\.id))
        let stale = scheduled.values
            .filter { (only?.contains($0.taskId) ?? true) && !wantedIds.contains($0.id) && !eventBased.contains($0.id) }
            .map(\.id).sorted()
        if !stale.isEmpty {
            await scheduler.cancel(ids: stale)
            for id in stale {
                scheduled[id] = nil
                changes.append(.removed(id: id))
            }
        }
        // A time-based cause no longer planned (the task was finished or its date moved) is forgotten,
        // so the ledger does not grow; event-based entries stay until their task closes.
        let open = Set(tasks.filter(\.isOpen).map(\.id))
        for id in posted.keys where !wantedIds.contains(id) {
            let taskId = id.split(separator: ":", maxSplits: 1).last.map(String.init) ?? ""
            if let only, !only.contains(taskId) { continue }
            let isTimeBased = id.hasPrefix("due-soon:") || id.hasPrefix("overdue:")
            if isTimeBased || !open.contains(taskId) { posted[id] = nil }
        }
        for n in wanted { changes += try await offer(n, now: now) }
        changes += try await tick()
        return changes
    }

    /// Applies one event: the notifications it causes, and the withdrawal of those of a task that
    /// closed. (Time-based ones follow on the next `sync`.)
    public func handle(_ event: MhvEvent) async throws -> [NotificationChange] {
        let now = clock.now()
        var changes = [NotificationChange]()
        if let after = event.taskAfter, !after.isOpen {
            let ids = scheduled.values.filter { $0.taskId == after.id }.map(\.id).sorted()
            if !ids.isEmpty {
                await scheduler.cancel(ids: ids)
                for id in ids {
                    scheduled[id] = nil
                    changes.append(.removed(id: id))
                }
            }
        }
        for n in planner.notifications(for: event, now: now) {
            eventBased.insert(n.id)
            changes += try await offer(n, now: now)
        }
        changes += try await tick()
        return changes
    }

    /// Posts what has come due since the last call.
    public func tick() async throws -> [NotificationChange] {
        let ready = await scheduler.due(now: clock.now())
        guard !ready.isEmpty else { return [] }
        for n in ready {
            scheduled[n.id] = nil
            eventBased.remove(n.id)
            posted[n.id] = n.signature
        }
        try persist()
        return ready.map { .posted($0) }
    }

    /// The notifications waiting for their time, soonest first.
    public func pending() -> [CompanionNotification] {
        scheduled.values.sorted { ($0.fireAt, $0.id) < ($1.fireAt, $1.id) }
    }

    private func offer(_ n: CompanionNotification, now: Date) async throws -> [NotificationChange] {
        if posted[n.id] == n.signature { return [] }  // this cause was posted already
        if let current = scheduled[n.id], current == n { return [] }
        try await scheduler.schedule(n)
        scheduled[n.id] = n
        return n.fireAt > now ? [.planned(n)] : []
    }

    private func persist() throws {
        guard let cache else { return }
        try cache.savePosted(posted)
    }
}
