import Foundation

#if canImport(UserNotifications) && os(macOS)
    import UserNotifications

    /// macOS Notification Center through UserNotifications. It only works inside an app bundle (the
    /// menu-bar app): unbundled (the command line, `swift test`) `UNUserNotificationCenter.current()`
    /// traps, so `make()` returns nil there and callers fall back on `RecordingScheduler`.
    public final class SystemNotificationScheduler: NotificationScheduler, @unchecked Sendable {
        private let center: UNUserNotificationCenter
        private let lock = NSLock()
        private var pending: [String: CompanionNotification] = [:]

        private init(center: UNUserNotificationCenter) { self.center = center }

        /// A scheduler when this process can post notifications (a bundled app that is not a test
        /// runner), else nil.
        public static func make() -> SystemNotificationScheduler? {
            let bundle = Bundle.main
            guard bundle.bundleIdentifier != nil, bundle.bundleURL.pathExtension == "app",
                ProcessInfo.processInfo.environment["XCTestConfigurationFilePath"] == nil
            else { return nil }
            return SystemNotificationScheduler(center: UNUserNotificationCenter.current())
        }

        /// Asks once for permission to show alerts and play sounds.
        public func requestAuthorization() async -> Bool {
            (try? await center.requestAuthorization(options: [.alert, .sound])) ?? false
        }

        public func schedule(_ notification: CompanionNotification) async throws {
            let content = UNMutableNotificationContent()
            content.title = notification.title
            content.body = notification.body
            content.threadIdentifier = "mhv-\(notification.taskNumber)"
            content.userInfo = ["task": notification.taskNumber, "kind": notification.kind.rawValue]
            let wait = notification.fireAt.timeIntervalSinceNow
            let trigger = wait > 1 ? UNTimeIntervalNotificationTrigger(timeInterval: wait, repeats: false) : nil
            // The same identifier replaces a pending or delivered request: a change reschedules.
            try await center.add(UNNotificationRequest(identifier: notification.id, content: content, trigger: trigger))
            lock.lock()
            pending[notification.id] = notification
            lock.unlock()
        }

        public func cancel(ids: [String]) async {
            center.removePendingNotificationRequests(withIdentifiers: ids)
            center.removeDeliveredNotifications(withIdentifiers: ids)
            lock.lock()
            for id in ids { pending[id] = nil }
            lock.unlock()
        }

        public func due(now: Date) async -> [CompanionNotification] {
            lock.lock()
            defer { lock.unlock() }
            let ready = pending.values.filter { $0.fireAt <= now }.sorted { $0.fireAt < $1.fireAt }
            for n in ready { pending[n.id] = nil }
            return ready
        }
    }
#endif
