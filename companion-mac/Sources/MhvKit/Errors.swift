import Foundation

/// Everything MhvKit can fail with. A server error keeps mhv's own code (`MHV-101`) and recovery
/// hint, so the companion shows the same words the CLI would.
public enum MhvKitError: Error, Sendable, Equatable, CustomStringConvertible {
    /// No server listens on the socket (not started, or stopped).
    case serverUnavailable(socketPath: String, reason: String)
    /// The connection closed while a request was waiting for its answer.
    case connectionClosed
    /// No answer within the timeout.
    case timeout(method: String, seconds: Double)
    /// A JSON-RPC error object: `rpcCode` is the spec's (-32602, -32000...), `mhvCode`/`hint` come from `data`.
    case server(rpcCode: Int, message: String, mhvCode: String?, hint: String?)
    /// The peer sent something that is not the protocol (bad JSON, a line over the cap...).
    case protocolViolation(String)
    /// A local problem (cache folder not writable, socket path too long...).
    case local(String)

    public var description: String {
        switch self {
        case .serverUnavailable(let path, let reason):
            return "no mhv server at \(path) (\(reason))"
        case .connectionClosed:
            return "the connection to the mhv server closed"
        case .timeout(let method, let seconds):
            return "no answer to \(method) within \(seconds) s"
        case .server(let rpcCode, let message, let mhvCode, _):
            return "\(mhvCode ?? "JSON-RPC \(rpcCode)"): \(message)"
        case .protocolViolation(let what):
            return "protocol error: \(what)"
        case .local(let what):
            return what
        }
    }

    /// How to recover, in the user's words.
    public var hint: String? {
        switch self {
        case .serverUnavailable:
            return "start it with `mhv serve` (it listens on $MHV_HOME/run/mhv.sock)"
        case .connectionClosed:
            return "the server stopped or restarted; try again"
        case .timeout:
            return "the server is busy or stuck; check `mhv serve`'s log"
        case .server(_, _, _, let hint):
            return hint
        case .protocolViolation:
            return "the companion and the server disagree on the protocol: update both"
        case .local:
            return nil
        }
    }

    /// Worth queueing a write and retrying later (the server is away), as opposed to a refusal.
    public var isConnectivity: Bool {
        switch self {
        case .serverUnavailable, .connectionClosed, .timeout: return true
        default: return false
        }
    }
}
