import Foundation

/// JSON read and written byte by byte for the companion's bulk shapes: a `tasks.list` page, the
/// offline cache, `list --json`, an event. Foundation's `JSONDecoder`/`JSONEncoder` on Linux spent
/// about 0.25 s on each pass over 10,000 tasks (7.5 MB); this reads and writes the same values in a
/// few tens of milliseconds. It follows those coders exactly (tests compare both on every shape):
/// what it does not expect (a wrong type, a lone surrogate, invalid UTF-8, a non-finite number) makes
/// it give up, and the caller falls back on Foundation, which then answers or throws as before.
enum FastJSON {
    struct Unexpected: Error {}

    // MARK: reading

    /// A cursor over the bytes of one JSON text.
    struct Reader {
        let bytes: UnsafeBufferPointer<UInt8>
        var index = 0

        init(_ bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

        mutating func skipSpace() {
            while index < bytes.count {
                switch bytes[index] {
                case 0x20, 0x0A, 0x0D, 0x09: index += 1
                default: return
                }
            }
        }

        /// The next byte that is not white space (not consumed).
        mutating func peek() throws -> UInt8 {
            skipSpace()
            guard index < bytes.count else { throw Unexpected() }
            return bytes[index]
        }

        mutating func expect(_ byte: UInt8) throws {
            guard try peek() == byte else { throw Unexpected() }
            index += 1
        }

        /// Consumes `byte` if it comes next.
        mutating func take(_ byte: UInt8) throws -> Bool {
            if try peek() == byte {
                index += 1
                return true
            }
            return false
        }

        /// Consumes `null` if it comes next.
        mutating func takeNull() throws -> Bool {
            guard try peek() == 0x6E else { return false }
            try word("null")
            return true
        }

        mutating func word(_ text: StaticString) throws {
            let count = text.utf8CodeUnitCount
            guard index + count <= bytes.count else { throw Unexpected() }
            let start = text.utf8Start
            for offset in 0..<count where bytes[index + offset] != start[offset] { throw Unexpected() }
            index += count
        }

        /// Iterates the members of an object: `body` reads each value (it must consume it).
        mutating func object(_ body: (inout Reader, String) throws -> Void) throws {
            try expect(0x7B)
            if try take(0x7D) { return }
            while true {
                let key = try string()
                try expect(0x3A)
                try body(&self, key)
                if try take(0x2C) { continue }
                try expect(0x7D)
                return
            }
        }

        /// Iterates the elements of an array: `body` reads each one.
        mutating func array(_ body: (inout Reader) throws -> Void) throws {
            try expect(0x5B)
            if try take(0x5D) { return }
            while true {
                try body(&self)
                if try take(0x2C) { continue }
                try expect(0x5D)
                return
            }
        }

        mutating func string() throws -> String {
            try expect(0x22)
            let start = index
            while index < bytes.count {
                let byte = bytes[index]
                if byte == 0x22 {
                    let text = try Self.text(UnsafeBufferPointer(rebasing: bytes[start..<index]))
                    index += 1
                    return text
                }
                if byte == 0x5C { return try escapedString(from: start) }
                if byte < 0x20 { throw Unexpected() }
                index += 1
            }
            throw Unexpected()
        }

        private static func text(_ raw: UnsafeBufferPointer<UInt8>) throws -> String {
            // Pure ASCII (what the server sends) needs no validation.
            var ascii = true
            for byte in raw where byte >= 0x80 {
                ascii = false
                break
            }
            if ascii { return String(decoding: raw, as: UTF8.self) }
            guard let text = String(validating: raw, as: UTF8.self) else { throw Unexpected() }
            return text
        }

        private mutating func escapedString(from start: Int) throws -> String {
            var out = [UInt8](UnsafeBufferPointer(rebasing: bytes[start..<index]))
            while index < bytes.count {
                let byte = bytes[index]
                index += 1
                switch byte {
                case 0x22:
                    return try out.withUnsafeBufferPointer { try Self.text($0) }
                case 0x5C:
                    guard index < bytes.count else { throw Unexpected() }
                    let escape = bytes[index]
                    index += 1
                    switch escape {
                    case 0x22, 0x5C, 0x2F: out.append(escape)
                    case 0x62: out.append(0x08)
                    case 0x66: out.append(0x0C)
                    case 0x6E: out.append(0x0A)
                    case 0x72: out.append(0x0D)
                    case 0x74: out.append(0x09)
                    case 0x75:
                        var scalar = try hex4()
                        if (0xD800..<0xDC00).contains(scalar) {
                            guard index + 1 < bytes.count, bytes[index] == 0x5C, bytes[index + 1] == 0x75 else {
                                throw Unexpected()
                            }
                            index += 2
                            let low = try hex4()
                            guard (0xDC00..<0xE000).contains(low) else { throw Unexpected() }
                            scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                        } else if (0xDC00..<0xE000).contains(scalar) {
                            throw Unexpected()
                        }
                        guard let unicode = Unicode.Scalar(scalar) else { throw Unexpected() }
                        out.append(contentsOf: UTF8.encode(unicode)!)
                    default: throw Unexpected()
                    }
                default:
                    if byte < 0x20 { throw Unexpected() }
                    out.append(byte)
                }
            }
            throw Unexpected()
        }

        private mutating func hex4() throws -> UInt32 {
            guard index + 4 <= bytes.count else { throw Unexpected() }
            var value: UInt32 = 0
            for _ in 0..<4 {
                let byte = bytes[index]
                let digit: UInt32
                switch byte {
                case 0x30...0x39: digit = UInt32(byte - 0x30)
                case 0x41...0x46: digit = UInt32(byte - 0x41 + 10)
                case 0x61...0x66: digit = UInt32(byte - 0x61 + 10)
                default: throw Unexpected()
                }
                value = value << 4 | digit
                index += 1
            }
            return value
        }

        /// A number as `JSONValue` decodes one: an integer when it is exactly one (`1.0`, `1e2`), else a double.
        mutating func number() throws -> JSONValue {
            skipSpace()
            let start = index
            var negative = false
            if index < bytes.count, bytes[index] == 0x2D {
                negative = true
                index += 1
            }
            var value = 0
            var overflow = false
            let digitsStart = index
            while index < bytes.count, (0x30...0x39).contains(bytes[index]) {
                let digit = Int(bytes[index] - 0x30)
                let (times, o1) = value.multipliedReportingOverflow(by: 10)
                let (sum, o2) = negative ? times.subtractingReportingOverflow(digit) : times.addingReportingOverflow(digit)
                overflow = overflow || o1 || o2
                value = sum
                index += 1
            }
            guard index > digitsStart else { throw Unexpected() }
            if bytes[digitsStart] == 0x30, index - digitsStart > 1 { throw Unexpected() }  // no leading zeros
            var simple = true
            if index < bytes.count, bytes[index] == 0x2E {
                simple = false
                index += 1
                let fraction = index
                while index < bytes.count, (0x30...0x39).contains(bytes[index]) { index += 1 }
                guard index > fraction else { throw Unexpected() }
            }
            if index < bytes.count, bytes[index] == 0x65 || bytes[index] == 0x45 {
                simple = false
                index += 1
                if index < bytes.count, bytes[index] == 0x2B || bytes[index] == 0x2D { index += 1 }
                let exponent = index
                while index < bytes.count, (0x30...0x39).contains(bytes[index]) { index += 1 }
                guard index > exponent else { throw Unexpected() }
            }
            if simple, !overflow { return .int(value) }
            let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
            guard let double = Double(text), double.isFinite else { throw Unexpected() }
            if double == double.rounded(), double >= -9.2e18, double <= 9.2e18 { return .int(Int(double)) }
            return .double(double)
        }

        mutating func int() throws -> Int {
            guard case .int(let value) = try number() else { throw Unexpected() }
            return value
        }

        mutating func bool() throws -> Bool {
            switch try peek() {
            case 0x74: try word("true"); return true
            case 0x66: try word("false"); return false
            default: throw Unexpected()
            }
        }

        mutating func optionalString() throws -> String? { try takeNull() ? nil : string() }
        mutating func optionalInt() throws -> Int? { try takeNull() ? nil : int() }

        mutating func value() throws -> JSONValue {
            switch try peek() {
            case 0x22: return .string(try string())
            case 0x7B:
                var members = [String: JSONValue]()
                try object { reader, key in members[key] = try reader.value() }
                return .object(members)
            case 0x5B:
                var elements = [JSONValue]()
                try array { reader in elements.append(try reader.value()) }
                return .array(elements)
            case 0x74, 0x66: return .bool(try bool())
            case 0x6E: try word("null"); return .null
            default: return try number()
            }
        }

        /// Steps over one value without building it; returns where it began and ended.
        @discardableResult
        mutating func skipValue() throws -> Range<Int> {
            skipSpace()
            let start = index
            switch try peek() {
            case 0x22:
                index += 1
                while index < bytes.count {
                    let byte = bytes[index]
                    index += 1
                    if byte == 0x22 { return start..<index }
                    if byte == 0x5C { index += 1 }
                }
                throw Unexpected()
            case 0x7B, 0x5B:
                var depth = 0
                while index < bytes.count {
                    let byte = bytes[index]
                    index += 1
                    switch byte {
                    case 0x7B, 0x5B: depth += 1
                    case 0x7D, 0x5D:
                        depth -= 1
                        if depth == 0 { return start..<index }
                    case 0x22:
                        while index < bytes.count {
                            let inner = bytes[index]
                            index += 1
                            if inner == 0x22 { break }
                            if inner == 0x5C { index += 1 }
                        }
                    default: break
                    }
                }
                throw Unexpected()
            default:
                _ = try value()
                return start..<index
            }
        }

        /// True when only white space is left.
        mutating func atEnd() -> Bool {
            skipSpace()
            return index == bytes.count
        }
    }

    /// Runs `body` over `data`'s bytes; nil when it gives up (the caller then asks Foundation).
    static func read<T>(_ data: Data, _ body: (inout Reader) throws -> T) -> T? {
        data.withUnsafeBytes { raw -> T? in
            var reader = Reader(raw.bindMemory(to: UInt8.self))
            guard let value = try? body(&reader), reader.atEnd() else { return nil }
            return value
        }
    }

    // MARK: writing

    /// Appends JSON exactly as `JSONEncoder` with `.sortedKeys` writes it (`/` escaped as `\/`).
    struct Writer {
        var bytes = [UInt8]()

        init(capacity: Int = 0) { bytes.reserveCapacity(capacity) }

        mutating func raw(_ text: StaticString) {
            bytes.append(contentsOf: UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
        }

        mutating func string(_ text: String) {
            bytes.append(0x22)
            var text = text
            text.withUTF8 { utf8 in
                var clean = utf8.startIndex
                for (offset, byte) in utf8.enumerated() {
                    let escape: UInt8?
                    switch byte {
                    case 0x22: escape = 0x22
                    case 0x5C: escape = 0x5C
                    case 0x2F: escape = 0x2F
                    case 0x08: escape = 0x62
                    case 0x0C: escape = 0x66
                    case 0x0A: escape = 0x6E
                    case 0x0D: escape = 0x72
                    case 0x09: escape = 0x74
                    case 0..<0x20: escape = 0x75
                    default: continue
                    }
                    bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[clean..<offset]))
                    bytes.append(0x5C)
                    bytes.append(escape!)
                    if escape == 0x75 {
                        let hex: [UInt8] = Array("0123456789abcdef".utf8)
                        bytes.append(contentsOf: [0x30, 0x30, hex[Int(byte >> 4)], hex[Int(byte & 15)]])
                    }
                    clean = offset + 1
                }
                bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[clean..<utf8.endIndex]))
            }
            bytes.append(0x22)
        }

        mutating func int(_ value: Int) { bytes.append(contentsOf: String(value).utf8) }

        mutating func bool(_ value: Bool) { value ? raw("true") : raw("false") }

        mutating func value(_ value: JSONValue) throws {
            switch value {
            case .null: raw("null")
            case .bool(let b): bool(b)
            case .int(let i): int(i)
            case .double(let d):
                guard d.isFinite else { throw Unexpected() }
                var text = d.description
                if text.hasSuffix(".0") { text.removeLast(2) }
                bytes.append(contentsOf: text.utf8)
            case .string(let s): string(s)
            case .array(let elements):
                bytes.append(0x5B)
                for (i, element) in elements.enumerated() {
                    if i > 0 { bytes.append(0x2C) }
                    try self.value(element)
                }
                bytes.append(0x5D)
            case .object(let members):
                bytes.append(0x7B)
                for (i, key) in members.keys.sorted().enumerated() {
                    if i > 0 { bytes.append(0x2C) }
                    string(key)
                    bytes.append(0x3A)
                    try self.value(members[key]!)
                }
                bytes.append(0x7D)
            }
        }

        mutating func ints(_ values: [Int]) {
            bytes.append(0x5B)
            for (i, v) in values.enumerated() {
                if i > 0 { bytes.append(0x2C) }
                int(v)
            }
            bytes.append(0x5D)
        }

        var data: Data { Data(bytes) }
    }
}

// MARK: tasks

extension MhvTask {
    /// Reads one task as `init(from:)` does (unknown members skipped, absent or null ones defaulted).
    static func read(_ r: inout FastJSON.Reader) throws -> MhvTask {
        var id: String?, number: Int?, title: String?, status: String?, createdAt: String?, updatedAt: String?
        var task = MhvTask(id: "", number: 0, title: "", createdAt: "", updatedAt: "")
        try r.object { r, key in
            switch key {
            case "id": id = try r.string()
            case "number": number = try r.int()
            case "title": title = try r.string()
            case "description": task.description = try r.optionalString() ?? ""
            case "status": status = try r.string()
            case "priority": task.priority = try r.optionalString() ?? "medium"
            case "repo": task.repo = try r.optionalString()
            case "tags":
                if try r.takeNull() { task.tags = [] } else {
                    var tags = [String]()
                    try r.array { r in tags.append(try r.string()) }
                    task.tags = tags
                }
            case "due": task.due = try r.optionalString()
            case "due_all_day": task.dueAllDay = try r.takeNull() ? false : r.bool()
            case "scheduled": task.scheduled = try r.optionalString()
            case "estimate_minutes": task.estimateMinutes = try r.optionalInt()
            case "recurrence": task.recurrence = try r.optionalString()
            case "parent_id": task.parentId = try r.optionalString()
            case "assignee": task.assignee = try r.optionalString()
            case "source": task.source = try r.optionalString() ?? "manual"
            case "source_ref": task.sourceRef = try r.optionalString()
            case "source_url": task.sourceUrl = try r.optionalString()
            case "worktree_path": task.worktreePath = try r.optionalString()
            case "branch": task.branch = try r.optionalString()
            case "gate_status": task.gateStatus = try r.optionalString() ?? "unknown"
            case "created_at": createdAt = try r.string()
            case "updated_at": updatedAt = try r.string()
            case "started_at": task.startedAt = try r.optionalString()
            case "completed_at": task.completedAt = try r.optionalString()
            case "metadata": task.metadata = try r.takeNull() ? [:] : r.value()
            case "depends_on": task.dependsOn = try r.takeNull() ? [] : Self.readInts(&r)
            case "blocks": task.blocks = try r.takeNull() ? [] : Self.readInts(&r)
            default: try r.skipValue()
            }
        }
        guard let id, let number, let title, let status, let createdAt, let updatedAt else { throw FastJSON.Unexpected() }
        task.id = id
        task.number = number
        task.title = title
        task.status = status
        task.createdAt = createdAt
        task.updatedAt = updatedAt
        return task
    }

    private static func readInts(_ r: inout FastJSON.Reader) throws -> [Int] {
        var out = [Int]()
        try r.array { r in out.append(try r.int()) }
        return out
    }

    static func readArray(_ r: inout FastJSON.Reader) throws -> [MhvTask] {
        var tasks = [MhvTask]()
        try r.array { r in tasks.append(try MhvTask.read(&r)) }
        return tasks
    }

    /// Writes the task as `JSONEncoder` with `.sortedKeys` does (nil members left out).
    func write(_ w: inout FastJSON.Writer) throws {
        w.raw("{")
        if let assignee { w.raw("\"assignee\":"); w.string(assignee); w.raw(",") }
        w.raw("\"blocks\":"); w.ints(blocks)
        if let branch { w.raw(",\"branch\":"); w.string(branch) }
        if let completedAt { w.raw(",\"completed_at\":"); w.string(completedAt) }
        w.raw(",\"created_at\":"); w.string(createdAt)
        w.raw(",\"depends_on\":"); w.ints(dependsOn)
        w.raw(",\"description\":"); w.string(description)
        if let due { w.raw(",\"due\":"); w.string(due) }
        w.raw(",\"due_all_day\":"); w.bool(dueAllDay)
        if let estimateMinutes { w.raw(",\"estimate_minutes\":"); w.int(estimateMinutes) }
        w.raw(",\"gate_status\":"); w.string(gateStatus)
        w.raw(",\"id\":"); w.string(id)
        w.raw(",\"metadata\":"); try w.value(metadata)
        w.raw(",\"number\":"); w.int(number)
        if let parentId { w.raw(",\"parent_id\":"); w.string(parentId) }
        w.raw(",\"priority\":"); w.string(priority)
        if let recurrence { w.raw(",\"recurrence\":"); w.string(recurrence) }
        if let repo { w.raw(",\"repo\":"); w.string(repo) }
        if let scheduled { w.raw(",\"scheduled\":"); w.string(scheduled) }
        w.raw(",\"source\":"); w.string(source)
        if let sourceRef { w.raw(",\"source_ref\":"); w.string(sourceRef) }
        if let sourceUrl { w.raw(",\"source_url\":"); w.string(sourceUrl) }
        if let startedAt { w.raw(",\"started_at\":"); w.string(startedAt) }
        w.raw(",\"status\":"); w.string(status)
        w.raw(",\"tags\":[")
        for (i, tag) in tags.enumerated() {
            if i > 0 { w.raw(",") }
            w.string(tag)
        }
        w.raw("],\"title\":"); w.string(title)
        w.raw(",\"updated_at\":"); w.string(updatedAt)
        if let worktreePath { w.raw(",\"worktree_path\":"); w.string(worktreePath) }
        w.raw("}")
    }

    static func writeArray(_ tasks: [MhvTask], _ w: inout FastJSON.Writer) throws {
        w.raw("[")
        for (i, task) in tasks.enumerated() {
            if i > 0 { w.raw(",") }
            try task.write(&w)
        }
        w.raw("]")
    }
}

extension MhvEvent {
    static func read(_ r: inout FastJSON.Reader) throws -> MhvEvent {
        var seq: Int?, kind: String?, at: String?
        var event = MhvEvent(seq: 0, kind: "", taskId: nil, at: "")
        try r.object { r, key in
            switch key {
            case "seq": seq = try r.int()
            case "kind": kind = try r.string()
            case "task_id": event.taskId = try r.optionalString()
            case "txn": event.txn = try r.optionalString() ?? ""
            case "at": at = try r.string()
            case "actor": event.actor = try r.optionalString() ?? ""
            case "before": event.before = try r.takeNull() ? JSONValue?.none : r.value()
            case "after": event.after = try r.takeNull() ? JSONValue?.none : r.value()
            default: try r.skipValue()
            }
        }
        guard let seq, let kind, let at else { throw FastJSON.Unexpected() }
        event.seq = seq
        event.kind = kind
        event.at = at
        return event
    }
}

extension FastJSON {
    /// `[MhvTask]` from a JSON array, as `JSONDecoder` would decode it.
    static func decodeTasks(_ data: Data) throws -> [MhvTask] {
        if let tasks = read(data, MhvTask.readArray) { return tasks }
        return try JSONDecoder().decode([MhvTask].self, from: data)
    }

    /// `tasks` as `JSONEncoder` with `.sortedKeys` encodes them.
    static func encodeTasks(_ tasks: [MhvTask]) throws -> Data {
        var writer = Writer(capacity: tasks.count * 512)
        do {
            try MhvTask.writeArray(tasks, &writer)
            return writer.data
        } catch {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            return try encoder.encode(tasks)
        }
    }

    /// A `JSONValue` as `T`, without Foundation's coders for the shapes read here.
    static func decode<T: Decodable>(_ value: JSONValue, as type: T.Type) throws -> T {
        if T.self == MhvTask.self || T.self == MhvEvent.self {
            var writer = Writer()
            if (try? writer.value(value)) != nil {
                let data = writer.data
                if T.self == MhvTask.self, let task = read(data, MhvTask.read) { return task as! T }
                if T.self == MhvEvent.self, let event = read(data, MhvEvent.read) { return event as! T }
            }
        }
        return try JSONDecoder().decode(type, from: JSONEncoder().encode(value))
    }

    /// The members of a top-level object: each key with its value's byte range (values not decoded).
    static func members(_ data: Data) -> [String: Range<Int>]? {
        read(data) { r -> [String: Range<Int>] in
            var out = [String: Range<Int>]()
            try r.object { r, key in out[key] = try r.skipValue() }
            return out
        }
    }
}

extension FastJSON {
    /// The bytes of `range` (offsets from the first byte) as their own `Data`.
    static func slice(_ data: Data, _ range: Range<Int>) -> Data {
        data.withUnsafeBytes { raw in Data(raw[range]) }
    }

    /// A JSON-RPC message's `id`, `method` and `params` (its `result` stepped over, not decoded).
    static func envelope(_ line: Data) -> RPCClient.Envelope? {
        read(line) { r -> RPCClient.Envelope in
            var id: JSONValue?
            var method: String?
            var params: JSONValue?
            try r.object { r, key in
                switch key {
                case "id": id = try r.takeNull() ? JSONValue?.none : r.value()
                case "method": method = try r.takeNull() ? nil : r.string()
                case "params": params = try r.takeNull() ? JSONValue?.none : r.value()
                default: try r.skipValue()
                }
            }
            return RPCClient.Envelope(id: id, method: method, params: params)
        }
    }
}

/// The companion's JSON for task lists, through the fast coders (`mhv-companion list --json`).
public enum MhvJSON {
    /// `tasks` exactly as `JSONEncoder` with `.sortedKeys` writes them.
    public static func encode(tasks: [MhvTask]) throws -> Data { try FastJSON.encodeTasks(tasks) }

    /// A JSON array of tasks, as `JSONDecoder` reads it.
    public static func decode(tasks data: Data) throws -> [MhvTask] { try FastJSON.decodeTasks(data) }
}

// MARK: the offline cache

extension FastJSON {
    /// The cache file as `JSONDecoder` reads it: the task list by hand, the rest (small) by Foundation.
    static func decodeSnapshot(_ data: Data) throws -> CacheSnapshot {
        if let members = members(data), let range = members["tasks"],
            let tasks = read(slice(data, range), MhvTask.readArray)
        {
            var rest = slice(data, 0..<range.lowerBound)
            rest.append(contentsOf: [0x5B, 0x5D])
            rest.append(slice(data, range.upperBound..<data.count))
            var snapshot = try JSONDecoder().decode(CacheSnapshot.self, from: rest)
            snapshot.tasks = tasks
            return snapshot
        }
        return try JSONDecoder().decode(CacheSnapshot.self, from: data)
    }

    /// The cache file as `JSONEncoder` with `.sortedKeys` writes it (byte for byte): Foundation writes
    /// everything but the tasks, which are spliced in where its empty list ends the object.
    static func encodeSnapshot(_ snapshot: CacheSnapshot) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        var rest = snapshot
        rest.tasks = []
        let head = try encoder.encode(rest)
        let tail = Array(",\"version\":\(snapshot.version)}".utf8)
        let marker = Array("\"tasks\":[]".utf8) + tail
        guard head.count >= marker.count, head.suffix(marker.count).elementsEqual(marker) else {
            return try encoder.encode(snapshot)
        }
        var writer = Writer(capacity: head.count + snapshot.tasks.count * 512)
        writer.bytes.append(contentsOf: head.prefix(head.count - marker.count))
        writer.raw("\"tasks\":")
        do {
            try MhvTask.writeArray(snapshot.tasks, &writer)
        } catch {
            return try encoder.encode(snapshot)
        }
        writer.bytes.append(contentsOf: tail)
        return writer.data
    }
}
