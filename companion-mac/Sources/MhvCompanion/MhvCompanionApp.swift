// The menu-bar app (macOS 13+, SwiftUI's MenuBarExtra): today's and overdue tasks, quick add with the
// parser's live preview, complete with a click, and the notifications. Everything it knows comes from
// MhvKit's `MenuModel` (tested on Linux against a real server); these views only draw it. On a
// platform without SwiftUI the target builds to a short note pointing at `mhv-companion`.
import Foundation
import MhvKit

#if canImport(SwiftUI) && os(macOS)
    import AppKit
    import SwiftUI

    /// Bridges the platform-independent model to SwiftUI: one `revision` bump per model change.
    @MainActor
    final class MenuStore: ObservableObject {
        let model: MenuModel
        @Published private(set) var revision = 0
        @Published var quickAdd = "" {
            didSet { schedulePreview() }
        }
        private var previewTask: Task<Void, Never>?
        private var background: [Task<Void, Never>] = []

        init() {
            let companion = Companion(paths: MhvPaths.resolve(), clientName: "MhvCompanion")
            let scheduler: NotificationScheduler = SystemNotificationScheduler.make() ?? RecordingScheduler()
            let notifier = Notifier(planner: NotificationPlanner(), scheduler: scheduler, cache: companion.cache)
            model = MenuModel(companion: companion, notifier: notifier)
            model.onChange = { [weak self] in self?.revision += 1 }
            background.append(Task { [model] in
                if let system = scheduler as? SystemNotificationScheduler { _ = await system.requestAuthorization() }
                await model.refresh()
                await model.follow()
            })
            background.append(Task { [model] in
                while !Task.isCancelled {
                    try? await Task.sleep(nanoseconds: 5_000_000_000)
                    await model.tick()
                }
            })
        }

        /// The preview follows typing after a short pause, so a fast typist sends one parse, not ten.
        private func schedulePreview() {
            previewTask?.cancel()
            let text = quickAdd
            previewTask = Task { [model] in
                try? await Task.sleep(nanoseconds: 150_000_000)
                guard !Task.isCancelled else { return }
                await model.previewQuickAdd(text)
            }
        }

        func submit() {
            let text = quickAdd
            Task {
                if await model.add(text) { quickAdd = "" }
            }
        }

        func complete(_ task: MhvTask) { Task { await model.complete(task.number) } }

        var badge: String {
            let late = model.sections.overdue.count
            return late > 0 ? "\(late)" : ""
        }
    }

    @main
    struct MhvCompanionApp: App {
        @StateObject private var store = MenuStore()

        var body: some Scene {
            MenuBarExtra {
                MenuContent(store: store)
            } label: {
                Label(store.badge.isEmpty ? "mhv" : "mhv \(store.badge)",
                    systemImage: store.model.sections.overdue.isEmpty ? "checklist" : "exclamationmark.circle")
            }
            .menuBarExtraStyle(.window)
        }
    }

    struct MenuContent: View {
        @ObservedObject var store: MenuStore

        var body: some View {
            let model = store.model
            VStack(alignment: .leading, spacing: 8) {
                QuickAddField(store: store)
                Divider()
                if model.sections.isEmpty {
                    Text("Nothing due today. \(model.sections.otherOpen) open task(s) without a date soon.")
                        .foregroundStyle(.secondary)
                }
                TaskSection(title: "Overdue", tasks: model.sections.overdue, tint: .red, store: store)
                TaskSection(title: "Today", tasks: model.sections.today, tint: .primary, store: store)
                TaskSection(title: "Next 7 days", tasks: model.sections.upcoming, tint: .secondary, store: store)
                if !model.recent.isEmpty {
                    Divider()
                    Text("Notifications").font(.caption).foregroundStyle(.secondary)
                    ForEach(model.recent.prefix(5)) { note in
                        VStack(alignment: .leading) {
                            Text(note.title).font(.callout.bold())
                            Text(note.body).font(.caption)
                        }
                    }
                }
                if !model.conflicts.isEmpty {
                    Divider()
                    ForEach(model.conflicts, id: \.write.id) { conflict in
                        Text("Not applied: \(conflict.write.summary): \(conflict.reason)").font(.caption).foregroundStyle(.orange)
                    }
                    Button("Dismiss") { Task { await model.dismissConflicts() } }
                }
                if let error = model.lastError {
                    Text(error).font(.caption).foregroundStyle(.red)
                }
                Divider()
                HStack {
                    Circle().fill(model.live ? Color.green : Color.orange).frame(width: 8, height: 8)
                    Text(model.status + (model.queued > 0 ? " · \(model.queued) queued" : "")).font(.caption)
                        .foregroundStyle(.secondary)
                    Spacer()
                    Button("Refresh") { Task { await model.refresh() } }.keyboardShortcut("r")
                    Button("Quit") { NSApplication.shared.terminate(nil) }.keyboardShortcut("q")
                }
            }
            .padding(12)
            .frame(width: 380)
        }
    }

    struct QuickAddField: View {
        @ObservedObject var store: MenuStore

        var body: some View {
            VStack(alignment: .leading, spacing: 4) {
                TextField("fix auth @api tomorrow 5pm p1 #ci", text: $store.quickAdd)
                    .textFieldStyle(.roundedBorder)
                    .onSubmit { store.submit() }
                if let preview = store.model.preview, preview.text == store.quickAdd.trimmingCharacters(in: .whitespaces) {
                    HStack(spacing: 4) {
                        Text(preview.title).bold()
                        ForEach(preview.chips, id: \.self) { chip in
                            Text(chip).font(.caption).padding(.horizontal, 4)
                                .background(RoundedRectangle(cornerRadius: 4).fill(Color.accentColor.opacity(0.15)))
                        }
                    }
                    if let warning = preview.warning { Text(warning).font(.caption).foregroundStyle(.orange) }
                }
            }
        }
    }

    struct TaskSection: View {
        let title: String
        let tasks: [MhvTask]
        let tint: Color
        @ObservedObject var store: MenuStore

        var body: some View {
            if !tasks.isEmpty {
                Text(title).font(.caption).foregroundStyle(.secondary)
                ForEach(tasks) { task in
                    HStack {
                        Button {
                            store.complete(task)
                        } label: {
                            Image(systemName: "circle")
                        }
                        .buttonStyle(.borderless)
                        .help("Complete #\(task.number)")
                        Text("#\(task.number)").monospacedDigit().foregroundStyle(.secondary)
                        Text(task.title).foregroundStyle(tint).lineLimit(1)
                        Spacer()
                        if let due = task.dueDate {
                            Text(task.dueAllDay ? "all day" : due.formatted(date: .omitted, time: .shortened)).font(.caption)
                        }
                    }
                }
            }
        }
    }

#else

    /// Linux (and any platform without SwiftUI): the menu-bar app does not exist here.
    @main
    struct MhvCompanionUnavailable {
        static func main() {
            FileHandle.standardError.write(
                Data(
                    """
                    MhvCompanion is the macOS menu-bar app (SwiftUI, macOS 13+); this platform has no SwiftUI.
                      hint: use the command line companion here: mhv-companion status | list | add TEXT | done N | watch

                    """.utf8))
            exit(69)
        }
    }

#endif
