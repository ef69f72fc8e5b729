import Foundation

/// Newline-delimited JSON framing: bytes in (any split: partial reads, several lines per read), whole
/// lines out. A line longer than `maxLineBytes` is refused rather than buffered without bound.
public struct LineFramer: Sendable {
    public let maxLineBytes: Int
    private var buffer = [UInt8]()
    /// Where the newline search resumes (bytes before it are known to hold no newline).
    private var scanned = 0

    public init(maxLineBytes: Int = 64 * 1024 * 1024) {
        self.maxLineBytes = maxLineBytes
    }

    public var bufferedBytes: Int { buffer.count }

    /// Appends `bytes` and returns every line now complete (without the `\n`; a `\r` before it is dropped;
    /// blank lines are skipped).
    public mutating func push<Bytes: Sequence>(_ bytes: Bytes) throws -> [Data] where Bytes.Element == UInt8 {
        buffer.append(contentsOf: bytes)
        var lines = [Data]()
        var start = 0
        var index = scanned
        while index < buffer.count {
            if buffer[index] == 10 {
                var end = index
                if end > start, buffer[end - 1] == 13 { end -= 1 }
                if end > start { lines.append(Data(buffer[start..<end])) }
                start = index + 1
            }
            index += 1
        }
        if start > 0 { buffer.removeFirst(start) }
        scanned = buffer.count
        if buffer.count > maxLineBytes {
            buffer.removeAll()
            scanned = 0
            throw MhvKitError.protocolViolation("a line longer than \(maxLineBytes) bytes")
        }
        return lines
    }

    /// One JSON text as a line: encoded compactly (JSON never contains a raw newline) plus `\n`.
    public static func frame(_ data: Data) -> Data {
        var framed = data
        framed.append(10)
        return framed
    }
}
