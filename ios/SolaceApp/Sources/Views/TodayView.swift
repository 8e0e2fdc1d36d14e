import Solace
import SolaceViewModels
import SwiftUI

/// Today: the 5-minute session (start / resume), quick check-in, streaks.
struct TodayView: View {
    let vm: TodayViewModel
    let checkIn: CheckInViewModel
    @State private var showCheckIn = false

    var body: some View {
        List {
            ErrorLine(error: vm.state.error)
            if let session = vm.state.session {
                ProgressView(value: session.progress)
                    .accessibilityLabel("Session progress")
                    .accessibilityValue("\(Int(session.progress * 100)) percent")
                if let name = session.techniqueName { Text(name).font(.headline) }
                SessionStepView(vm: vm, screen: session.screen)
                Button("Pause and close") { vm.closeSession() }
            } else {
                Button(vm.state.primaryAction) { vm.startOrResume() }.font(.title3)
                Button("Quick mood check-in") { showCheckIn = true }
                Text(vm.state.sessionStreakDays > 0 ? "\(vm.state.sessionStreakDays)-day session streak"
                     : "No streak yet — today is a good day to start").font(.headline)
                ForEach(vm.state.habits) { h in
                    HStack {
                        Text(h.name)
                        Spacer()
                        Text("\(h.current) \(h.unitLabel)")
                        if h.doneToday { Image(systemName: "checkmark").accessibilityLabel("done today") }
                    }
                    .accessibilityElement(children: .combine)
                }
            }
        }
        .onAppear { vm.refresh() }
        .sheet(isPresented: $showCheckIn) { CheckInView(vm: checkIn) }
    }
}

private struct SessionStepView: View {
    let vm: TodayViewModel
    let screen: SessionScreen
    @State private var text = ""
    @State private var number = 5.0

    var body: some View {
        switch screen {
        case .checkIn:
            Text("How are you feeling right now?").font(.title2)
            Scale(value: $number, range: 1...10) { "\($0), \(CheckInState.moodWord($0))" }
            TextField("What's on your mind?", text: $text)
            Button("Continue") { vm.checkIn(mood: Int(number), onMind: text); text = "" }
        case .chooseTechnique(let options, let reason):
            if let reason { Text("Suggested \(reason)").font(.callout) }
            ForEach(options) { o in
                VStack(alignment: .leading) {
                    Text(o.name + (o.suggested ? " (suggested)" : "")).font(.headline)
                    Text(o.description).font(.body)
                    Button("Start") { vm.choose(o.id) }
                }
            }
        case .step(let prompt, let input, let optional, let index, let count):
            Text("Step \(index + 1) of \(count)").font(.caption)
            Text(prompt).font(.title3)
            switch input {
            case .text:
                TextField("Your answer", text: $text, axis: .vertical)
                Button("Next") { vm.answer(text: text); text = "" }.disabled(!optional && text.isEmpty)
            case .scale(let lo, let hi):
                Scale(value: $number, range: Double(lo)...Double(hi)) { "\($0)" }
                Button("Next") { vm.answer(number: min(max(Int(number), lo), hi)) }
            case .breathing, .countdown:
                TimedStep(total: input.totalSeconds) { vm.completeTimed(seconds: $0) }
            }
        case .reflection:
            Text("What do you take from this?").font(.title3)
            TextField("A few words", text: $text, axis: .vertical)
            Button("Next") { vm.reflect(text); text = "" }
        case .rating:
            Text("Did this help?").font(.title3)
            Scale(value: $number, range: 1...5) { "\($0) of 5" }
            Button("Next") { vm.rate(min(max(Int(number), 1), 5)) }
        case .followUp:
            Text("What next?").font(.title3)
            Button("Another session tomorrow") { vm.followUp(.sessionTomorrow) }
            Button("Write to my therapist") { vm.followUp(.messageTherapist) }
            Button("Book a short call") { vm.followUp(.bookCall) }
            Button("Nothing for now") { vm.followUp(.nothing) }
        case .done:
            Text("Session complete. Well done.").font(.title3)
            Button("Back to today") { vm.closeSession() }
        }
    }
}

/// A stepped slider whose spoken value is the label.
struct Scale: View {
    @Binding var value: Double
    let range: ClosedRange<Double>
    let label: (Int) -> String
    var body: some View {
        VStack(alignment: .leading) {
            Text(label(Int(value))).font(.title2)
            Slider(value: $value, in: range, step: 1).accessibilityValue(label(Int(value)))
        }
    }
}

/// A paced timer; "Done" may end it early (the core records the seconds actually spent).
private struct TimedStep: View {
    let total: Int
    let onDone: (Int) -> Void
    @State private var elapsed = 0
    private let tick = Timer.publish(every: 1, on: .main, in: .common).autoconnect()

    var body: some View {
        Text("\(max(total - elapsed, 0)) s").font(.largeTitle.monospacedDigit())
            .accessibilityLabel("\(max(total - elapsed, 0)) seconds left")
            .onReceive(tick) { _ in if elapsed < total { elapsed += 1 } }
        Button(elapsed >= total ? "Next" : "Done") { onDone(elapsed) }
    }
}
