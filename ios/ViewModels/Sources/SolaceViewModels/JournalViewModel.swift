import Foundation
import Observation
import Solace

/// The guided CBT thought record, one step per screen.
public enum ThoughtStep: Int, CaseIterable, Sendable {
    case situation, automaticThought, emotions, distortions, evidence, balancedThought, rerate

    public var title: String {
        ["Situation", "Automatic thought", "Emotions", "Thinking traps", "Evidence", "Balanced thought", "Re-rate"][rawValue]
    }

    public var prompt: String {
        [
            "What happened? Where were you, who was there?",
            "What went through your mind?",
            "What did you feel, and how strongly (0–100)?",
            "Do any of these patterns fit the thought?",
            "What supports the thought? What doesn't?",
            "What is a more balanced way to see it?",
            "How strong are those feelings now (0–100)?",
        ][rawValue]
    }
}

/// Display names of the thinking traps, in menu order.
public enum Distortions {
    public static let all: [(Distortion, String)] = [
        (.allOrNothing, "All-or-nothing thinking"), (.overgeneralization, "Overgeneralizing"),
        (.mentalFilter, "Mental filter"), (.discountingThePositive, "Discounting the positive"),
        (.mindReading, "Mind reading"), (.fortuneTelling, "Fortune telling"),
        (.catastrophizing, "Catastrophizing"), (.emotionalReasoning, "Emotional reasoning"),
        (.shouldStatements, "\"Should\" statements"), (.labeling, "Labeling"),
        (.personalization, "Personalizing"), (.blaming, "Blaming"),
    ]

    public static func label(_ d: Distortion) -> String { all.first { $0.0 == d }?.1 ?? "" }
}

public struct EmotionField: Equatable, Hashable, Sendable {
    public var emotion: String
    public var intensity: Int
    public init(_ emotion: String, _ intensity: Int) {
        self.emotion = emotion
        self.intensity = intensity
    }
}

public struct ThoughtRecordForm: Equatable, Sendable {
    public var situation = ""
    public var automaticThought = ""
    public var emotions: [EmotionField] = []
    public var distortions: Set<Distortion> = []
    public var evidenceFor = ""
    public var evidenceAgainst = ""
    public var balancedThought = ""
    public var rerated: [EmotionField] = []

    public init() {}

    init(_ c: ThoughtRecordContent) {
        situation = c.situation
        automaticThought = c.automaticThought
        emotions = c.emotions.map { EmotionField($0.emotion, Int($0.intensity)) }
        distortions = Set(c.distortions)
        evidenceFor = c.evidenceFor
        evidenceAgainst = c.evidenceAgainst
        balancedThought = c.balancedThought
        rerated = c.reratedEmotions.map { EmotionField($0.emotion, Int($0.intensity)) }
    }

    func content() -> ThoughtRecordContent {
        let t = { (s: String) in s.trimmingCharacters(in: .whitespacesAndNewlines) }
        return ThoughtRecordContent(
            situation: t(situation), automaticThought: t(automaticThought),
            emotions: emotions.map { EmotionRating(emotion: $0.emotion, intensity: UInt8(clamping: $0.intensity)) },
            distortions: Distortions.all.map(\.0).filter { distortions.contains($0) },
            evidenceFor: t(evidenceFor), evidenceAgainst: t(evidenceAgainst), balancedThought: t(balancedThought),
            reratedEmotions: rerated.map { EmotionRating(emotion: $0.emotion, intensity: UInt8(clamping: $0.intensity)) }
        )
    }
}

public enum EntryKind: Sendable { case free, prompted, thoughtRecord }

/// The entry being written or edited.
public struct JournalEditor: Equatable, Sendable {
    /// nil for a new entry.
    public var id: String?
    public var kind: EntryKind = .free
    public var title = ""
    public var text = ""
    public var prompt = ""
    public var tags = ""
    public var thought = ThoughtRecordForm()
    public var step: ThoughtStep = .situation
    public var error: UiError?

    public var isLastStep: Bool { step == ThoughtStep.allCases.last }
    public var stepNumber: Int { step.rawValue + 1 }
    public var stepCount: Int { ThoughtStep.allCases.count }
    public var canSave: Bool {
        switch kind {
        case .free, .prompted: return !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty
        case .thoughtRecord: return !thought.situation.isEmpty && !thought.automaticThought.isEmpty
        }
    }
}

public struct JournalRow: Equatable, Identifiable, Sendable {
    public let id: String
    public let title: String
    public let preview: String
    public let kind: EntryKind
    public let day: String
    public let tags: [String]
    public let edited: Bool
}

public struct JournalState: Equatable, Sendable {
    public var entries: [JournalRow] = []
    public var query = ""
    public var tag: String?
    public var tags: [TagCount] = []
    public var editor: JournalEditor?
    public var error: UiError?
}

/// The journal: list with search and tag filter, and the editor with the thought record template.
@MainActor
@Observable
public final class JournalViewModel {
    public private(set) var state = JournalState()
    @ObservationIgnored private let journal: Journal

    public init(solace: Solace) { journal = solace.journal() }

    public func load() {
        attempt(fail) {
            let q = state.query.trimmingCharacters(in: .whitespaces)
            let tag = state.tag
            let found = q.isEmpty
                ? try journal.list(filter: JournalFilter(tag: tag))
                : try journal.search(query: q).filter { tag == nil || $0.current.tags.contains(tag!) }
            state.entries = found.map(Self.row)
            state.tags = try journal.tags()
            state.error = nil
        }
    }

    public func setQuery(_ text: String) {
        state.query = text
        load()
    }

    public func selectTag(_ tag: String?) {
        state.tag = state.tag == tag ? nil : tag
        load()
    }

    public func newEntry(_ kind: EntryKind = .free, prompt: String = "") { state.editor = JournalEditor(kind: kind, prompt: prompt) }
    public func newThoughtRecord() { newEntry(.thoughtRecord) }

    public func open(id: String) {
        guard let entry = attempt(fail, { try journal.get(id: id) }) else { return }
        var editor = JournalEditor(id: entry.id, title: entry.current.title ?? "", tags: entry.current.tags.joined(separator: ", "))
        switch entry.current.body {
        case .free(let text): editor.kind = .free; editor.text = text
        case .prompted(let prompt, let response): editor.kind = .prompted; editor.prompt = prompt; editor.text = response
        case .thoughtRecord(let record): editor.kind = .thoughtRecord; editor.thought = ThoughtRecordForm(record)
        }
        state.editor = editor
    }

    /// Any change to the editor's fields.
    public func edit(_ change: (inout JournalEditor) -> Void) {
        guard var editor = state.editor else { return }
        change(&editor)
        editor.error = nil
        state.editor = editor
    }

    public func editThought(_ change: (inout ThoughtRecordForm) -> Void) { edit { change(&$0.thought) } }

    public func addEmotion(_ emotion: String, intensity: Int) {
        let name = emotion.trimmingCharacters(in: .whitespaces).lowercased()
        editThought { t in
            guard !name.isEmpty, !t.emotions.contains(where: { $0.emotion == name }) else { return }
            t.emotions.append(EmotionField(name, min(max(intensity, 0), 100)))
        }
    }

    public func removeEmotion(_ emotion: String) { editThought { $0.emotions.removeAll { $0.emotion == emotion } } }

    public func toggleDistortion(_ d: Distortion) {
        editThought { t in if t.distortions.contains(d) { t.distortions.remove(d) } else { t.distortions.insert(d) } }
    }

    public func rerate(_ emotion: String, intensity: Int) {
        editThought { t in
            t.rerated = t.rerated.map { $0.emotion == emotion ? EmotionField(emotion, min(max(intensity, 0), 100)) : $0 }
        }
    }

    /// Next step of the thought record, when the current one is filled in.
    public func nextStep() {
        guard var editor = state.editor else { return }
        let t = editor.thought
        let missing: Bool
        switch editor.step {
        case .situation: missing = t.situation.trimmingCharacters(in: .whitespaces).isEmpty
        case .automaticThought: missing = t.automaticThought.trimmingCharacters(in: .whitespaces).isEmpty
        case .emotions: missing = t.emotions.isEmpty
        default: missing = false
        }
        if missing {
            editor.error = .invalid("fill in this step to continue")
            state.editor = editor
            return
        }
        guard let next = ThoughtStep(rawValue: editor.step.rawValue + 1) else { return }
        if next == .rerate {
            // Start re-rating from the first ratings (keep any already re-rated).
            editor.thought.rerated = t.emotions.map { e in t.rerated.first { $0.emotion == e.emotion } ?? e }
        }
        editor.step = next
        editor.error = nil
        state.editor = editor
    }

    public func previousStep() { edit { $0.step = ThoughtStep(rawValue: $0.step.rawValue - 1) ?? $0.step } }

    /// Saves the editor (new entry or a revision of an existing one) and closes it.
    public func save() {
        guard var editor = state.editor else { return }
        guard editor.canSave else {
            editor.error = .invalid("write something first")
            state.editor = editor
            return
        }
        let text = editor.text.trimmingCharacters(in: .whitespacesAndNewlines)
        let body: JournalBody
        switch editor.kind {
        case .free: body = .free(text: text)
        case .prompted: body = .prompted(prompt: editor.prompt, response: text)
        case .thoughtRecord: body = .thoughtRecord(record: editor.thought.content())
        }
        let tags = editor.tags.split(whereSeparator: { $0 == "," || $0 == " " }).map(String.init)
        let title = editor.title.trimmingCharacters(in: .whitespaces)
        let draft = JournalDraft(title: title.isEmpty ? nil : title, body: body, tags: tags)
        let saved = attempt({ editor.error = $0; state.editor = editor }) {
            if let id = editor.id { return try journal.edit(id: id, draft: draft) }
            return try journal.add(draft: draft)
        }
        if saved != nil {
            state.editor = nil
            load()
        }
    }

    public func discard() { state.editor = nil }

    public func delete(id: String) {
        attempt(fail) { try journal.delete(id: id) }
        if state.editor?.id == id { state.editor = nil }
        load()
    }

    private func fail(_ error: UiError) { state.error = error }

    static func row(_ e: JournalEntry) -> JournalRow {
        let d = e.current
        let kind: EntryKind, title: String, preview: String
        switch d.body {
        case .free(let text):
            (kind, title, preview) = (.free, d.title ?? String(text.split(separator: "\n").first ?? ""), text)
        case .prompted(let prompt, let response):
            (kind, title, preview) = (.prompted, d.title ?? prompt, response)
        case .thoughtRecord(let record):
            (kind, title, preview) = (.thoughtRecord, d.title ?? "Thought record", record.situation)
        }
        return JournalRow(id: e.id, title: String(title.prefix(80)), preview: String(preview.prefix(140)), kind: kind,
                          day: Day.of(timestamp: e.createdAt), tags: d.tags, edited: !e.revisions.isEmpty)
    }
}
