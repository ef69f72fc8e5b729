import Foundation

/// The menu's task sections as of one moment: what is overdue, what is due today, and what comes in
/// the next days. Platform independent and pure, so it is tested on Linux; the SwiftUI app only draws it.
public struct MenuSections: Sendable, Equatable {
    public var overdue: [MhvTask] = []
    public var today: [MhvTask] = []
    /// Due after today and within `upcomingDays`.
    public var upcoming: [MhvTask] = []
    /// Open tasks with no due date or due later: counted, not listed.
    public var otherOpen: Int = 0

    public init() {}

    /// Open tasks only; a timed task is overdue from its due time, an all-day one from the next day.
    /// Each section is ordered by due date, then priority, then number.
    public static func make(tasks: [MhvTask], now: Date, timeZone: TimeZone, upcomingDays: Int = 7) -> MenuSections {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let startOfToday = calendar.startOfDay(for: now)
        let tomorrow = calendar.date(byAdding: .day, value: 1, to: startOfToday) ?? now
        let horizon = calendar.date(byAdding: .day, value: upcomingDays + 1, to: startOfToday) ?? now
        var out = MenuSections()
        for task in tasks where task.isOpen {
            guard let due = task.dueDate else {
                out.otherOpen += 1
                continue
            }
            // An all-day date is a day in the user's zone: the server writes it as that day's midnight.
            let late = task.dueAllDay ? calendar.startOfDay(for: due) < startOfToday : due < now
            if late {
                out.overdue.append(task)
            } else if due < tomorrow {
                out.today.append(task)
            } else if due < horizon {
                out.upcoming.append(task)
            } else {
                out.otherOpen += 1
            }
        }
        let rank = ["critical": 0, "high": 1, "medium": 2, "low": 3]
        func ordered(_ a: MhvTask, _ b: MhvTask) -> Bool {
            let (da, db) = (a.dueDate ?? .distantFuture, b.dueDate ?? .distantFuture)
            if da != db { return da < db }
            let (pa, pb) = (rank[a.priority] ?? 9, rank[b.priority] ?? 9)
            if pa != pb { return pa < pb }
            return a.number < b.number
        }
        out.overdue.sort(by: ordered)
        out.today.sort(by: ordered)
        out.upcoming.sort(by: ordered)
        return out
    }

    public var isEmpty: Bool { overdue.isEmpty && today.isEmpty && upcoming.isEmpty }
}

/// The quick-add line's live preview: what the parser understood, as the chips the menu shows under
/// the field, and a warning when the line would not create a task as typed.
public struct QuickAddPreview: Sendable, Equatable {
    public var text: String
    public var title: String
    public var chips: [String]
    /// Why Add would not create this as typed (another intent, an unsure parse, a server error).
    public var warning: String?
    /// Add is allowed (a create with a title).
    public var canAdd: Bool

    public init(text: String, result: ParseResult) {
        self.text = text
        title = result.title ?? ""
        var chips = [String]()
        if let date = result.dueDate {
            chips.append("due \(date)\(result.dueTime.map { " \($0)" } ?? "")")
        } else if let time = result.dueTime {
            chips.append("due today \(time)")
        }
        if let scheduled = result.scheduledDate { chips.append("scheduled \(scheduled)") }
        if let priority = result.priority, priority != "medium" { chips.append("priority \(priority)") }
        if let repo = result.repo { chips.append("@\(repo)") }
        for tag in result.tags ?? [] { chips.append("#\(tag)") }
        if let minutes = result.estimateMinutes {
            chips.append(minutes % 60 == 0 ? "~\(minutes / 60)h" : minutes > 60 ? "~\(minutes / 60)h\(minutes % 60)m" : "~\(minutes)m")
        }
        if let rule = result.recurrence { chips.append("repeats \(rule)") }
        for number in result.dependsOn ?? [] { chips.append("after #\(number)") }
        for number in result.blocks ?? [] { chips.append("before #\(number)") }
        self.chips = chips
        if result.intent != "create" {
            warning = "reads as “\(result.intent)”, not a new task: Add would not create it"
            canAdd = false
        } else if title.isEmpty {
            warning = "no title left once the dates and tags are read"
            canAdd = false
        } else if result.confidence < 0.6 {
            warning = "the parser is unsure (\(Int((result.confidence * 100).rounded())) %): check the chips"
            canAdd = true
        } else {
            warning = nil
            canAdd = true
        }
    }

    public init(text: String, failure: String) {
        self.text = text
        title = ""
        chips = []
        warning = failure
        canAdd = false
    }
}

/// The menu-bar app's state and actions, independent of SwiftUI: sections of today's and overdue
/// tasks, the quick add's live preview through `nlp.parse`, complete, and the notifications as the
/// server's events arrive. The app wraps it in an `ObservableObject` that redraws on `onChange`; the
/// tests drive it against a real server.
@MainActor
public final class MenuModel {
    public private(set) var tasks: [MhvTask] = []
    public private(set) var sections = MenuSections()
    public private(set) var live = false
    /// One line for the menu's footer: "live", or why the tasks are the cached ones.
    public private(set) var status = "not loaded yet"
    public private(set) var queued = 0
    public private(set) var conflicts: [WriteConflict] = []
    public private(set) var preview: QuickAddPreview?
    /// The notifications posted while the app runs, newest first (the menu lists the last few).
    public private(set) var recent: [CompanionNotification] = []
    /// The last action's error, shown until the next action.
    public private(set) var lastError: String?
    public var onChange: (@MainActor () -> Void)?

    public let companion: Companion
    public let notifier: Notifier
    private let clock: NowProvider
    private let timeZone: TimeZone
    private var previewGeneration = 0
    private var lastSeq: Int?

    public init(companion: Companion, notifier: Notifier, clock: NowProvider = SystemNow(), timeZone: TimeZone = .current) {
        self.companion = companion
        self.notifier = notifier
        self.clock = clock
        self.timeZone = timeZone
    }

    private func changed() {
        sections = MenuSections.make(tasks: tasks, now: clock.now(), timeZone: timeZone)
        onChange?()
    }

    /// Loads the open tasks (from the server, or the cache while it is away), replays queued writes,
    /// and plans the time-based notifications.
    public func refresh() async {
        do {
            let listing = try await companion.listTasks()
            tasks = listing.tasks
            live = listing.live
            queued = listing.queued.count
            status = listing.live ? "live" : "offline: \(listing.offlineReason?.description ?? "no server") (cached \(listing.refreshedAt ?? "never"))"
            conflicts = (try? companion.cache.load().conflicts) ?? []
            lastSeq = (try? companion.cache.load().lastSeq) ?? lastSeq
            note(try await notifier.sync(tasks: tasks))
        } catch {
            lastError = "\(error)"
        }
        changed()
    }

    /// The preview of a quick-add line. Typing fast sends several; only the newest one's answer is kept.
    public func previewQuickAdd(_ text: String) async {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        previewGeneration += 1
        let generation = previewGeneration
        guard !trimmed.isEmpty else {
            preview = nil
            return changed()
        }
        let result: QuickAddPreview
        do {
            let client = try await companion.connectedClient()
            let parsed = try await client.parse(trimmed, now: ISODate.format(clock.now()))
            result = QuickAddPreview(text: trimmed, result: parsed)
        } catch let error as MhvKitError {
            result = QuickAddPreview(text: trimmed, failure: "no preview: \(error.description)")
        } catch {
            result = QuickAddPreview(text: trimmed, failure: "no preview: \(error)")
        }
        guard generation == previewGeneration else { return }
        preview = result
        changed()
    }

    /// Adds the line as a task (queued when the server is away). True when it was applied or queued.
    @discardableResult
    public func add(_ text: String) async -> Bool {
        await perform { try await self.companion.add(text) }
    }

    /// Completes task `number` (queued when the server is away).
    @discardableResult
    public func complete(_ number: Int) async -> Bool {
        await perform { try await self.companion.complete(number) }
    }

    private func perform(_ action: @escaping () async throws -> WriteOutcome) async -> Bool {
        lastError = nil
        do {
            switch try await action() {
            case .applied(let task):
                absorb(task)
                preview = nil
            case .queued(_, let reason):
                queued += 1
                live = false
                status = "offline: \(reason.description); the change is queued"
                preview = nil
            }
            changed()
            return true
        } catch let error as MhvKitError {
            lastError = error.hint.map { "\(error.description) (\($0))" } ?? error.description
        } catch {
            lastError = "\(error)"
        }
        changed()
        return false
    }

    private func absorb(_ task: MhvTask) {
        if let i = tasks.firstIndex(where: { $0.id == task.id }) {
            if task.isOpen { tasks[i] = task } else { tasks.remove(at: i) }
        } else if task.isOpen {
            tasks.append(task)
        }
    }

    /// Applies one event: the task's row, the cache and the notifications it causes.
    public func apply(_ event: MhvEvent) async {
        do {
            note(try await notifier.handle(event))
            try companion.cache.update { $0.apply(event) }
        } catch {
            lastError = "\(error)"
        }
        lastSeq = event.seq
        if let task = event.taskAfter {
            absorb(task)
        } else if event.kind == "task.deleted", let id = event.taskId {
            tasks.removeAll { $0.id == id }
        }
        // The sections follow the tasks at once: whoever sees the new task sees it in its section
        // (planning the notifications below awaits, and others run meanwhile).
        changed()
        if event.taskAfter != nil, let changes = try? await notifier.sync(tasks: tasks) {
            note(changes)
            changed()
        }
    }

    /// Follows the server's events until the task is cancelled: resumes after the last seen seq on
    /// every reconnect (nothing lost or repeated) and refreshes once when the server comes back.
    public func follow(retryDelay: Double = 0.5) async {
        let feed = EventFeed(socketPath: companion.paths.socketPath, clientName: companion.clientName, since: lastSeq,
            retryDelay: retryDelay, maxRetryDelay: 10)
        var away = false
        for await update in feed.updates() {
            if Task.isCancelled { break }
            switch update {
            case .connected:
                if away { await refresh() }
                away = false
                live = true
                status = "live"
                changed()
            case .disconnected(let error):
                away = true
                live = false
                status = "offline: \(error.description)"
                changed()
            case .event(let event):
                await apply(event)
            }
        }
    }

    /// The due-soon and overdue notifications whose time has come (call it every few seconds).
    public func tick() async {
        if let changes = try? await notifier.tick(), !changes.isEmpty {
            note(changes)
            changed()
        }
    }

    /// Forgets the conflicts once the user has read them.
    public func dismissConflicts() async {
        _ = try? await companion.takeConflicts()
        conflicts = []
        changed()
    }

    private func note(_ changes: [NotificationChange]) {
        for change in changes {
            if case .posted(let notification) = change {
                recent.insert(notification, at: 0)
            }
        }
        if recent.count > 20 { recent.removeLast(recent.count - 20) }
    }
}
