import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// A connected `AF_UNIX` stream socket, through plain POSIX calls (no outside packages).
/// `write` is safe from any thread; one reader thread calls `read`. `shutdown()` wakes a blocked reader.
public final class UnixSocket: @unchecked Sendable {
    private let lock = NSLock()
    private var fd: Int32
    private var isShutDown = false

    init(fd: Int32) {
        self.fd = fd
    }

    deinit {
        if fd >= 0 { _ = systemClose(fd) }
    }

    /// Connects to the socket at `path`; `MhvKitError.serverUnavailable` when nothing listens there.
    public static func connect(path: String) throws -> UnixSocket {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        let bytes = Array(path.utf8)
        guard bytes.count < capacity else {
            throw MhvKitError.local("the socket path is \(bytes.count) bytes, over the system's \(capacity - 1): \(path)")
        }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: bytes)
            raw[bytes.count] = 0
        }
        #if os(Linux)
            let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        #else
            let fd = socket(AF_UNIX, SOCK_STREAM, 0)
        #endif
        guard fd >= 0 else { throw MhvKitError.local("socket(): \(errnoText())") }
        #if canImport(Darwin)
            var one: Int32 = 1
            setsockopt(fd, SOL_SOCKET, SO_NOSIGPIPE, &one, socklen_t(MemoryLayout<Int32>.size))
        #endif
        let result = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                systemConnect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        if result != 0 {
            let reason = errnoText()
            _ = systemClose(fd)
            throw MhvKitError.serverUnavailable(socketPath: path, reason: reason)
        }
        return UnixSocket(fd: fd)
    }

    /// A connected pair (for tests of framing over a real socket).
    public static func pair() throws -> (UnixSocket, UnixSocket) {
        var fds: [Int32] = [0, 0]
        #if os(Linux)
            let kind = Int32(SOCK_STREAM.rawValue)
        #else
            let kind = SOCK_STREAM
        #endif
        guard socketpair(AF_UNIX, kind, 0, &fds) == 0 else { throw MhvKitError.local("socketpair(): \(errnoText())") }
        return (UnixSocket(fd: fds[0]), UnixSocket(fd: fds[1]))
    }

    /// Writes all of `data` (looping over short writes). Thread-safe: one whole line at a time.
    public func write(_ data: Data) throws {
        lock.lock()
        defer { lock.unlock() }
        guard !isShutDown, fd >= 0 else { throw MhvKitError.connectionClosed }
        try data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
            guard let base = raw.baseAddress else { return }
            var offset = 0
            while offset < raw.count {
                #if os(Linux)
                    let sent = send(fd, base + offset, raw.count - offset, Int32(MSG_NOSIGNAL))
                #else
                    let sent = send(fd, base + offset, raw.count - offset, 0)
                #endif
                if sent < 0 {
                    if errno == EINTR { continue }
                    throw MhvKitError.connectionClosed
                }
                offset += sent
            }
        }
    }

    /// Blocks until bytes arrive; `nil` at end of stream (or after `shutdown()`).
    public func read(maxBytes: Int = 64 * 1024) -> [UInt8]? {
        var buffer = [UInt8](repeating: 0, count: maxBytes)
        while true {
            let count = buffer.withUnsafeMutableBytes { raw in recv(fd, raw.baseAddress, maxBytes, 0) }
            if count > 0 { return Array(buffer[0..<count]) }
            if count < 0, errno == EINTR { continue }
            return nil
        }
    }

    /// Ends both directions: a blocked `read` returns `nil`, later writes fail.
    public func shutdown() {
        lock.lock()
        defer { lock.unlock() }
        guard !isShutDown else { return }
        isShutDown = true
        #if os(Linux)
            _ = systemShutdown(fd, Int32(SHUT_RDWR))
        #else
            _ = systemShutdown(fd, SHUT_RDWR)
        #endif
    }
}

private func errnoText() -> String { String(cString: strerror(errno)) }

#if canImport(Glibc)
    private let systemConnect = Glibc.connect
    private let systemClose = Glibc.close
    private let systemShutdown = Glibc.shutdown
#elseif canImport(Musl)
    private let systemConnect = Musl.connect
    private let systemClose = Musl.close
    private let systemShutdown = Musl.shutdown
#elseif canImport(Darwin)
    private let systemConnect = Darwin.connect
    private let systemClose = Darwin.close
    private let systemShutdown = Darwin.shutdown
#endif
