import Foundation
import XCTest

@testable import MhvKit

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A real mhv server in a temporary MHV_HOME: `MHV_SERVE_CMD` (tests/integration/test_companion.py sets
/// it to the project's `python -m mhv.sync.rpc`). `MHV_CLI_CMD` (`python -m mhv`) is the other writer:
/// the one-shot CLI on the same database, straight to the store.
final class MhvServer: @unchecked Sendable {
    let home: URL
    let socketPath: String
    private let command: [String]
    private var process: Process?

    init?() {
        guard let raw = ProcessInfo.processInfo.environment["MHV_SERVE_CMD"], !raw.isEmpty else { return nil }
        command = raw.split(separator: " ").map(String.init)
        home = FileManager.default.temporaryDirectory.appendingPathComponent("mhv-swift-\(UUID().uuidString.prefix(8))")
        socketPath = home.appendingPathComponent("run/mhv.sock").path
    }

    var paths: MhvPaths { MhvPaths.resolve(environment: ["MHV_HOME": home.path]) }

    func start() throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: command[0])
        p.arguments = Array(command.dropFirst())
        var env = ProcessInfo.processInfo.environment
        env["MHV_HOME"] = home.path
        env["TZ"] = "UTC"
        p.environment = env
        let log = home.appendingPathComponent("serve.log")
        try FileManager.default.createDirectory(at: home, withIntermediateDirectories: true)
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        let handle = try FileHandle(forWritingTo: log)
        handle.seekToEndOfFile()
        p.standardOutput = handle
        p.standardError = handle
        try p.run()
        process = p
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline {
            if let socket = try? UnixSocket.connect(path: socketPath) {
                socket.shutdown()
                return
            }
            guard p.isRunning else { break }
            usleep(50_000)
        }
        let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
        throw MhvKitError.local("the mhv server did not start:\n\(text.suffix(2000))")
    }

    /// SIGTERM and wait (the server answers what it holds and removes its socket); SIGKILL after 15 s
    /// so a stuck server fails the test instead of hanging it. Polls rather than `waitUntilExit()`,
    /// which spins a core on Linux.
    func stop() {
        guard let p = process else { return }
        process = nil
        guard p.isRunning else { return }
        p.terminate()
        let deadline = Date().addingTimeInterval(15)
        while p.isRunning, Date() < deadline { usleep(20_000) }
        if p.isRunning {
            kill(p.processIdentifier, SIGKILL)
            while p.isRunning { usleep(20_000) }
            XCTFail("the mhv server ignored SIGTERM")
        }
    }

    /// The CLI on the same database, never through the service (`MHV_NO_SERVICE`).
    @discardableResult
    func cli(_ args: String...) throws -> String {
        guard let raw = ProcessInfo.processInfo.environment["MHV_CLI_CMD"], !raw.isEmpty else {
            throw XCTSkip("MHV_CLI_CMD is not set")
        }
        let parts = raw.split(separator: " ").map(String.init)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: parts[0])
        p.arguments = Array(parts.dropFirst()) + args
        var env = ProcessInfo.processInfo.environment
        env["MHV_HOME"] = home.path
        env["MHV_NO_SERVICE"] = "1"
        env["TZ"] = "UTC"
        p.environment = env
        let out = Pipe()
        p.standardOutput = out
        p.standardError = out
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        while p.isRunning { usleep(5_000) }
        let text = String(decoding: data, as: UTF8.self)
        guard p.terminationStatus == 0 else {
            throw MhvKitError.local("mhv \(args.joined(separator: " ")) exited \(p.terminationStatus): \(text)")
        }
        return text
    }

    deinit {
        stop()
        try? FileManager.default.removeItem(at: home)
    }
}

/// Collects a feed's events in the background, so a test can wait for a count.
final class EventLog: @unchecked Sendable {
    private let lock = NSLock()
    private var events: [MhvEvent] = []
    private var connections = 0
    private var task: Task<Void, Never>?

    init(feed: EventFeed) {
        task = Task { [weak self] in
            for await update in feed.updates() {
                guard let self else { return }
                self.record(update)
            }
        }
    }

    private func record(_ update: FeedUpdate) {
        lock.lock()
        defer { lock.unlock() }
        switch update {
        case .event(let event): events.append(event)
        case .connected: connections += 1
        case .disconnected: break
        }
    }

    var snapshot: [MhvEvent] {
        lock.lock()
        defer { lock.unlock() }
        return events
    }

    var connected: Int {
        lock.lock()
        defer { lock.unlock() }
        return connections
    }

    func wait(
        until condition: ([MhvEvent]) -> Bool, connections wanted: Int = 1, seconds: Double = 20
    ) async -> [MhvEvent] {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if connected >= wanted, condition(snapshot) { return snapshot }
            try? await Task.sleep(nanoseconds: 20_000_000)
        }
        return snapshot
    }

    func stop() { task?.cancel() }
}

final class ServerTests: XCTestCase {
    func server() throws -> MhvServer {
        guard let server = MhvServer() else { throw XCTSkip("MHV_SERVE_CMD is not set") }
        try server.start()
        return server
    }

    func testCreateListCompleteAndErrorsThroughTheRealServer() async throws {
        let server = try server()
        let companion = Companion(paths: server.paths, clientName: "swift-test")
        guard case .applied(let created) = try await companion.add("fix auth @api tomorrow 5pm p1 #ci") else {
            return XCTFail("the server was running: the add should apply")
        }
        XCTAssertEqual(created.title, "fix auth")
        XCTAssertEqual(created.priority, "critical")
        XCTAssertEqual(created.repo, "api")
        XCTAssertEqual(created.tags, ["ci"])
        XCTAssertNotNil(created.due)
        _ = try await companion.add("write docs")
        let listing = try await companion.listTasks()
        XCTAssertTrue(listing.live)
        XCTAssertEqual(listing.tasks.map(\.title), ["fix auth", "write docs"])
        guard case .applied(let done) = try await companion.complete(created.number) else { return XCTFail("not applied") }
        XCTAssertEqual(done.status, "completed")
        let open = try await companion.listTasks()
        XCTAssertEqual(open.tasks.map(\.title), ["write docs"])
        let all = try await companion.listTasks(all: true)
        XCTAssertEqual(all.tasks.count, 2)

        // Server errors keep mhv's code and hint.
        let client = try await companion.connectedClient()
        do {
            _ = try await client.completeTask(999)
            XCTFail("completing a missing task must fail")
        } catch let MhvKitError.server(rpcCode, message, mhvCode, hint) {
            XCTAssertEqual(rpcCode, -32000)
            XCTAssertEqual(mhvCode, "MHV-101")
            XCTAssertTrue(message.contains("999"), message)
            XCTAssertNotNil(hint)
        }
        do {
            _ = try await client.createTask(text: "done #2")
            XCTFail("a command line is not a title")
        } catch let MhvKitError.server(_, _, mhvCode, _) {
            XCTAssertEqual(mhvCode, "MHV-110")
        }
        do {
            _ = try await client.call("tasks.list", ["limit": .string("many")], as: [MhvTask].self)
            XCTFail("bad params must fail")
        } catch let MhvKitError.server(rpcCode, _, _, _) {
            XCTAssertEqual(rpcCode, -32602)
        }
        // The parser's preview, as the menu's quick add shows it.
        let parsed = try await client.parse("call bob friday 4pm p2 #phone", now: "2026-11-24T09:00")
        XCTAssertEqual(parsed.intent, "create")
        XCTAssertEqual(parsed.dueDate, "2026-11-27")
        XCTAssertEqual(parsed.dueTime, "16:00")
        XCTAssertEqual(parsed.priority, "high")
        // Several requests in flight on one connection, answered by id.
        async let a = client.getTask(1)
        async let b = client.getTask(2)
        async let c = client.ping()
        let (ta, tb, pong) = try await (a, b, c)
        XCTAssertEqual([ta.number, tb.number], [1, 2])
        XCTAssertEqual(pong, "pong")
        await companion.disconnect()
    }

    func testSubscribeSeesEveryWriterAndResumesAfterARestartWithNothingLostOrRepeated() async throws {
        let server = try server()
        let companion = Companion(paths: server.paths, clientName: "swift-test")
        _ = try await companion.add("first")
        let start = try await companion.connectedClient().call("events.subscribe", as: SubscribeResult.self).seq
        await companion.disconnect()
        let log = EventLog(feed: EventFeed(socketPath: server.socketPath, since: start, retryDelay: 0.05, maxRetryDelay: 0.2))
        defer { log.stop() }
        _ = await log.wait(until: { _ in true })
        _ = try await companion.add("second")
        try server.cli("tc", "third from the cli")  // another writer, straight to the database
        var seen = await log.wait(until: { $0.filter { $0.kind == "task.created" }.count >= 2 })
        XCTAssertEqual(seen.filter { $0.kind == "task.created" }.compactMap { $0.taskAfter?.title }, ["second", "third from the cli"])

        server.stop()
        try server.cli("tc", "made while the server was down")
        try server.cli("td", "1")
        try server.start()
        await companion.disconnect()
        _ = try await companion.add("after the restart")
        seen = await log.wait(until: { $0.contains { $0.taskAfter?.title == "after the restart" } }, connections: 2)
        let titles = seen.filter { $0.kind == "task.created" }.compactMap { $0.taskAfter?.title }
        XCTAssertEqual(titles, ["second", "third from the cli", "made while the server was down", "after the restart"])
        XCTAssertTrue(seen.contains { $0.kind == "task.completed" && $0.taskAfter?.number == 1 })
        let seqs = seen.map(\.seq)
        XCTAssertEqual(seqs, Array(Set(seqs)).sorted(), "in seq order, no repeat")
        XCTAssertEqual(seqs.first, (start ?? 0) + 1)
        XCTAssertEqual(seqs.last! - seqs.first! + 1, seqs.count, "no gap")
        await companion.disconnect()
    }

    func testOfflineWritesAreReplayedInOrderAndAConflictIsReported() async throws {
        let server = try server()
        let companion = Companion(paths: server.paths, clientName: "swift-test")
        _ = try await companion.add("one")
        _ = try await companion.add("two")
        let before = try await companion.listTasks()
        XCTAssertEqual(before.tasks.count, 2)
        await companion.disconnect()
        server.stop()

        // Offline: reads come from the cache, writes are queued.
        let offline = try await companion.listTasks()
        XCTAssertFalse(offline.live)
        XCTAssertEqual(offline.tasks.map(\.title), ["one", "two"])
        for text in ["alpha", "beta"] {
            guard case .queued = try await companion.add(text) else { return XCTFail("\(text) should be queued") }
        }
        guard case .queued = try await companion.complete(1) else { return XCTFail("done #1 should be queued") }
        guard case .queued = try await companion.complete(2) else { return XCTFail("done #2 should be queued") }
        // Meanwhile #2 is changed by someone else.
        try server.cli("tu", "2", "p1")
        try server.start()

        let online = try await companion.listTasks(all: true)
        XCTAssertTrue(online.live)
        let report = try XCTUnwrap(online.replay)
        XCTAssertEqual(report.applied.map { $0.write.summary }, ["add \"alpha\"", "add \"beta\"", "done #1"])
        XCTAssertEqual(report.applied.map { $0.task.number }, [3, 4, 1])
        XCTAssertEqual(report.conflicts.count, 1)
        let conflict = report.conflicts[0]
        XCTAssertEqual(conflict.write.summary, "done #2")
        XCTAssertEqual(conflict.mhvCode, "MHV-103")
        XCTAssertEqual(conflict.serverTask?.priority, "critical")
        XCTAssertEqual(conflict.serverTask?.status, "pending", "a conflict is not applied")
        let byNumber = Dictionary(uniqueKeysWithValues: online.tasks.map { ($0.number, $0) })
        XCTAssertEqual(byNumber[1]?.status, "completed")
        XCTAssertEqual(byNumber[2]?.status, "pending")
        XCTAssertEqual(online.queued.count, 0)
        let seenConflicts = try await companion.takeConflicts()
        XCTAssertEqual(seenConflicts.map(\.write.summary), ["done #2"])
        let noMore = try await companion.takeConflicts()
        XCTAssertEqual(noMore.count, 0)
        // Replaying again creates nothing twice.
        let again = try await companion.listTasks(all: true)
        XCTAssertEqual(again.tasks.count, 4)
        XCTAssertTrue(again.replay?.isEmpty ?? true)
        await companion.disconnect()
    }

    func testNotificationsFollowTheRealServersEvents() async throws {
        let server = try server()
        let companion = Companion(paths: server.paths, clientName: "swift-test")
        _ = try await companion.add("blocker")
        _ = try await companion.add("waiting after #1")
        let client = try await companion.connectedClient()
        let start = try await client.call("events.subscribe", as: SubscribeResult.self).seq
        await companion.disconnect()
        let scheduler = RecordingScheduler()
        let notifier = Notifier(
            planner: NotificationPlanner(settings: NotificationSettings(quietStartMinute: 0, quietEndMinute: 0)),
            scheduler: scheduler)
        let log = EventLog(feed: EventFeed(socketPath: server.socketPath, since: start))
        defer { log.stop() }
        _ = await log.wait(until: { _ in true })
        _ = try await companion.complete(1)
        let events = await log.wait(until: { $0.contains { $0.kind == "task.unblocked" } })
        for event in events { _ = try await notifier.handle(event) }
        let posted = await scheduler.posted
        XCTAssertEqual(posted.map(\.kind), [.unblocked])
        XCTAssertEqual(posted.first?.taskNumber, 2)
        await companion.disconnect()
    }

    /// The menu-bar app's model on a real server: refresh, the live preview through `nlp.parse`, add,
    /// complete with a click, another writer's change arriving by the feed, and the server going away.
    @MainActor
    func testTheMenuModelAgainstTheRealServer() async throws {
        let server = try server()
        let companion = Companion(paths: server.paths, clientName: "swift-menu")
        let scheduler = RecordingScheduler()
        let notifier = Notifier(
            planner: NotificationPlanner(settings: NotificationSettings(quietStartMinute: 0, quietEndMinute: 0)),
            scheduler: scheduler, cache: companion.cache)
        // The model's clock is pinned to noon on 10 Jan 2030, the tasks' day (never today's date).
        let noon = try XCTUnwrap(ISODate.parse("2030-01-10T12:00:00Z"))
        let model = MenuModel(companion: companion, notifier: notifier, clock: FixedNow(noon),
            timeZone: TimeZone(identifier: "UTC")!)
        var changes = 0
        model.onChange = { changes += 1 }
        try server.cli("tc", "overdue one 2030-01-10 9am")
        try server.cli("tc", "evening one 2030-01-10 11pm")
        await model.refresh()
        XCTAssertTrue(model.live, model.status)
        XCTAssertEqual(model.sections.overdue.map(\.title), ["overdue one"])
        XCTAssertEqual(model.sections.today.map(\.title), ["evening one"])
        XCTAssertGreaterThan(changes, 0)

        await model.previewQuickAdd("call bob 2030-01-11 4pm p2 #phone")
        let preview = try XCTUnwrap(model.preview)
        XCTAssertEqual(preview.title, "call bob")
        XCTAssertTrue(preview.chips.contains("#phone"), "\(preview.chips)")
        XCTAssertTrue(preview.chips.contains("priority high"), "\(preview.chips)")
        XCTAssertTrue(preview.canAdd)
        await model.previewQuickAdd("done #1")
        XCTAssertEqual(model.preview?.canAdd, false)

        let ok1 = await model.add("call bob 2030-01-11 4pm p2 #phone")
        XCTAssertTrue(ok1)
        XCTAssertNil(model.preview, "the field is cleared once added")
        XCTAssertTrue(model.tasks.contains { $0.title == "call bob" })
        let ok2 = await model.complete(1)
        XCTAssertTrue(ok2)
        XCTAssertEqual(model.sections.overdue.count, 0, "\(model.sections.overdue) \(model.tasks.map { ($0.number, $0.status) })")
        let ok3 = await model.complete(99)
        XCTAssertFalse(ok3)
        XCTAssertEqual(model.lastError?.contains("99"), true, model.lastError ?? "")

        // Another writer: the CLI on the same database; the model sees it through its feed.
        let following = Task { await model.follow(retryDelay: 0.05) }
        let deadline = Date().addingTimeInterval(20)
        while !model.live, Date() < deadline { try await Task.sleep(nanoseconds: 20_000_000) }
        try server.cli("tc", "from the cli 2030-01-10 10pm")
        while !model.tasks.contains(where: { $0.title == "from the cli" }), Date() < deadline {
            try await Task.sleep(nanoseconds: 20_000_000)
        }
        XCTAssertTrue(model.sections.today.contains { $0.title == "from the cli" }, "\(model.status) \(model.tasks.map(\.title)) \(String(describing: model.lastError))")

        server.stop()
        while model.live, Date() < deadline { try await Task.sleep(nanoseconds: 20_000_000) }
        XCTAssertFalse(model.live)
        XCTAssertTrue(model.status.hasPrefix("offline"), model.status)
        let ok4 = await model.add("while away")
        XCTAssertTrue(ok4, "queued, not lost")
        XCTAssertEqual(model.queued, 1)
        following.cancel()
        await companion.disconnect()
    }
}
