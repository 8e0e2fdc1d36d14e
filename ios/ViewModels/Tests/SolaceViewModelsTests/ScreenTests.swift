import Foundation
import XCTest
@testable import Solace
@testable import SolaceViewModels

final class ScreenTests: StoreTestCase {
    func testSessionRunsToTheEndAndCountsTowardsTheStreak() async throws {
        let solace = try await newStore()
        let today = TodayViewModel(solace: solace)
        today.refresh()
        XCTAssertFalse(today.state.loading)
        XCTAssertEqual(today.state.sessionStreakDays, 0)
        today.startOrResume()
        XCTAssertEqual(today.state.session?.screen, .checkIn)
        today.checkIn(mood: 4, onMind: "I always mess up at work")
        guard case .chooseTechnique(let options, _)? = today.state.session?.screen else { return XCTFail("no chooser") }
        XCTAssertEqual(options.count, 6)
        XCTAssertTrue(options[0].suggested)
        today.choose(.cbtReframe)
        var steps = 0
        while case .step(_, let input, _, let index, _)? = today.state.session?.screen {
            switch input {
            case .text: today.answer(text: "answer \(index)")
            case .scale(let lo, let hi): today.answer(number: (lo + hi) / 2)
            case .breathing, .countdown: today.completeTimed(seconds: input.totalSeconds)
            }
            XCTAssertNil(today.state.error)
            steps += 1
        }
        XCTAssertGreaterThanOrEqual(steps, 5)
        today.reflect("lighter")
        today.rate(4)
        today.followUp(.nothing)
        guard case .done(let helpful, let entry)? = today.state.session?.screen else { return XCTFail("not done") }
        XCTAssertEqual(helpful, 4)
        XCTAssertEqual(today.state.session?.progress, 1)
        XCTAssertEqual(today.state.sessionStreakDays, 1)
        XCTAssertFalse(today.state.canResume)
        if case .thoughtRecord = try solace.journal().get(id: entry!).current.body {} else { XCTFail("no thought record") }

        // Interrupted session: resumable from a new view model; a wrong-stage input is refused.
        today.closeSession()
        today.startOrResume()
        today.checkIn(mood: 3, onMind: "anxious")
        let again = TodayViewModel(solace: solace)
        again.refresh()
        XCTAssertTrue(again.state.canResume)
        XCTAssertEqual(again.state.primaryAction, "Resume your session")
        again.startOrResume()
        let before = again.state.session
        again.rate(3)
        guard case .invalid? = again.state.error else { return XCTFail("expected invalid input") }
        XCTAssertEqual(again.state.session, before)
    }

    func testACheckInShowsUpInTheInsightsSeries() async throws {
        let solace = try await newStore()
        let checkIn = CheckInViewModel(solace: solace)
        XCTAssertFalse(checkIn.state.canSave)
        checkIn.setMood(12)
        XCTAssertEqual(checkIn.state.mood, 10)
        checkIn.setMood(7)
        checkIn.toggleEmotion("Calm")
        checkIn.setNote("  long day ")
        checkIn.save()
        XCTAssertNil(checkIn.state.error)
        XCTAssertTrue(checkIn.state.justSaved)
        XCTAssertNil(checkIn.state.mood)
        XCTAssertEqual(checkIn.state.recent.map(\.mood), [7])
        XCTAssertEqual(checkIn.state.recent.first?.emotions, ["calm"])

        let insights = InsightsViewModel(solace: solace)
        insights.load()
        XCTAssertEqual(insights.state.mood.points.count, 1)
        XCTAssertEqual(insights.state.mood.points.first?.y, 7)
        XCTAssertEqual(insights.state.mood.points.first?.x, 29)
        XCTAssertEqual(insights.state.mood.points.first?.label, Day.today())
        XCTAssertTrue(insights.state.headline.hasPrefix("7.0 average from 1 check-in"), insights.state.headline)
        XCTAssertTrue(insights.state.mood.accessibilityLabel.contains("1 day logged, lowest 7, highest 7, latest 7.0"),
                      insights.state.mood.accessibilityLabel)
        // The state holds exactly what the core assembled.
        let core = try solace.insights(days: 30, today: Day.today())
        XCTAssertEqual(insights.state.mood, core.mood)
        XCTAssertEqual(insights.state.weekdays, core.weekdays)
        XCTAssertEqual(insights.state.headline, core.headline)
        XCTAssertEqual(insights.state.habits.accessibilityLabel, "No habits yet")
        XCTAssertEqual(insights.state.techniques.accessibilityLabel, "No rated sessions yet")
        insights.setRange(7)
        XCTAssertEqual(insights.state.mood.points.first?.x, 6)
        XCTAssertEqual(insights.state.weekdays.bars.compactMap(\.value), [7])
        XCTAssertEqual(insights.state.weekdays.bars.filter { $0.value != nil }.map(\.detail), ["7.0 from 1"])

        checkIn.delete(id: String(repeating: "0", count: 32))
        guard case .notFound? = checkIn.state.error else { return XCTFail("expected NotFound") }
    }

    func testThoughtRecordTemplate() async throws {
        let solace = try await newStore()
        let journal = JournalViewModel(solace: solace)
        journal.newThoughtRecord()
        journal.nextStep()
        XCTAssertEqual(journal.state.editor?.step, .situation)
        guard case .invalid? = journal.state.editor?.error else { return XCTFail("empty step advanced") }
        journal.editThought { $0.situation = "Missed the bus" }
        journal.nextStep()
        journal.editThought { $0.automaticThought = "I always mess up" }
        journal.nextStep()
        journal.addEmotion("Frustrated", intensity: 70)
        journal.addEmotion("frustrated", intensity: 5)
        journal.nextStep()
        journal.toggleDistortion(.labeling)
        journal.toggleDistortion(.overgeneralization)
        journal.nextStep()
        journal.nextStep()
        journal.editThought { $0.balancedThought = "Buses are unreliable" }
        journal.nextStep()
        XCTAssertEqual(journal.state.editor?.step, .rerate)
        XCTAssertEqual(journal.state.editor?.thought.rerated, [EmotionField("frustrated", 70)])
        journal.rerate("frustrated", intensity: 30)
        journal.edit { $0.tags = "cbt" }
        journal.save()
        XCTAssertNil(journal.state.editor)
        let row = try XCTUnwrap(journal.state.entries.first)
        XCTAssertEqual(row.title, "Thought record")
        guard case .thoughtRecord(let record) = try solace.journal().get(id: row.id).current.body else { return XCTFail() }
        XCTAssertEqual(record.distortions, [.overgeneralization, .labeling])
        XCTAssertEqual(record.reratedEmotions.first?.intensity, 30)

        journal.open(id: row.id)
        journal.edit { $0.title = "Bus" }
        journal.save()
        XCTAssertEqual(journal.state.entries.first?.edited, true)
        journal.setQuery("unreliable")
        XCTAssertEqual(journal.state.entries.map(\.title), ["Bus"])
        journal.setQuery("")
        journal.selectTag("cbt")
        XCTAssertEqual(journal.state.entries.count, 1)
    }

    func testHabitsAndSafetyPlan() async throws {
        let solace = try await newStore()
        let habits = HabitsViewModel(solace: solace)
        habits.newHabit()
        habits.saveHabit()
        guard case .invalid? = habits.state.editor?.error else { return XCTFail("nameless habit saved") }
        habits.edit { $0.name = "Evening walk"; $0.cue = "I finish dinner"; $0.action = "walk 10 minutes" }
        habits.saveHabit()
        var row = try XCTUnwrap(habits.state.rows.first)
        XCTAssertEqual(row.planLabel, "If I finish dinner, then I will walk 10 minutes")
        habits.toggleToday(id: row.id)
        row = try XCTUnwrap(habits.state.rows.first)
        XCTAssertTrue(row.doneToday)
        XCTAssertEqual(row.currentStreak, 1)
        XCTAssertEqual(row.accessibilityLabel,
                       "Evening walk, Every day. Done today. Streak 1 day, strength \(row.strengthPercent) percent.")
        habits.toggleToday(id: row.id)
        XCTAssertEqual(habits.state.rows.first?.doneToday, false)
        habits.skipToday(id: row.id)
        XCTAssertEqual(habits.state.rows.first?.skippedToday, true)
        XCTAssertTrue(habits.state.rows.first?.accessibilityLabel.contains("Every day. Skipped today. ") ?? false)
        XCTAssertEqual(HabitsViewModel.scheduleLabel(.weekdays(days: [.mon, .fri])), "Mon, Fri")
        XCTAssertEqual(HabitsViewModel.scheduleLabel(.timesPerWeek(times: 3)), "3× a week")

        let safety = SafetyPlanViewModel(solace: solace)
        safety.load()
        XCTAssertTrue(safety.state.isEmpty)
        XCTAssertFalse(safety.state.resources.isEmpty)
        XCTAssertFalse(safety.state.disclaimer.isEmpty)
        safety.startEditing()
        safety.addItem(.warningSigns, " Not sleeping ")
        safety.addItem(.helpContacts, "Sam 555-0101")
        safety.save()
        let reopened = SafetyPlanViewModel(solace: solace)
        reopened.load()
        XCTAssertEqual(reopened.state.items(.warningSigns), ["Not sleeping"])
        XCTAssertEqual(reopened.state.items(.helpContacts), ["Sam 555-0101"])
        XCTAssertNotNil(reopened.state.updatedAt)
        XCTAssertEqual(SafetyPlanViewModel.dialNumber("call or text 988"), "988")
        XCTAssertNil(SafetyPlanViewModel.dialNumber("text SHOUT"))
    }

    func testBackgroundSync() async throws {
        let solace = try await newStore()
        let unset = await BackgroundSync.run(solace)
        XCTAssertEqual(unset, .notSetUp)
        let missing = try storePath()
        let missingOutcome = await BackgroundSync.openAndRun { try Solace.openWithDeviceKey(dir: missing, keystore: DeniedKeyStore()) }
        XCTAssertEqual(missingOutcome, .notSetUp)

        let (server, url) = try startServer()
        defer { stopServer(server) }
        let dir = try storePath()
        let keys = MemoryKeyStore()
        let phone = try await createStore(dir: dir, passphrase: passphrase, kdf: .minimum).solace
        try phone.rememberDevice(keystore: keys)
        try await phone.sync().register(serverUrl: url, username: "ana", passphrase: passphrase, deviceName: "phone")
        _ = try phone.journal().add(draft: JournalDraft(title: nil, body: .free(text: "from the phone"), tags: []))
        phone.closeStore()

        let deniedOutcome = await BackgroundSync.openAndRun { try Solace.openWithDeviceKey(dir: dir, keystore: DeniedKeyStore()) }
        XCTAssertEqual(deniedOutcome, .locked)
        let first = await BackgroundSync.openAndRun({ try Solace.openWithDeviceKey(dir: dir, keystore: keys) })
        guard case .synced(let pushed, _, let complete, _) = first else {
            return XCTFail("did not sync")
        }
        XCTAssertTrue(complete)
        XCTAssertGreaterThanOrEqual(pushed, 1)

        let tablet = track(try await loginNewDevice(dir: try storePath(), serverUrl: url, username: "ana", passphrase: passphrase, deviceName: "tablet"))
        _ = try tablet.journal().add(draft: JournalDraft(title: nil, body: .free(text: "from the tablet"), tags: []))
        _ = await BackgroundSync.run(tablet)
        let pulled = await BackgroundSync.openAndRun { try Solace.openWithDeviceKey(dir: dir, keystore: keys) }
        XCTAssertTrue(BackgroundSync.shouldNotify(pulled), "\(pulled)")
        XCTAssertEqual(BackgroundSync.notificationEvent(pulled), .syncedChanges)
        XCTAssertEqual(BackgroundSync.notificationEvent(.synced(pushed: 0, pulled: 0, complete: true, messages: 2)), .newMessage)
        XCTAssertNil(BackgroundSync.notificationEvent(.synced(pushed: 1, pulled: 0, complete: true, messages: 0)))
        XCTAssertNil(BackgroundSync.notificationEvent(.notSetUp))
    }
}
