import Foundation
import XCTest
@testable import Solace
@testable import SolaceViewModels

final class MessagesTests: StoreTestCase {
    /// A therapist and a client registered on `url`, linked through the directory.
    private func linked(_ url: String) async throws -> (therapist: Solace, client: Solace, link: LinkInfo) {
        let therapist = try await newStore()
        let client = try await newStore()
        try await therapist.sync().register(serverUrl: url, username: "dr-kim", passphrase: passphrase, deviceName: "office")
        try await client.sync().register(serverUrl: url, username: "casey", passphrase: passphrase, deviceName: "phone")
        try await therapist.messages().publishTherapistProfile(profile: TherapistProfile(
            displayName: "Dr. Kim", bio: "CBT for worry", specialties: ["anxiety"],
            approaches: ["cbt"], languages: ["en"],
            slots: [AvailabilitySlot(start: "2026-12-01T10:00:00Z", minutes: 60)]))
        let found = try await client.messages().searchDirectory(
            query: DirectoryQuery(specialty: "anxiety", approach: nil, language: nil, text: nil))
        XCTAssertEqual(found.count, 1)
        let link = try await client.messages().requestLink(therapistId: found[0].therapistId)
        _ = try await therapist.messages().acceptLink(linkId: link.linkId)
        _ = try await therapist.sync().syncNow(budget: .unlimited)
        _ = try await client.sync().syncNow(budget: .unlimited)
        return (therapist, client, link)
    }

    func testClientAndTherapistMessageThroughTheViewModels() async throws {
        let (server, url) = try startServer()
        defer { stopServer(server) }
        let (therapist, client, link) = try await linked(url)

        // Client: the conversation list shows the therapist's name and no unread messages.
        let vm = MessagesViewModel(solace: client)
        vm.load()
        XCTAssertEqual(vm.state.conversations.count, 1)
        let row = vm.state.conversations[0]
        XCTAssertEqual(row.title, "Dr. Kim")
        XCTAssertEqual(row.unread, 0)
        XCTAssertFalse(row.paused)
        XCTAssertNil(vm.state.error)

        // A draft is kept (encrypted by the core) across leaving the conversation and a new view model.
        vm.open(conversationId: row.id)
        XCTAssertEqual(vm.state.selected, row.id)
        XCTAssertEqual(vm.state.title, "Dr. Kim")
        XCTAssertFalse(vm.state.canSend)
        vm.updateDraft("half a thought")
        vm.close()
        XCTAssertNil(vm.state.selected)
        XCTAssertEqual(vm.state.draft, "")
        vm.open(conversationId: row.id)
        XCTAssertEqual(vm.state.draft, "half a thought")
        let restarted = MessagesViewModel(solace: client)
        restarted.open(conversationId: row.id)
        XCTAssertEqual(restarted.state.draft, "half a thought")

        // Send: queued at once (offline-safe), sent after a sync; the stored draft is gone.
        vm.updateDraft("hello from the app")
        XCTAssertTrue(vm.state.canSend)
        vm.send()
        XCTAssertEqual(vm.state.draft, "")
        XCTAssertEqual(vm.state.messages.count, 1)
        let queued = vm.state.messages[0]
        XCTAssertEqual(queued.text, "hello from the app")
        XCTAssertTrue(queued.outgoing)
        XCTAssertEqual(queued.status, .queued)
        XCTAssertEqual(queued.statusLabel, "Waiting to send")
        XCTAssertFalse(queued.canRetry)
        XCTAssertNil(try client.messages().conversations()[0].draft)
        await vm.sync()
        XCTAssertFalse(vm.state.syncing)
        XCTAssertEqual(vm.state.messages.map(\.status), [.sent])

        // Therapist: the message arrives, unread 1, under the client's name.
        let tvm = MessagesViewModel(solace: therapist)
        tvm.load()
        XCTAssertEqual(tvm.state.conversations.map(\.unread), [0])
        await tvm.sync()
        XCTAssertEqual(tvm.state.conversations.count, 1)
        let incoming = tvm.state.conversations[0]
        XCTAssertEqual(incoming.id, link.clientId)
        XCTAssertEqual(incoming.title, link.clientName)
        XCTAssertEqual(incoming.unread, 1)
        XCTAssertEqual(tvm.state.totalUnread, 1)
        // The notification text is discreet by default: no name, count or content.
        XCTAssertTrue(try therapist.messages().discreetNotifications())
        XCTAssertEqual(tvm.state.notification, Notifications.discreetBody)
        XCTAssertEqual(Notifications.text(.newMessage, AppSettings()).body, Notifications.discreetBody)

        // The delivered receipt went out in the same round.
        await vm.sync()
        XCTAssertEqual(vm.state.messages.map(\.status), [.delivered])

        // Opening the conversation marks it read; the receipt flows back after syncs.
        tvm.open(conversationId: incoming.id)
        XCTAssertEqual(tvm.state.conversations.map(\.unread), [0])
        XCTAssertEqual(try therapist.messages().conversations()[0].unread, 0)
        XCTAssertEqual(tvm.state.messages.map(\.text), ["hello from the app"])
        XCTAssertEqual(tvm.state.messages.map(\.outgoing), [false])
        XCTAssertNil(tvm.state.messages[0].status)
        await tvm.sync()
        await vm.sync()
        XCTAssertEqual(vm.state.messages.map(\.status), [.read])
        XCTAssertEqual(vm.state.messages[0].statusLabel, "Read")

        // Pause and resume: shown on this side at once, and on the other after syncs.
        vm.pause()
        XCTAssertTrue(vm.state.paused)
        XCTAssertEqual(vm.state.conversations.map(\.paused), [true])
        await vm.sync()
        await tvm.sync()
        XCTAssertTrue(tvm.state.peerPaused)
        XCTAssertEqual(tvm.state.conversations.map(\.peerPaused), [true])
        XCTAssertFalse(tvm.state.paused)
        vm.resume()
        XCTAssertFalse(vm.state.paused)
        XCTAssertEqual(vm.state.conversations.map(\.paused), [false])
        await vm.sync()
        await tvm.sync()
        XCTAssertFalse(tvm.state.peerPaused)

        // The therapist replies; a background sync (not the view model) refreshes the client's
        // screen through the listener.
        tvm.updateDraft("hello back")
        tvm.send()
        await tvm.sync()
        vm.close()
        let sub = vm.subscribe(deliver: { $0() })
        _ = try await client.sync().syncNow(budget: .background)
        sub.cancel()
        XCTAssertEqual(vm.state.conversations.map(\.unread), [1])
        vm.open(conversationId: row.id)
        XCTAssertEqual(vm.state.messages.map(\.text), ["hello from the app", "hello back"])
        XCTAssertEqual(vm.state.messages.map(\.outgoing), [true, false])
        XCTAssertEqual(vm.state.conversations.map(\.unread), [0])
        XCTAssertNil(vm.state.error)
    }

    func testWedgedMessagesOfferRetry() async throws {
        let utc = TimeZone(identifier: "UTC")!
        let wedged = MessagesViewModel.bubble(
            Message(id: "m1", peerAccount: "acc-dr", outgoing: true, sentAtMs: 1_764_583_200_000,
                    status: .wedged, content: .text(text: "are you there?")),
            timeZone: utc)
        XCTAssertEqual(wedged.status, .wedged)
        XCTAssertTrue(wedged.canRetry)
        XCTAssertEqual(wedged.statusLabel, "Not sent. Tap to retry")
        XCTAssertEqual(wedged.at, "2025-12-01 10:00")
        let incoming = MessagesViewModel.bubble(
            Message(id: "m2", peerAccount: "acc-dr", outgoing: false, sentAtMs: 0, status: .unread,
                    content: .text(text: "hi")),
            timeZone: utc)
        XCTAssertNil(incoming.status)
        XCTAssertFalse(incoming.canRetry)
        XCTAssertEqual(incoming.text, "hi")
        let call = MessagesViewModel.bubble(
            Message(id: "m3", peerAccount: "acc-dr", outgoing: false, sentAtMs: 0, status: .unread,
                    content: .call(requestId: "r1", start: "2025-12-02T18:00:00+01:00", minutes: 15, format: nil,
                                   state: .accepted(room: "room-1"))),
            timeZone: utc)
        XCTAssertEqual(call.text, "Live session request: 2025-12-02T18:00:00+01:00, 15 min — accepted")
        let state = MessagesState(selected: "acc-dr", messages: [wedged, incoming])
        XCTAssertEqual(state.retryable, ["m1"])

        // Retrying something not in the outbox is harmless.
        let vm = MessagesViewModel(solace: try await newStore())
        vm.retry(messageId: "no-such-message")
        XCTAssertNil(vm.state.error)
    }

    func testMessagingNeedsSyncSetUp() async throws {
        let vm = MessagesViewModel(solace: try await newStore())
        vm.load()
        XCTAssertTrue(vm.state.conversations.isEmpty)
        XCTAssertFalse(vm.state.unavailable)
        await vm.sync()
        XCTAssertTrue(vm.state.unavailable)
        XCTAssertNil(vm.state.error)
        vm.open(conversationId: "nobody")
        XCTAssertEqual(vm.state.error, .notFound("conversation"))
    }

    func testTheConversationShowsItsIdentityAndVerifyingChangesIt() async throws {
        let (server, url) = try startServer()
        defer { stopServer(server) }
        let (_, client, _) = try await linked(url)
        let vm = MessagesViewModel(solace: client)
        vm.load()
        XCTAssertNil(vm.state.identity) // nothing open
        let peer = vm.state.conversations[0].id
        vm.open(conversationId: peer)

        // The number both people compare (pinned when the link was made), laid out by the core.
        let shown = try XCTUnwrap(vm.state.identity)
        let number = try XCTUnwrap(try client.messages().identityStatus(peerAccount: peer).safetyNumber)
        XCTAssertEqual(shown.safetyNumber, number)
        XCTAssertEqual(number.split(separator: " ").count, 12)
        XCTAssertEqual(shown.safetyNumberRows.count, 3)
        XCTAssertEqual(shown.safetyNumberRows.joined(separator: " "), number)
        XCTAssertTrue(try XCTUnwrap(shown.qrPayload).hasPrefix("solace-verify:1:"))
        XCTAssertEqual(try XCTUnwrap(shown.safetyNumberSpoken).components(separatedBy: ", ").count, 12)
        XCTAssertFalse(shown.verified)
        XCTAssertEqual(shown.statusLabel, "Not verified — compare the safety number")
        XCTAssertTrue(shown.canMarkVerified)
        XCTAssertFalse(shown.canUnverify)
        XCTAssertFalse(vm.state.sendingPaused)

        // Mark verified: stored by the core, still there after leaving and coming back.
        vm.markVerified()
        XCTAssertEqual(vm.state.identity?.verified, true)
        XCTAssertEqual(vm.state.identity?.statusLabel, "Verified")
        XCTAssertEqual(vm.state.identity?.canUnverify, true)
        XCTAssertEqual(vm.state.identity?.canMarkVerified, false)
        vm.close()
        XCTAssertNil(vm.state.identity)
        vm.open(conversationId: peer)
        XCTAssertEqual(vm.state.identity?.verified, true)
        XCTAssertTrue(try client.messages().identityStatus(peerAccount: peer).verified)

        // Unverify.
        vm.unverify()
        XCTAssertEqual(vm.state.identity?.verified, false)
        XCTAssertEqual(vm.state.identity?.canMarkVerified, true)
        XCTAssertFalse(try client.messages().identityStatus(peerAccount: peer).verified)
        XCTAssertEqual(vm.state.identity?.safetyNumber, number)
        XCTAssertNil(vm.state.error)
    }

    func testAChangedIdentityPausesSendingUntilAccepted() async throws {
        let (server, url) = try startServer()
        defer { stopServer(server) }
        let (_, client, _) = try await linked(url)
        let changed = IdentityChanged(unsafeFromHandle: client.messages().uniffiCloneHandle())
        let vm = MessagesViewModel(solace: client, messages: changed)
        vm.load()
        vm.open(conversationId: vm.state.conversations[0].id)

        let paused = try XCTUnwrap(vm.state.identity)
        XCTAssertTrue(vm.state.sendingPaused)
        XCTAssertTrue(paused.sendingPaused)
        XCTAssertEqual(paused.statusLabel, "Identity changed — sending paused until you accept")
        XCTAssertTrue(paused.canAcceptChange)
        XCTAssertFalse(paused.verified)
        XCTAssertFalse(paused.canMarkVerified)
        XCTAssertFalse(paused.canUnverify)
        XCTAssertNotNil(paused.safetyNumber)

        // Accepting goes through the view model's messages, and the banner goes.
        vm.acceptIdentityChange()
        XCTAssertEqual(changed.accepted, 1)
        let accepted = try XCTUnwrap(vm.state.identity)
        XCTAssertFalse(vm.state.sendingPaused)
        XCTAssertFalse(accepted.canAcceptChange)
        XCTAssertFalse(accepted.verified)
        XCTAssertTrue(accepted.canMarkVerified)
        XCTAssertEqual(accepted.statusLabel, "Not verified — compare the safety number")
        vm.close()
        vm.open(conversationId: vm.state.conversations[0].id)
        XCTAssertFalse(vm.state.sendingPaused)
        XCTAssertNil(vm.state.error)
    }

    func testANewDeviceOfTheOtherPersonShowsAsASystemLineNotUnread() async throws {
        let (server, url) = try startServer()
        defer { stopServer(server) }
        let (_, client, _) = try await linked(url)
        let vm = MessagesViewModel(solace: client)
        vm.load()
        let peer = vm.state.conversations[0].id

        // The therapist signs in on a tablet, which signs itself into the account's device list.
        let tablet = track(try await loginNewDevice(
            dir: try storePath(), serverUrl: url, username: "dr-kim", passphrase: passphrase, deviceName: "tablet"))
        _ = try await tablet.sync().syncNow(budget: .unlimited)

        // The client's next sync notes it in the conversation: read already, no badge.
        await vm.sync()
        XCTAssertNil(vm.state.error)
        XCTAssertEqual(vm.state.conversations.map(\.unread), [0])
        XCTAssertEqual(vm.state.totalUnread, 0)
        vm.open(conversationId: peer)
        XCTAssertEqual(vm.state.messages.count, 1)
        let line = vm.state.messages[0]
        XCTAssertEqual(line.text, "Dr. Kim added a device")
        XCTAssertTrue(line.systemLine)
        XCTAssertFalse(line.outgoing)
        XCTAssertNil(line.status)
        XCTAssertNil(line.statusLabel)
        XCTAssertFalse(line.canRetry)
        XCTAssertEqual(vm.state.conversations.map(\.unread), [0])

        // A chat message stays a bubble.
        let text = MessagesViewModel.bubble(
            Message(id: "m1", peerAccount: peer, outgoing: false, sentAtMs: 0, status: .unread,
                    content: .text(text: "hi")))
        XCTAssertFalse(text.systemLine)
    }
}

/// The client's real messages (a second reference to the same Rust object), except that the
/// other person's identity shows as changed until it is accepted. A real server never hands out
/// another identity for an account (the core's end-to-end tests edit the server's database for
/// that); everything else goes to the real core.
final class IdentityChanged: Messages, @unchecked Sendable {
    private(set) var pending = true
    private(set) var accepted = 0

    override func identityStatus(peerAccount: String) throws -> IdentityStatus {
        var status = try super.identityStatus(peerAccount: peerAccount)
        if pending {
            status.changed = true
            status.verified = false
        }
        return status
    }

    override func acceptIdentityChange(peerAccount: String) throws -> IdentityStatus {
        pending = false
        accepted += 1
        return try super.identityStatus(peerAccount: peerAccount)
    }
}
