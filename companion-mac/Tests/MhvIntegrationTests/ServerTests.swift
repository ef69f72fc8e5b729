import Foundation
import XCTest

@testable import MhvKit

/// Talks to a real server when MHV_TEST_SOCKET names its socket (tests/integration/test_companion.py
/// will start one); skipped otherwise.
final class ServerTests: XCTestCase {
    func testPingAgainstRealServer() async throws {
        guard let socket = ProcessInfo.processInfo.environment["MHV_TEST_SOCKET"] else {
            throw XCTSkip("MHV_TEST_SOCKET is not set")
        }
        let client = RPCClient(socketPath: socket)
        try await client.connect()
        try await client.hello()
        let pong = try await client.ping()
        XCTAssertEqual(pong, "pong")
        await client.close()
    }
}
