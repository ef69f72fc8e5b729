import Foundation

/// Where mhv's state lives, the same rules as the Python side (`mhv/paths.py`): `MHV_HOME` moves
/// everything under one folder; otherwise the platform data folder (`~/Library/Application Support/mhv`
/// on macOS, `$XDG_DATA_HOME/mhv` or `~/.local/share/mhv` on Linux).
public struct MhvPaths: Sendable, Equatable {
    /// The server's JSON-RPC socket: `$MHV_HOME/run/mhv.sock` or `<data folder>/run/mhv.sock`.
    public var socketPath: String
    /// The companion's own folder (offline cache, notification ledger): `<data folder>/companion`.
    public var companionDirectory: URL

    public init(socketPath: String, companionDirectory: URL) {
        self.socketPath = socketPath
        self.companionDirectory = companionDirectory
    }

    public static func resolve(environment: [String: String] = ProcessInfo.processInfo.environment) -> MhvPaths {
        let data: URL
        let run: URL
        if let home = environment["MHV_HOME"], !home.isEmpty {
            let base = URL(fileURLWithPath: (home as NSString).expandingTildeInPath, isDirectory: true)
            data = base.appendingPathComponent("data", isDirectory: true)
            run = base.appendingPathComponent("run", isDirectory: true)
        } else {
            data = platformDataDirectory(environment: environment)
            run = data.appendingPathComponent("run", isDirectory: true)
        }
        let socket = environment["MHV_SOCKET"].flatMap { $0.isEmpty ? nil : $0 }
            ?? run.appendingPathComponent("mhv.sock").path
        return MhvPaths(socketPath: socket, companionDirectory: data.appendingPathComponent("companion", isDirectory: true))
    }

    static func platformDataDirectory(environment: [String: String]) -> URL {
        let userHome = environment["HOME"].map { URL(fileURLWithPath: $0, isDirectory: true) }
            ?? FileManager.default.homeDirectoryForCurrentUser
        #if os(macOS)
            return userHome.appendingPathComponent("Library/Application Support/mhv", isDirectory: true)
        #else
            if let xdg = environment["XDG_DATA_HOME"], xdg.hasPrefix("/") {
                return URL(fileURLWithPath: xdg, isDirectory: true).appendingPathComponent("mhv", isDirectory: true)
            }
            return userHome.appendingPathComponent(".local/share/mhv", isDirectory: true)
        #endif
    }
}

/// The injected clock: logic asks it for "now" instead of reading the system time.
public protocol NowProvider: Sendable {
    func now() -> Date
}

public struct SystemNow: NowProvider {
    public init() {}
    public func now() -> Date { Date() }
}

/// A clock that says what it is told (tests, `MHV_COMPANION_NOW`).
public final class FixedNow: NowProvider, @unchecked Sendable {
    private let lock = NSLock()
    private var current: Date

    public init(_ date: Date) { current = date }

    public func now() -> Date {
        lock.lock()
        defer { lock.unlock() }
        return current
    }

    public func set(_ date: Date) {
        lock.lock()
        current = date
        lock.unlock()
    }

    public func advance(by seconds: TimeInterval) {
        lock.lock()
        current = current.addingTimeInterval(seconds)
        lock.unlock()
    }
}
