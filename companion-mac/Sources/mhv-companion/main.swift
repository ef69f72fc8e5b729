// mhv-companion: the companion from a terminal (Linux and macOS). It speaks to `mhv serve` over its
// Unix socket, reads from the offline cache while the server is away, queues writes made offline,
// and `watch` prints every notification as the menu-bar app would post it.
import Foundation
import MhvKit

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Straight to file descriptor 1, unbuffered: `watch` lines reach a pipe the moment they happen.
func say(_ text: String) {
    FileHandle.standardOutput.write(Data((text + "\n").utf8))
}

let usage = """
    usage: mhv-companion COMMAND [options]

      status [--json] [--clear-conflicts]
                                  the server, the cache, the offline queue and the writes
                                  not applied (--clear-conflicts forgets them once read)
      list [--all] [--json]       open tasks (every task with --all); from the cache when the server is away
      add TEXT...                 a task from a quick-add line ("fix auth @api tomorrow 5pm p1"); queued offline
      done N                      complete task N; queued offline
      watch [--json] [--lead MINUTES] [--quiet HH:MM-HH:MM]
                                  print each notification as it would be posted (due soon, overdue,
                                  unblocked, gates failed), following the server's events

    The socket is $MHV_HOME/run/mhv.sock (or MHV_SOCKET). Exit codes: 0 ok, 2-7 as mhv's own
    (3 not found, 4 invalid value, 5 changed meanwhile, 7 unsure parse), 64 usage, 69 no server.
    """

enum Exit {
    static let usage: Int32 = 64
    static let unavailable: Int32 = 69
}

func fail(_ message: String, hint: String? = nil, code: Int32) -> Never {
    FileHandle.standardError.write(Data("error: \(message)\n".utf8))
    if let hint { FileHandle.standardError.write(Data("  hint: \(hint)\n".utf8)) }
    exit(code)
}

func note(_ message: String) {
    FileHandle.standardError.write(Data("\(message)\n".utf8))
}

/// mhv's exit code for one of its error codes (mhv/errors.py), so scripts read both tools alike.
func exitCode(for error: MhvKitError) -> Int32 {
    switch error {
    case .serverUnavailable, .connectionClosed, .timeout: return Exit.unavailable
    case .server(_, _, let mhvCode, _):
        switch mhvCode {
        case "MHV-101": return 3
        case "MHV-102", "MHV-201", "MHV-301": return 4
        case "MHV-103": return 5
        case "MHV-110": return 2
        case "MHV-111": return 7
        default: return 1
        }
    default: return 1
    }
}

func failing(_ error: Error) -> Never {
    guard let error = error as? MhvKitError else { fail("\(error)", code: 1) }
    fail(error.description, hint: error.hint, code: exitCode(for: error))
}

func printJSON<T: Encodable>(_ value: T) {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    encoder.dateEncodingStrategy = .iso8601
    if let data = try? encoder.encode(value), let text = String(data: data, encoding: .utf8) { say(text) }
}

/// One formatter for the whole table: making a `DateFormatter` per row cost more than the row.
nonisolated(unsafe) let dueFormatter: DateFormatter = {
    let formatter = DateFormatter()
    formatter.locale = Locale(identifier: "en_US_POSIX")
    formatter.timeZone = TimeZone.current
    formatter.dateFormat = "yyyy-MM-dd HH:mm"
    return formatter
}()

func dueText(_ task: MhvTask) -> String {
    guard let due = task.due else { return "" }
    if task.dueAllDay { return String(due.prefix(10)) }
    guard let date = ISODate.parse(due) else { return due }
    return dueFormatter.string(from: date)
}

func printTable(_ tasks: [MhvTask]) {
    guard !tasks.isEmpty else {
        say("No tasks.")
        return
    }
    let width = max(2, tasks.map { String($0.number).count }.max() ?? 2)
    func pad(_ text: String, _ n: Int, right: Bool = false) -> String {
        let fill = String(repeating: " ", count: max(0, n - text.count))
        return right ? fill + text : text + fill
    }
    let marks = ["critical": "H!", "high": "H", "medium": "M", "low": "L"]
    say("\(pad("ID", width, right: true)) P  \(pad("Due", 16)) Title")
    for t in tasks {
        let title = t.title + (t.repo.map { " @\($0)" } ?? "") + t.tags.map { " #\($0)" }.joined()
        say("\(pad(String(t.number), width, right: true)) \(pad(marks[t.priority] ?? "", 2)) \(pad(dueText(t), 16)) \(title)")
    }
    say("\n\(tasks.count) task\(tasks.count == 1 ? "" : "s")")
}

func describe(_ outcome: WriteOutcome, verb: String) {
    switch outcome {
    case .applied(let task):
        say("\(verb) task \(task.number): \(task.title)")
    case .queued(let write, let reason):
        say("Queued (\(write.summary)): the server is away, it will be sent when it is back")
        note("  \(reason.description)\n  hint: \(reason.hint ?? "start `mhv serve`")")
    }
}

func reportReplay(_ report: ReplayReport?) {
    guard let report, !report.isEmpty else { return }
    for (write, task) in report.applied { note("replayed \(write.summary): #\(task.number) \(task.title)") }
    for conflict in report.conflicts { note("not applied: \(conflict.write.summary): \(conflict.reason)") }
}

// MARK: arguments

var args = Array(CommandLine.arguments.dropFirst())
guard let command = args.first else {
    say(usage)
    exit(Exit.usage)
}
args.removeFirst()
if command == "-h" || command == "--help" || command == "help" {
    say(usage)
    exit(0)
}

@MainActor func flag(_ name: String) -> Bool {
    if let i = args.firstIndex(of: name) {
        args.remove(at: i)
        return true
    }
    return false
}

@MainActor func option(_ name: String) -> String? {
    guard let i = args.firstIndex(of: name) else { return nil }
    guard i + 1 < args.count else { fail("\(name) needs a value", hint: "see mhv-companion --help", code: Exit.usage) }
    let value = args[i + 1]
    args.removeSubrange(i...(i + 1))
    return value
}

let paths = MhvPaths.resolve()
let clock: NowProvider = {
    if let pinned = ProcessInfo.processInfo.environment["MHV_COMPANION_NOW"], let date = ISODate.parse(pinned) {
        return FixedNow(date)
    }
    return SystemNow()
}()
let timeout = Double(ProcessInfo.processInfo.environment["MHV_COMPANION_TIMEOUT"] ?? "") ?? 10
let companion = Companion(paths: paths, clientName: "mhv-companion", clock: clock, timeout: timeout)

func parseQuiet(_ text: String) -> (Int, Int)? {
    let parts = text.split(separator: "-").map(String.init)
    func minutes(_ hhmm: String) -> Int? {
        let hm = hhmm.split(separator: ":").compactMap { Int($0) }
        guard hm.count == 2, (0..<24).contains(hm[0]), (0..<60).contains(hm[1]) else { return nil }
        return hm[0] * 60 + hm[1]
    }
    guard parts.count == 2, let a = minutes(parts[0]), let b = minutes(parts[1]) else { return nil }
    return (a, b)
}

// MARK: commands

switch command {
case "status":
    let json = flag("--json")
    if flag("--clear-conflicts") {
        do {
            let cleared = try await companion.takeConflicts()
            for conflict in cleared { note("cleared: \(conflict.write.summary): \(conflict.reason)") }
            note("cleared \(cleared.count) conflict\(cleared.count == 1 ? "" : "s")")
        } catch { failing(error) }
    }
    guard args.isEmpty else { fail("unexpected \(args.joined(separator: " "))", hint: "mhv-companion status [--json] [--clear-conflicts]", code: Exit.usage) }
    let snapshot = (try? companion.cache.load()) ?? CacheSnapshot()
    var info: [String: String] = [
        "socket": paths.socketPath, "cache": companion.cache.fileURL.path,
        "cached_tasks": String(snapshot.tasks.count), "queued_writes": String(snapshot.queue.count),
        "conflicts": String(snapshot.conflicts.count), "last_seq": snapshot.lastSeq.map(String.init) ?? "",
        "refreshed_at": snapshot.refreshedAt ?? "",
    ]
    var problem: MhvKitError?
    do {
        let client = try await companion.connectedClient()
        let version = try await client.serverVersion()
        info["server"] = "running"
        info["version"] = version.version
        info["database"] = version.database ?? ""
    } catch let error as MhvKitError {
        info["server"] = "not running"
        problem = error
    }
    if json {
        printJSON(info)
    } else {
        say("server:   \(info["server"]!)\(info["version"].map { " (mhv \($0), \(info["database"] ?? ""))" } ?? "")")
        say("socket:   \(paths.socketPath)")
        say("cache:    \(snapshot.tasks.count) tasks\(snapshot.refreshedAt.map { ", from \($0)" } ?? ""), last event \(snapshot.lastSeq.map(String.init) ?? "none")")
        say("queued:   \(snapshot.queue.count) write\(snapshot.queue.count == 1 ? "" : "s")")
        for write in snapshot.queue { say("          \(write.summary) (\(write.queuedAt))") }
        say("conflicts: \(snapshot.conflicts.count)")
        for conflict in snapshot.conflicts { say("          \(conflict.write.summary): \(conflict.reason)") }
    }
    if let problem { fail(problem.description, hint: problem.hint, code: Exit.unavailable) }

case "list", "ls":
    let all = flag("--all")
    let json = flag("--json")
    guard args.isEmpty else { fail("unexpected \(args.joined(separator: " "))", hint: "mhv-companion list [--all] [--json]", code: Exit.usage) }
    do {
        let listing = try await companion.listTasks(all: all)
        reportReplay(listing.replay)
        if !listing.live {
            let reason = listing.offlineReason
            if listing.refreshedAt == nil {
                fail("\(reason?.description ?? "no server"), and nothing is cached yet", hint: reason?.hint, code: Exit.unavailable)
            }
            note("offline: \(reason?.description ?? "no server"); these are the cached tasks from \(listing.refreshedAt ?? "?")")
            note("  hint: \(reason?.hint ?? "start `mhv serve`")")
        }
        if json {
            if let data = try? MhvJSON.encode(tasks: listing.tasks) {
                FileHandle.standardOutput.write(data + Data([10]))
            }
        } else { printTable(listing.tasks) }
    } catch { failing(error) }

case "add":
    let yes = flag("--yes")
    let text = args.joined(separator: " ").trimmingCharacters(in: .whitespaces)
    guard !text.isEmpty else { fail("add needs the task's words", hint: "mhv-companion add fix auth tomorrow 5pm p1", code: Exit.usage) }
    do { describe(try await companion.add(text, yes: yes), verb: "Created") } catch { failing(error) }

case "done":
    guard args.count == 1, let number = Int(args[0].trimmingCharacters(in: CharacterSet(charactersIn: "#"))), number > 0 else {
        fail("done needs one task number", hint: "mhv-companion done 42", code: Exit.usage)
    }
    do { describe(try await companion.complete(number), verb: "Completed") } catch { failing(error) }

case "watch":
    let json = flag("--json")
    var settings = NotificationSettings()
    if let lead = option("--lead") {
        guard let minutes = Int(lead), minutes >= 0 else { fail("--lead takes minutes, e.g. 15", code: Exit.usage) }
        settings.leadMinutes = minutes
    }
    if let quiet = option("--quiet") {
        guard let (start, end) = parseQuiet(quiet) else {
            fail("--quiet takes HH:MM-HH:MM, e.g. 22:00-08:00 (00:00-00:00 for none)", code: Exit.usage)
        }
        settings.quietStartMinute = start
        settings.quietEndMinute = end
    }
    guard args.isEmpty else { fail("unexpected \(args.joined(separator: " "))", hint: "see mhv-companion --help", code: Exit.usage) }
    let planner = NotificationPlanner(settings: settings)
    let notifier = Notifier(planner: planner, scheduler: RecordingScheduler(), cache: companion.cache, clock: clock)
    let stamp = DateFormatter()
    stamp.locale = Locale(identifier: "en_US_POSIX")
    stamp.timeZone = settings.timeZone
    stamp.dateFormat = "yyyy-MM-dd HH:mm"

    struct Line: Encodable {
        let action: String
        let id: String
        let kind: String?
        let task: Int?
        let title: String?
        let body: String?
        let fireAt: String?
        enum CodingKeys: String, CodingKey {
            case action, id, kind, task, title, body
            case fireAt = "fire_at"
        }
    }

    func show(_ changes: [NotificationChange]) {
        for change in changes {
            switch change {
            case .posted(let n), .planned(let n):
                let action: String
                if case .posted = change { action = "post" } else { action = "plan" }
                if json {
                    printJSON(Line(action: action, id: n.id, kind: n.kind.rawValue, task: n.taskNumber, title: n.title,
                        body: n.body, fireAt: ISODate.format(n.fireAt)))
                } else {
                    say("\(action) \(stamp.string(from: n.fireAt))  \(n.title): \(n.body)")
                }
            case .removed(let id):
                if json { printJSON(Line(action: "drop", id: id, kind: nil, task: nil, title: nil, body: nil, fireAt: nil)) }
                else { say("drop  \(id)") }
            }
        }
    }

    // First the tasks as they are (from the server, or the cache when it is away), then every event.
    var tasks: [MhvTask]
    do {
        let listing = try await companion.listTasks(all: false)
        reportReplay(listing.replay)
        if !listing.live { note("offline: \(listing.offlineReason?.description ?? "no server"); planning from the cache") }
        tasks = listing.tasks
    } catch { failing(error) }
    do { show(try await notifier.sync(tasks: tasks)) } catch { failing(error) }

    let since = (try? companion.cache.load().lastSeq) ?? nil
    let feed = EventFeed(socketPath: paths.socketPath, clientName: "mhv-companion", since: since)
    let ticker = Task {
        while !Task.isCancelled {
            try? await Task.sleep(nanoseconds: 1_000_000_000)
            if let changes = try? await notifier.tick() { show(changes) }
        }
    }
    var byId = Dictionary(uniqueKeysWithValues: tasks.map { ($0.id, $0) })
    var lastReplan = clock.now()
    let writer = CacheWriteBehind(cache: companion.cache)
    var away = false  // one line when the server goes, one when it is back: not one per retry
    for await update in feed.updates() {
        switch update {
        case .connected(let resumed, let seq):
            note("\(away ? "reconnected: " : "")watching events\(resumed.map { " after seq \($0)" } ?? " from seq \(seq.map(String.init) ?? "?")")")
            away = false
        case .disconnected(let error):
            if !away { note("disconnected: \(error.description); retrying until the server is back") }
            away = true
        case .event(let event):
            do {
                // The event reaches the cache once the feed is quiet (see CacheWriteBehind); its posts
                // reach their ledger before their lines are printed.
                writer.add(event)
                show(try await notifier.handle(event))
                let after = event.taskAfter
                if let id = event.taskId {
                    if event.kind == "task.deleted" { byId[id] = nil } else if let after { byId[id] = after }
                }
                // Time-based notifications follow the task's new dates at once for that task; the
                // whole plan is redone at most every 5 s.
                if clock.now().timeIntervalSince(lastReplan) > 5 {
                    show(try await notifier.sync(tasks: Array(byId.values)))
                    lastReplan = clock.now()
                } else if let after {
                    show(try await notifier.sync(changed: [after]))
                }
            } catch { note("error: \(error)") }
        }
    }
    ticker.cancel()
    do { try writer.flush() } catch { note("error: \(error)") }

default:
    fail("unknown command \(command)", hint: "mhv-companion status | list | add TEXT | done N | watch", code: Exit.usage)
}
