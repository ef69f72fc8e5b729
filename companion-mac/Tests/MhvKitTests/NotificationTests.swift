import Foundation
import XCTest

@testable import MhvKit

/// The planner and the notifier, on a pinned clock (Tue 24 Nov 2026, UTC) and a recording scheduler.
final class NotificationTests: XCTestCase {
    let utc = NotificationSettings(leadMinutes: 15, quietStartMinute: 22 * 60, quietEndMinute: 8 * 60, allDayHour: 9,
        timeZoneIdentifier: "UTC")

    func at(_ text: String) -> Date { ISODate.parse(text)! }

    func task(_ number: Int, due: String? = nil, allDay: Bool = false, status: String = "pending",
        gate: String = "unknown", updated: String = "2026-11-24T08:00:00+00:00") -> MhvTask
    {
        MhvTask(id: "t\(number)", number: number, title: "task \(number)", status: status, due: due, dueAllDay: allDay,
            gateStatus: gate, createdAt: "2026-11-20T08:00:00+00:00", updatedAt: updated)
    }

    func event(_ seq: Int, _ kind: String, before: MhvTask?, after: MhvTask?, txn: String) throws -> MhvEvent {
        MhvEvent(seq: seq, kind: kind, taskId: after?.id ?? before?.id, txn: txn, at: "2026-11-24T10:00:00+00:00",
            before: try before.map { try JSONValue.from($0) }, after: try after.map { try JSONValue.from($0) })
    }

    func testTimedDueGivesDueSoonAndOverdueAtTheirTimes() {
        let planner = NotificationPlanner(settings: utc)
        let plan = planner.plan(tasks: [task(1, due: "2026-11-24T17:00:00+00:00")], now: at("2026-11-24T10:00:00Z"))
        XCTAssertEqual(plan.map(\.id), ["due-soon:t1", "overdue:t1"])
        XCTAssertEqual(plan[0].fireAt, at("2026-11-24T16:45:00Z"))
        XCTAssertEqual(plan[0].title, "Due in 15 minutes")
        XCTAssertEqual(plan[0].body, "#1 task 1 (at 17:00)")
        XCTAssertEqual(plan[1].fireAt, at("2026-11-24T17:00:00Z"))
        // Inside the lead time: "due soon" now, with the minutes left.
        let late = planner.plan(tasks: [task(1, due: "2026-11-24T17:00:00+00:00")], now: at("2026-11-24T16:53:00Z"))
        XCTAssertEqual(late[0].fireAt, at("2026-11-24T16:53:00Z"))
        XCTAssertEqual(late[0].title, "Due in 7 minutes")
        // Past due: "overdue" only, now.
        let past = planner.plan(tasks: [task(1, due: "2026-11-24T09:00:00+00:00")], now: at("2026-11-24T10:00:00Z"))
        XCTAssertEqual(past.map(\.id), ["overdue:t1"])
        XCTAssertEqual(past[0].fireAt, at("2026-11-24T10:00:00Z"))
    }

    func testAllDayDueAndFinishedOrUndatedTasks() {
        let planner = NotificationPlanner(settings: utc)
        let tasks = [
            task(1, due: "2026-11-25T00:00:00+00:00", allDay: true), task(2), task(3, due: "2026-11-25T10:00:00+00:00", status: "completed"),
        ]
        let plan = planner.plan(tasks: tasks, now: at("2026-11-24T10:00:00Z"))
        XCTAssertEqual(plan.map(\.id), ["due-soon:t1", "overdue:t1"])
        XCTAssertEqual(plan[0].title, "Due today")
        XCTAssertEqual(plan[0].fireAt, at("2026-11-25T09:00:00Z"))
        XCTAssertEqual(plan[1].title, "Overdue since 2026-11-25")
        XCTAssertEqual(plan[1].fireAt, at("2026-11-26T09:00:00Z"))
    }

    func testQuietHoursDeferToTheirEndAcrossMidnight() {
        let planner = NotificationPlanner(settings: utc)
        XCTAssertEqual(planner.deferred(at("2026-11-24T23:30:00Z")), at("2026-11-25T08:00:00Z"))
        XCTAssertEqual(planner.deferred(at("2026-11-25T03:00:00Z")), at("2026-11-25T08:00:00Z"))
        XCTAssertEqual(planner.deferred(at("2026-11-25T08:00:00Z")), at("2026-11-25T08:00:00Z"))
        XCTAssertEqual(planner.deferred(at("2026-11-24T21:59:00Z")), at("2026-11-24T21:59:00Z"))
        var daytime = utc
        daytime.quietStartMinute = 12 * 60
        daytime.quietEndMinute = 13 * 60 + 30
        XCTAssertEqual(NotificationPlanner(settings: daytime).deferred(at("2026-11-24T12:10:00Z")), at("2026-11-24T13:30:00Z"))
        var none = utc
        none.quietEndMinute = none.quietStartMinute
        XCTAssertEqual(NotificationPlanner(settings: none).deferred(at("2026-11-24T23:30:00Z")), at("2026-11-24T23:30:00Z"))
        // A task due at 23:00 is announced at 08:00.
        let plan = planner.plan(tasks: [task(1, due: "2026-11-24T23:00:00+00:00")], now: at("2026-11-24T10:00:00Z"))
        XCTAssertEqual(plan.map(\.fireAt), [at("2026-11-25T08:00:00Z"), at("2026-11-25T08:00:00Z")])
    }

    func testEventsUnblockAndGateFailure() throws {
        let planner = NotificationPlanner(settings: utc)
        let now = at("2026-11-24T10:00:00Z")
        let unblocked = try event(7, "task.unblocked", before: task(2, status: "blocked"), after: task(2), txn: "x1")
        XCTAssertEqual(planner.notifications(for: unblocked, now: now).map(\.id), ["unblocked:t2"])
        let failed = try event(8, "task.updated", before: task(3, gate: "passed"), after: task(3, gate: "failed"), txn: "x2")
        let gate = planner.notifications(for: failed, now: now)
        XCTAssertEqual(gate.map(\.id), ["gates-failed:t3"])
        XCTAssertEqual(gate[0].signature, "x2")
        let again = try event(9, "task.updated", before: task(3, gate: "failed"), after: task(3, gate: "failed"), txn: "x3")
        XCTAssertEqual(planner.notifications(for: again, now: now), [])
        let done = try event(10, "task.completed", before: task(2), after: task(2, status: "completed"), txn: "x4")
        XCTAssertEqual(planner.notifications(for: done, now: now), [])
    }

    func testNotifierPostsOneCauseOnceReschedulesAndWithdraws() async throws {
        let clock = FixedNow(at("2026-11-24T10:00:00Z"))
        let scheduler = RecordingScheduler()
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("mhv-notify-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let cache = OfflineCache(directory: folder)
        let notifier = Notifier(planner: NotificationPlanner(settings: utc), scheduler: scheduler, cache: cache, clock: clock)
        var t1 = task(1, due: "2026-11-24T17:00:00+00:00")
        let overdue = task(2, due: "2026-11-24T09:00:00+00:00")

        let first = try await notifier.sync(tasks: [t1, overdue])
        XCTAssertEqual(first.filter { if case .posted = $0 { return true } else { return false } }.count, 1)  // #2 overdue
        let planned = await notifier.pending().map(\.id)
        XCTAssertEqual(planned, ["due-soon:t1", "overdue:t1"])
        // The same tasks again, later: nothing new, the overdue #2 is not posted twice.
        clock.advance(by: 600)
        let second = try await notifier.sync(tasks: [t1, overdue])
        XCTAssertEqual(second, [])
        // #1 moves to 18:00: both its notifications are replaced (same ids, new times).
        t1.due = "2026-11-24T18:00:00+00:00"
        _ = try await notifier.sync(tasks: [t1, overdue])
        let moved = await notifier.pending()
        XCTAssertEqual(moved.map(\.fireAt), [at("2026-11-24T17:45:00Z"), at("2026-11-24T18:00:00Z")])
        // Time passes: due soon is posted once.
        clock.set(at("2026-11-24T17:46:00Z"))
        let ticked = try await notifier.tick()
        XCTAssertEqual(ticked.count, 1)
        let none = try await notifier.tick()
        XCTAssertEqual(none, [])
        // #1 completed: its overdue is withdrawn.
        var finished = t1
        finished.status = "completed"
        let withdrawn = try await notifier.handle(try event(20, "task.completed", before: t1, after: finished, txn: "t"))
        XCTAssertEqual(withdrawn, [.removed(id: "overdue:t1")])
        let posted = await scheduler.posted.map(\.id)
        XCTAssertEqual(posted, ["overdue:t2", "due-soon:t1"])

        // A new notifier (the companion restarted) reads the ledger: #2's overdue is not posted again.
        let restarted = Notifier(planner: NotificationPlanner(settings: utc), scheduler: RecordingScheduler(), cache: cache,
            clock: clock)
        let repeated = try await restarted.sync(tasks: [overdue])
        XCTAssertEqual(repeated, [])
    }

    func testSeveralEventsOfOneActionMakeOneNotification() async throws {
        let clock = FixedNow(at("2026-11-24T10:00:00Z"))
        let scheduler = RecordingScheduler()
        let notifier = Notifier(planner: NotificationPlanner(settings: utc), scheduler: scheduler, clock: clock)
        let blocked = task(2, status: "blocked")
        let free = task(2)
        _ = try await notifier.handle(try event(5, "task.unblocked", before: blocked, after: free, txn: "same"))
        _ = try await notifier.handle(try event(6, "task.updated", before: blocked, after: free, txn: "same"))
        let posted = await scheduler.posted.map(\.id)
        XCTAssertEqual(posted, ["unblocked:t2"])
        // Blocked again and freed by another action: a new notification.
        _ = try await notifier.handle(try event(9, "task.unblocked", before: blocked, after: free, txn: "other"))
        let count = await scheduler.posted.count
        XCTAssertEqual(count, 2)
    }

    func testAnUnblockInQuietHoursWaitsForMorning() async throws {
        let clock = FixedNow(at("2026-11-24T23:10:00Z"))
        let scheduler = RecordingScheduler()
        let notifier = Notifier(planner: NotificationPlanner(settings: utc), scheduler: scheduler, clock: clock)
        let changes = try await notifier.handle(
            try event(5, "task.unblocked", before: task(2, status: "blocked"), after: task(2), txn: "n"))
        XCTAssertEqual(changes.count, 1)
        guard case .planned(let n) = changes[0] else { return XCTFail("expected a planned notification") }
        XCTAssertEqual(n.fireAt, at("2026-11-25T08:00:00Z"))
        clock.set(at("2026-11-25T08:00:30Z"))
        let posted = try await notifier.tick()
        XCTAssertEqual(posted, [.posted(n)])
    }
}
