import Foundation
import XCTest

@testable import MhvKit

/// The byte-level coders against Foundation's: the same values in, the same values (and bytes) out,
/// and Foundation's answer whenever the fast reader gives up.
final class FastJSONTests: XCTestCase {
    /// Every member of a task, some null, some absent, unknown ones, escapes, non-ASCII text and the
    /// number forms `JSONValue` reads (`1.0` and `1e2` are integers, a too-large integer a double).
    static let tasksText = #"""
        [{"id": "a1", "number": 1, "title": "fix \"auth\" \/ login\n\u00e9\ud83d\ude00 caf\#u{E9}", "description": null,
          "status": "pending", "priority": null, "repo": "api", "tags": ["ci", "perf/db"], "due": "2026-12-10T17:00:00+00:00",
          "due_all_day": false, "scheduled": null, "estimate_minutes": 90, "recurrence": "FREQ=WEEKLY", "parent_id": null,
          "assignee": "me", "source": "github", "source_ref": "github:o/r#1", "source_url": "https://x/y", "worktree_path": null,
          "branch": "b", "gate_status": "failed", "created_at": "2026-11-01T09:00:00+00:00",
          "updated_at": "2026-11-24T09:05:00.123456+00:00", "started_at": null, "completed_at": null,
          "metadata": {"n": [1, 1.0, 1e2, 1.5, -0, 0.1, -2.5e-7, 12345678901234567890, true, false, null],
                       "nested": {"tasks": [], "z": "", "a": {"b": "\t\u0001"}}},
          "wait": null, "until": null, "depends_on": [3, 2], "blocks": []},
         {"id": "b2", "number": 2, "title": "t", "status": "completed", "created_at": "c", "updated_at": "u",
          "tags": null, "metadata": null, "depends_on": null, "due_all_day": null, "gate_status": null, "source": null}]
        """#

    func testTasksDecodeAsJSONDecoderDecodesThem() throws {
        let data = Data(Self.tasksText.utf8)
        let expected = try JSONDecoder().decode([MhvTask].self, from: data)
        XCTAssertNotNil(FastJSON.read(data, MhvTask.readArray), "the fast reader takes every documented shape")
        XCTAssertEqual(try MhvJSON.decode(tasks: data), expected)
        XCTAssertEqual(expected[0].title, "fix \"auth\" / login\né😀 café")
        XCTAssertEqual(expected[1].tags, [])
    }

    func testWhatTheFastReaderRefusesGetsFoundationsAnswer() throws {
        let refused = [
            #"[{"id": "a", "number": 1.5, "title": "t", "status": "s", "created_at": "c", "updated_at": "u"}]"#,
            #"[{"id": "a", "number": 1, "title": "\ud800", "status": "s", "created_at": "c", "updated_at": "u"}]"#,
            #"[{"id": null, "number": 1, "title": "t", "status": "s", "created_at": "c", "updated_at": "u"}]"#,
            #"[{"number": 1, "title": "t", "status": "s", "created_at": "c", "updated_at": "u"}]"#,
            #"[{"id": "a", "number": 1, "title": "t", "status": "s", "created_at": "c", "updated_at": "u"}] x"#,
        ]
        for text in refused {
            let data = Data(text.utf8)
            XCTAssertNil(FastJSON.read(data, MhvTask.readArray), text)
            XCTAssertThrowsError(try JSONDecoder().decode([MhvTask].self, from: data), text)
            XCTAssertThrowsError(try MhvJSON.decode(tasks: data), text)
        }
        // `1.0` is an integer to Foundation too: read, not refused.
        let integral = Data(#"[{"id": "a", "number": 2.0, "title": "t", "status": "s", "created_at": "c", "updated_at": "u"}]"#.utf8)
        XCTAssertEqual(try MhvJSON.decode(tasks: integral).first?.number, 2)
    }

    func testTasksEncodeByteForByteAsJSONEncoderWithSortedKeys() throws {
        var tasks = try JSONDecoder().decode([MhvTask].self, from: Data(Self.tasksText.utf8))
        tasks[1].metadata = ["d": .double(1.5), "e": .double(0.1), "f": .double(1e-7), "g": .double(1e22), "h": .double(-0.5),
                             "i": .double(3), "ctl": "\u{8}\u{c}\r\u{1f}\u{7f} \\ /"]
        tasks[1].description = "a\u{0}b"
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        XCTAssertEqual(
            String(decoding: try MhvJSON.encode(tasks: tasks), as: UTF8.self),
            String(decoding: try encoder.encode(tasks), as: UTF8.self))
        // Read back as Foundation reads its own output (a double 3.0 written `3` comes back an integer).
        XCTAssertEqual(try MhvJSON.decode(tasks: MhvJSON.encode(tasks: tasks)),
                       try JSONDecoder().decode([MhvTask].self, from: encoder.encode(tasks)))
    }

    func testEventsAndEnvelopes() throws {
        let line = Data(
            #"{"jsonrpc": "2.0", "method": "event", "params": {"seq": 7, "kind": "task.updated", "task_id": "a1", "txn": "t", "at": "2026-11-24T09:05:00+00:00", "actor": "rpc:x", "before": null, "after": {"id": "a1", "number": 1, "title": "x", "status": "pending", "created_at": "c", "updated_at": "u"}}}"#
                .utf8)
        let fast = try XCTUnwrap(FastJSON.envelope(line))
        let slow = try JSONDecoder().decode(RPCClient.Envelope.self, from: line)
        XCTAssertEqual(fast.method, slow.method)
        XCTAssertEqual(fast.params, slow.params)
        XCTAssertNil(fast.id)
        XCTAssertNil(FastJSON.envelope(Data(#"{"id": null, "params": null, "method": "m"}"#.utf8))?.id)
        let event = try XCTUnwrap(fast.params).decode(MhvEvent.self)
        XCTAssertEqual(event, try JSONDecoder().decode(MhvEvent.self, from: JSONEncoder().encode(fast.params!)))
        XCTAssertEqual(event.taskAfter?.number, 1)
        XCTAssertNil(event.taskBefore)

        let answer = Data(#"{"jsonrpc": "2.0", "result": [{"id": "a", "number": 1, "title": "t", "status": "s", "created_at": "c", "updated_at": "u"}], "id": 4}"#.utf8)
        XCTAssertEqual(FastJSON.envelope(answer)?.id, .int(4))
        XCTAssertEqual(try RPCClient.decodeResult(answer, method: "tasks.list", as: [MhvTask].self).map(\.number), [1])
    }

    private func tempDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("mhvkit-fast-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        return url
    }

    func testCacheFileIsWhatJSONEncoderWritesAndReadsBack() throws {
        let tasks = try JSONDecoder().decode([MhvTask].self, from: Data(Self.tasksText.utf8))
        var snapshot = CacheSnapshot()
        snapshot.tasks = tasks
        snapshot.lastSeq = 41
        snapshot.refreshedAt = "2026-11-24T09:00:00.000000+00:00"
        let write = QueuedWrite(id: "w1", action: .update(number: 1, text: "tasks"), baseUpdatedAt: "u", queuedAt: "q")
        snapshot.queue = [write]
        // A task inside a conflict whose metadata holds `"tasks":[]`: the splice must not land there.
        snapshot.conflicts = [WriteConflict(write: write, reason: "r", serverTask: tasks[0], mhvCode: "MHV-103", detectedAt: "d")]
        snapshot.posted = ["overdue:a1": "2026-12-10"]
        let cache = OfflineCache(directory: try tempDirectory())
        try cache.save(snapshot)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        XCTAssertEqual(try Data(contentsOf: cache.fileURL), try encoder.encode(snapshot))
        XCTAssertEqual(try cache.load(), snapshot)
        XCTAssertEqual(try OfflineCache(directory: cache.directory).load(), snapshot, "read from the file, not memory")
    }

    func testACacheSeesAnotherWritersChange() throws {
        let directory = try tempDirectory()
        let mine = OfflineCache(directory: directory)
        let theirs = OfflineCache(directory: directory)  // another process, as far as the file goes
        try mine.update { $0.lastSeq = 1 }
        XCTAssertEqual(try mine.load().lastSeq, 1)
        try theirs.update { $0.lastSeq = 2 }
        XCTAssertEqual(try mine.load().lastSeq, 2)
        try mine.update { $0.lastSeq = ($0.lastSeq ?? 0) + 1 }
        XCTAssertEqual(try theirs.load().lastSeq, 3)
    }

    func testLedgerHasItsOwnFileAndReadsAnOlderCachesLedger() throws {
        let directory = try tempDirectory()
        let cache = OfflineCache(directory: directory)
        try cache.update { $0.posted = ["unblocked:t1": "txn-1"] }  // a cache written before posted.json
        XCTAssertEqual(try cache.loadPosted(), ["unblocked:t1": "txn-1"])
        try cache.savePosted(["unblocked:t2": "txn-2"])
        XCTAssertEqual(try OfflineCache(directory: directory).loadPosted(), ["unblocked:t2": "txn-2"])
        XCTAssertTrue(FileManager.default.fileExists(atPath: cache.ledgerURL.path))
    }

    func testWriteBehindAppliesEveryEventInOrderOnFlush() throws {
        let cache = OfflineCache(directory: try tempDirectory())
        try cache.update { $0.refresh(tasks: [MhvTask(id: "a", number: 1, title: "old", createdAt: "c", updatedAt: "u0")], at: Date(timeIntervalSince1970: 0)) }
        let writer = CacheWriteBehind(cache: cache, quiet: 3600, maxDelay: 3600)
        for (seq, title) in [(5, "one"), (6, "two"), (7, "three")] {
            let after = try JSONValue.from(MhvTask(id: "a", number: 1, title: title, createdAt: "c", updatedAt: "u\(seq)"))
            writer.add(MhvEvent(seq: seq, kind: "task.updated", taskId: "a", at: "2026-11-24T09:00:00+00:00", after: after))
        }
        XCTAssertEqual(writer.waiting, 3)
        XCTAssertNil(try cache.load().lastSeq, "nothing written before the feed is quiet")
        try writer.flush()
        XCTAssertEqual(writer.waiting, 0)
        let snapshot = try OfflineCache(directory: cache.directory).load()
        XCTAssertEqual(snapshot.lastSeq, 7)
        XCTAssertEqual(snapshot.tasks.map(\.title), ["three"])
    }

    func testISODateArithmeticMatchesCalendar() throws {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let cases = [
            "2026-12-04T21:16:42.983292+00:00", "2026-12-10T00:00:00+00:00", "2024-02-29T12:00:00Z", "2026-02-31",
            "1999-12-31T23:59:59.5-05:30", "2000-03-01T00:00+0100", "2026-11-24 09:00", "1970-01-01T00:00:00Z",
            "1969-12-31T23:59:59Z", "2100-03-01T00:00:00+14:00",
        ]
        for text in cases {
            let date = try XCTUnwrap(ISODate.parse(text), text)
            let parts = text.prefix(10).split(separator: "-").map { Int($0)! }
            let midnight = calendar.date(from: DateComponents(year: parts[0], month: parts[1], day: parts[2]))!
            let sinceMidnight = date.timeIntervalSince(midnight)
            XCTAssertTrue(sinceMidnight > -15 * 3600 && sinceMidnight < 39 * 3600, text)
        }
        XCTAssertEqual(ISODate.parse("2026-02-31"), calendar.date(from: DateComponents(year: 2026, month: 3, day: 3)))
        XCTAssertEqual(
            ISODate.parse("1999-12-31T23:59:59.5-05:30")?.timeIntervalSince1970,
            calendar.date(from: DateComponents(year: 2000, month: 1, day: 1, hour: 5, minute: 29, second: 59))!
                .timeIntervalSince1970 + 0.5)
        for bad in ["2026-13-01", "2026-12-04T25:00", "2026-12-04X", "2026-1-04", "2026-12-04T10:00+"] {
            XCTAssertNil(ISODate.parse(bad), bad)
        }
        // Every day of four years and a few odd instants: formatted as Calendar reads them, and back.
        var day = calendar.date(from: DateComponents(year: 2023, month: 12, day: 30, hour: 23, minute: 59, second: 58))!
        for _ in 0..<(4 * 366) {
            let text = ISODate.format(day.addingTimeInterval(0.123456))
            let p = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: day)
            let expected = "\(p.year!)-\(two(p.month!))-\(two(p.day!))T\(two(p.hour!)):\(two(p.minute!)):\(two(p.second!)).123456+00:00"
            XCTAssertEqual(text, expected)
            XCTAssertEqual(ISODate.parse(text)!.timeIntervalSince1970, day.timeIntervalSince1970 + 0.123456, accuracy: 1e-6)
            day = day.addingTimeInterval(86_400 + 3_661)
        }
        XCTAssertEqual(ISODate.format(Date(timeIntervalSince1970: -1)), "1969-12-31T23:59:59.000000+00:00")
    }

    private func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
}
