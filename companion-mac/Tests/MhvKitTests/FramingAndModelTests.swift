import Foundation
import XCTest

@testable import MhvKit

final class FramingTests: XCTestCase {
    func testSplitAndJoinedLines() throws {
        var framer = LineFramer()
        XCTAssertEqual(try framer.push(Array("{\"a\":".utf8)), [])
        let lines = try framer.push(Array("1}\n{\"b\":2}\r\n\n{\"c\"".utf8))
        XCTAssertEqual(lines.map { String(decoding: $0, as: UTF8.self) }, ["{\"a\":1}", "{\"b\":2}"])
        XCTAssertEqual(framer.bufferedBytes, 4)
    }

    func testHugeLineWithinCapAndOverCap() throws {
        var framer = LineFramer(maxLineBytes: 1_000_000)
        let big = [UInt8](repeating: 65, count: 900_000)
        for chunk in stride(from: 0, to: big.count, by: 65_536) {
            XCTAssertEqual(try framer.push(big[chunk..<min(chunk + 65_536, big.count)]), [])
        }
        XCTAssertEqual(try framer.push([10]).first?.count, 900_000)
        XCTAssertThrowsError(try framer.push([UInt8](repeating: 66, count: 1_000_001)))
    }

    func testServerErrorMappedWithCodeAndHint() throws {
        let line = Data(
            #"{"jsonrpc": "2.0", "id": 7, "error": {"code": -32000, "message": "no task #999", "data": {"code": "MHV-101", "hint": "list tasks"}}}"#
                .utf8)
        XCTAssertThrowsError(try RPCClient.decodeResult(line, method: "tasks.get", as: MhvTask.self)) { error in
            XCTAssertEqual(
                error as? MhvKitError, .server(rpcCode: -32000, message: "no task #999", mhvCode: "MHV-101", hint: "list tasks"))
        }
    }

    func testTaskJSONAsMhvShowPrintsIt() throws {
        let json = #"{"id": "bf62", "number": 2, "title": "second task", "description": "", "status": "blocked", "priority": "medium", "repo": null, "tags": [], "due": "2026-12-05T17:00:00+00:00", "due_all_day": false, "scheduled": null, "estimate_minutes": 120, "recurrence": null, "parent_id": null, "assignee": null, "source": "manual", "source_ref": null, "source_url": null, "worktree_path": null, "branch": null, "gate_status": "unknown", "created_at": "2026-12-04T21:16:42.983292+00:00", "updated_at": "2026-12-04T21:16:42.983292+00:00", "started_at": null, "completed_at": null, "metadata": {}, "depends_on": [1], "blocks": []}"#
        let task = try JSONDecoder().decode(MhvTask.self, from: Data(json.utf8))
        XCTAssertEqual(task.number, 2)
        XCTAssertEqual(task.dependsOn, [1])
        XCTAssertEqual(task.dueDate, ISODate.parse("2026-12-05T17:00:00Z"))
        XCTAssertEqual(ISODate.parse(task.updatedAt)!.timeIntervalSince1970, 1_796_419_002.983292, accuracy: 0.000_01)
    }

    func testCacheAppliesEventsOnceAndKeepsDependencies() throws {
        var snapshot = CacheSnapshot()
        let task = MhvTask(id: "a", number: 1, title: "a", createdAt: "2026-12-04T09:00:00+00:00", updatedAt: "2026-12-04T09:00:00+00:00", blocks: [2])
        snapshot.upsert(task)
        var after = task
        after.status = "completed"
        after.blocks = []
        let event = MhvEvent(seq: 5, kind: "task.completed", taskId: "a", at: "2026-12-04T10:00:00+00:00", after: try JSONValue.from(after))
        snapshot.apply(event)
        XCTAssertEqual(snapshot.task(number: 1)?.status, "completed")
        XCTAssertEqual(snapshot.task(number: 1)?.blocks, [2])
        snapshot.tasks[0].status = "pending"
        snapshot.apply(event)  // a repeat changes nothing
        XCTAssertEqual(snapshot.task(number: 1)?.status, "pending")
        XCTAssertEqual(snapshot.lastSeq, 5)
    }
}
