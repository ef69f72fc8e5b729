import Foundation
import XCTest

@testable import MhvKit

/// The menu's sections and the quick add's preview, on a pinned clock (Tue 24 Nov 2026 10:00 UTC).
final class MenuModelTests: XCTestCase {
    let now = ISODate.parse("2026-11-24T10:00:00Z")!
    let utc = TimeZone(identifier: "UTC")!

    func task(_ number: Int, due: String? = nil, allDay: Bool = false, status: String = "pending",
        priority: String = "medium") -> MhvTask
    {
        MhvTask(id: "t\(number)", number: number, title: "task \(number)", status: status, priority: priority, due: due,
            dueAllDay: allDay, createdAt: "2026-11-20T08:00:00+00:00", updatedAt: "2026-11-20T08:00:00+00:00")
    }

    func testSectionsSplitOverdueTodayAndTheNextDays() {
        let tasks = [
            task(1, due: "2026-11-24T09:00:00+00:00"),  // this morning, passed: overdue
            task(2, due: "2026-11-24T17:00:00+00:00"),  // later today
            task(3, due: "2026-11-24T00:00:00+00:00", allDay: true),  // today, all day: not overdue yet
            task(4, due: "2026-11-23T00:00:00+00:00", allDay: true),  // yesterday, all day: overdue
            task(5, due: "2026-11-26T12:00:00+00:00"),  // Thursday
            task(6, due: "2026-12-20T12:00:00+00:00"),  // weeks away: counted, not listed
            task(7),  // no date
            task(8, due: "2026-11-20T09:00:00+00:00", status: "completed"),  // done: not shown
            task(9, due: "2026-11-24T17:00:00+00:00", priority: "critical"),  // same time as #2, higher priority
            task(10, due: "2026-12-01T23:59:00+00:00"),  // the 7th day after today: still upcoming
        ]
        let s = MenuSections.make(tasks: tasks, now: now, timeZone: utc)
        XCTAssertEqual(s.overdue.map(\.number), [4, 1])
        XCTAssertEqual(s.today.map(\.number), [3, 9, 2])
        XCTAssertEqual(s.upcoming.map(\.number), [5, 10])
        XCTAssertEqual(s.otherOpen, 2)
        XCTAssertFalse(s.isEmpty)
    }

    func testTodayIsTheUsersDayNotUTCs() {
        // 23:30 in New York on the 23rd is already the 24th in UTC: for that user it is still "today".
        let ny = TimeZone(identifier: "America/New_York")!
        let evening = ISODate.parse("2026-11-24T03:00:00Z")!  // 22:00 on the 23rd in New York
        let s = MenuSections.make(tasks: [task(1, due: "2026-11-24T04:30:00Z")], now: evening, timeZone: ny)
        XCTAssertEqual(s.today.map(\.number), [1])
        let u = MenuSections.make(tasks: [task(1, due: "2026-11-24T04:30:00Z")], now: evening, timeZone: utc)
        XCTAssertEqual(u.today.map(\.number), [1])
        let later = MenuSections.make(tasks: [task(1, due: "2026-11-24T06:00:00Z")], now: evening, timeZone: ny)
        XCTAssertEqual(later.upcoming.map(\.number), [1], "01:00 on the 24th in New York is tomorrow there")
    }

    func parse(_ json: String) throws -> ParseResult {
        try JSONDecoder().decode(ParseResult.self, from: Data(json.utf8))
    }

    func testPreviewChipsForAFullLine() throws {
        let result = try parse(
            """
            {"intent": "create", "confidence": 0.94, "title": "fix flaky auth test", "due_date": "2026-11-25",
             "due_time": "17:00", "priority": "critical", "tags": ["ci"], "repo": "crackerjack",
             "estimate_minutes": 120, "depends_on": [41], "entities": []}
            """)
        let preview = QuickAddPreview(text: "fix flaky auth test @crackerjack tomorrow 5pm p1 #ci ~2h after #41", result: result)
        XCTAssertEqual(preview.title, "fix flaky auth test")
        XCTAssertEqual(preview.chips, ["due 2026-11-25 17:00", "priority critical", "@crackerjack", "#ci", "~2h", "after #41"])
        XCTAssertNil(preview.warning)
        XCTAssertTrue(preview.canAdd)
    }

    func testPreviewWarnsWhenTheLineWouldNotCreateATask() throws {
        let command = QuickAddPreview(text: "done #2", result: try parse(#"{"intent": "complete", "confidence": 0.9, "target": 2, "entities": []}"#))
        XCTAssertFalse(command.canAdd)
        XCTAssertEqual(command.warning?.contains("complete"), true)
        let empty = QuickAddPreview(text: "tomorrow", result: try parse(#"{"intent": "create", "confidence": 0.9, "title": "", "due_date": "2026-11-25", "entities": []}"#))
        XCTAssertFalse(empty.canAdd)
        let unsure = QuickAddPreview(text: "call bob frday", result: try parse(#"{"intent": "create", "confidence": 0.41, "title": "call bob frday", "entities": []}"#))
        XCTAssertTrue(unsure.canAdd)
        XCTAssertEqual(unsure.warning, "the parser is unsure (41 %): check the chips")
        let odd = QuickAddPreview(text: "x", result: try parse(#"{"intent": "create", "confidence": 1, "title": "x", "estimate_minutes": 90, "entities": []}"#))
        XCTAssertEqual(odd.chips, ["~1h30m"])
        let offline = QuickAddPreview(text: "x", failure: "no preview: no server")
        XCTAssertFalse(offline.canAdd)
    }
}
