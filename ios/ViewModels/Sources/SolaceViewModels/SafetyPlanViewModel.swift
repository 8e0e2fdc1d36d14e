import Foundation
import Observation
import Solace

/// The Stanley–Brown sections, in order.
public enum PlanSection: Int, CaseIterable, Sendable {
    case warningSigns, coping, distraction, helpContacts, professionals, safeEnvironment, reasons

    public var title: String {
        ["Warning signs", "Things I can do on my own", "People and places that help", "People I can ask for help",
         "Professionals I can contact", "Making my space safe", "What makes life worth living"][rawValue]
    }

    public var hint: String {
        ["Thoughts, moods or situations that tell me a crisis may be starting",
         "To take my mind off things without contacting anyone", "Who or where helps me feel better",
         "Names and numbers", "My therapist, doctor, local crisis service", "Steps that keep me safe",
         "People, plans, things I care about"][rawValue]
    }
}

/// A crisis line, with the number to dial when one can be read from its contact text.
public struct ResourceRow: Equatable, Sendable {
    public let name: String
    public let contact: String
    public let region: String
    public let dial: String?
}

public struct SafetyPlanState: Equatable, Sendable {
    public var loaded = false
    public var sections: [PlanSection: [String]] = Dictionary(uniqueKeysWithValues: PlanSection.allCases.map { ($0, []) })
    public var resources: [ResourceRow] = []
    public var disclaimer = ""
    public var editing = false
    public var dirty = false
    public var updatedAt: String?
    public var error: UiError?

    public var isEmpty: Bool { sections.values.allSatisfy(\.isEmpty) }
    public func items(_ section: PlanSection) -> [String] { sections[section] ?? [] }
}

/// The safety plan screen, one tap from every screen. Everything comes from the device
/// (offline): the person's plan, crisis lines for their region and the disclaimer that Solace
/// cannot respond to emergencies.
@MainActor
@Observable
public final class SafetyPlanViewModel {
    public private(set) var state = SafetyPlanState()
    @ObservationIgnored private let assessments: Assessments

    public init(solace: Solace) { assessments = solace.assessments() }

    public func load() {
        attempt(fail) {
            let prompt = try assessments.safetyPrompt()
            state.loaded = true
            state.sections = Self.sections(prompt.plan)
            state.resources = prompt.resources.map {
                ResourceRow(name: $0.name, contact: $0.contact, region: $0.region, dial: Self.dialNumber($0.contact))
            }
            state.disclaimer = prompt.disclaimer
            state.updatedAt = prompt.plan.updatedAt
            state.dirty = false
            state.error = nil
        }
    }

    public func startEditing() { state.editing = true }

    public func addItem(_ section: PlanSection, _ text: String) {
        let item = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !item.isEmpty else { return }
        state.sections[section, default: []].append(item)
        state.dirty = true
    }

    public func removeItem(_ section: PlanSection, at index: Int) {
        guard state.items(section).indices.contains(index) else { return }
        state.sections[section]?.remove(at: index)
        state.dirty = true
    }

    public func save() {
        let s = state
        let plan = SafetyPlan(
            warningSigns: s.items(.warningSigns), copingStrategies: s.items(.coping),
            distractionContacts: s.items(.distraction), helpContacts: s.items(.helpContacts),
            professionals: s.items(.professionals), safeEnvironment: s.items(.safeEnvironment),
            reasonsForLiving: s.items(.reasons), updatedAt: nil
        )
        guard attempt(fail, { try assessments.saveSafetyPlan(plan: plan) }) != nil else { return }
        state.editing = false
        load()
    }

    public func cancelEditing() {
        state.editing = false
        load()
    }

    private func fail(_ error: UiError) { state.error = error }

    static func sections(_ p: SafetyPlan) -> [PlanSection: [String]] {
        [.warningSigns: p.warningSigns, .coping: p.copingStrategies, .distraction: p.distractionContacts,
         .helpContacts: p.helpContacts, .professionals: p.professionals, .safeEnvironment: p.safeEnvironment,
         .reasons: p.reasonsForLiving]
    }

    /// The first phone number in a contact text ("call or text 988" → "988"), digits only.
    public static func dialNumber(_ contact: String) -> String? {
        guard let regex = try? NSRegularExpression(pattern: #"\+?\d[\d\s\-()]{1,18}\d|\b\d{3}\b"#),
              let match = regex.firstMatch(in: contact, range: NSRange(contact.startIndex..., in: contact)),
              let range = Range(match.range, in: contact) else { return nil }
        let number = contact[range].filter { $0.isNumber || $0 == "+" }
        return number.count >= 3 ? String(number) : nil
    }
}
