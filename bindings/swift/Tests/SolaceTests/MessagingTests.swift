// Host tests of the generated Swift bindings for messaging, against the real native library
// and a real `solace server`. Run with `cargo xtask test-swift`.
import Foundation
import XCTest
@testable import Solace

final class MessagingTests: XCTestCase {
    private var dirs: [URL] = []
    private var open: [Solace] = []

    private func tempDir() throws -> URL {
        let dir = FileManager.default.temporaryDirectory
            .appendingPathComponent("solace-swift-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        dirs.append(dir)
        return dir
    }

    private func newStore(_ passphrase: String = "cobalt lantern tundra oyster") async throws -> (Solace, URL) {
        let dir = try tempDir()
        let created = try await createStore(dir: dir.path, passphrase: passphrase, kdf: .minimum)
        XCTAssertFalse(created.recoveryKey.isEmpty)
        open.append(created.solace)
        return (created.solace, dir)
    }

    override func tearDown() {
        open.forEach { $0.closeStore() }
        open = []
        dirs.forEach { try? FileManager.default.removeItem(at: $0) }
        dirs = []
    }

    /// `solace server` on a free loopback port with a fresh SQLite database.
    private func startServer() throws -> (Process, String) { try startSolaceServer(db: try tempDir()) }

    func testMessageRoundTripAgainstARealServer() async throws {
        let (server, url) = try startServer()
        defer {
            stopServer(server)
        }
        let pass = "long shared velvet harbor pilgrim"
        let (therapist, _) = try await newStore(pass)
        let (client, _) = try await newStore(pass)
        try await therapist.sync().register(serverUrl: url, username: "dr-kim", passphrase: pass, deviceName: "office")
        try await client.sync().register(serverUrl: url, username: "casey", passphrase: pass, deviceName: "phone")
        try await therapist.messages().publishTherapistProfile(profile: TherapistProfile(
            displayName: "Dr. Kim", bio: "CBT for worry", specialties: ["anxiety"],
            approaches: ["cbt"], languages: ["en"],
            slots: [AvailabilitySlot(start: "2026-12-01T10:00:00Z", minutes: 60)]))
        let found = try await client.messages().searchDirectory(
            query: DirectoryQuery(specialty: "Anxiety", approach: nil, language: nil, text: nil))
        XCTAssertEqual(found.map { $0.profile.displayName }, ["Dr. Kim"])
        let link = try await client.messages().requestLink(therapistId: found[0].therapistId)
        XCTAssertEqual(link.state, .pending)
        let accepted = try await therapist.messages().acceptLink(linkId: link.linkId)
        XCTAssertEqual(accepted.state, .active)
        _ = try await therapist.sync().syncNow(budget: .unlimited)
        _ = try await client.sync().syncNow(budget: .unlimited)

        let conversations = try client.messages().conversations()
        XCTAssertEqual(conversations.count, 1)
        let peer = conversations[0].peerAccount
        XCTAssertEqual(conversations[0].peerName, "Dr. Kim")
        let sent = try client.messages().sendText(peerAccount: peer, text: "hello from Swift")
        XCTAssertEqual(sent.status, .queued)
        _ = try await client.sync().syncNow(budget: .unlimited)
        XCTAssertEqual(try client.messages().messages(peerAccount: peer).first?.status, .sent)

        let listener = RecordingListener()
        let sub = therapist.subscribe(listener: listener)
        defer { sub.cancel() }
        let background = try await therapist.sync().syncNow(budget: .background)
        XCTAssertEqual(background.messagesArrived, 1)
        XCTAssertEqual(listener.arrived, [link.clientId])
        let received = try therapist.messages().messages(peerAccount: link.clientId)
        XCTAssertEqual(received.count, 1)
        XCTAssertEqual(received[0].content, .text(text: "hello from Swift"))
        XCTAssertEqual(received[0].status, .unread)
        XCTAssertEqual(try therapist.messages().markRead(peerAccount: link.clientId), 1)
        _ = try therapist.messages().sendText(peerAccount: link.clientId, text: "hello back")
        _ = try await therapist.sync().syncNow(budget: .unlimited)

        _ = try await client.sync().syncNow(budget: .unlimited)
        let thread = try client.messages().messages(peerAccount: peer)
        XCTAssertEqual(thread.count, 2)
        XCTAssertEqual(thread[0].status, .read)
        XCTAssertEqual(thread[1].content, .text(text: "hello back"))
        XCTAssertEqual(try client.messages().conversations()[0].unread, 1)

        // Both sides see the same safety number; "verified" is stored and can be withdrawn.
        let mine = try client.messages().identityStatus(peerAccount: peer)
        let theirs = try therapist.messages().identityStatus(peerAccount: link.clientId)
        XCTAssertNotNil(mine.safetyNumber)
        XCTAssertEqual(mine.safetyNumber, theirs.safetyNumber)
        XCTAssertEqual(mine.safetyNumber?.split(separator: " ").count, 12)
        XCTAssertTrue(mine.qrPayload?.hasPrefix("solace-verify:1:") ?? false)
        XCTAssertFalse(mine.verified)
        XCTAssertFalse(mine.changed)
        XCTAssertEqual(mine.devices.count, 1)
        XCTAssertTrue(try client.messages().markVerified(peerAccount: peer, verified: true).verified)
        XCTAssertTrue(try client.messages().identityStatus(peerAccount: peer).verified)
        XCTAssertFalse(try client.messages().markVerified(peerAccount: peer, verified: false).verified)
    }

    func testANoticeReachesTheAppAsMessageContentNotice() async throws {
        let (server, url) = try startServer()
        defer {
            stopServer(server)
        }
        let pass = "long shared velvet harbor pilgrim"
        let (therapist, _) = try await newStore(pass)
        let (client, _) = try await newStore(pass)
        try await therapist.sync().register(serverUrl: url, username: "dr-kim", passphrase: pass, deviceName: "office")
        try await client.sync().register(serverUrl: url, username: "casey", passphrase: pass, deviceName: "phone")
        try await therapist.messages().publishTherapistProfile(profile: TherapistProfile(
            displayName: "Dr. Kim", bio: "CBT for worry", specialties: ["anxiety"],
            approaches: ["cbt"], languages: ["en"],
            slots: [AvailabilitySlot(start: "2026-12-01T10:00:00Z", minutes: 60)]))
        let found = try await client.messages().searchDirectory(
            query: DirectoryQuery(specialty: "anxiety", approach: nil, language: nil, text: nil))
        let link = try await client.messages().requestLink(therapistId: found[0].therapistId)
        _ = try await therapist.messages().acceptLink(linkId: link.linkId)
        _ = try await therapist.sync().syncNow(budget: .unlimited)
        _ = try await client.sync().syncNow(budget: .unlimited)
        let peer = try client.messages().conversations()[0].peerAccount
        XCTAssertEqual(try client.messages().messages(peerAccount: peer).count, 0)

        // The therapist signs in on a tablet; its first sync signs it into the device list.
        let tablet = try await loginNewDevice(
            dir: try tempDir().appendingPathComponent("store").path, serverUrl: url,
            username: "dr-kim", passphrase: pass, deviceName: "tablet")
        open.append(tablet)
        _ = try await tablet.sync().syncNow(budget: .unlimited)

        // The client's next sync adds a local notice: already read, never sent.
        _ = try await client.sync().syncNow(budget: .unlimited)
        let thread = try client.messages().messages(peerAccount: peer)
        XCTAssertEqual(thread.count, 1)
        let notice = try XCTUnwrap(thread.first)
        XCTAssertEqual(notice.content, .notice(text: "Dr. Kim added a device"))
        XCTAssertFalse(notice.outgoing)
        XCTAssertEqual(notice.status, .read)
        XCTAssertEqual(try client.messages().conversations()[0].unread, 0)
        XCTAssertTrue(messageIsSystemLine(content: notice.content))
        XCTAssertEqual(messageText(content: notice.content), "Dr. Kim added a device")
        XCTAssertNil(deliveryStatusLabel(status: notice.status, outgoing: notice.outgoing))
        XCTAssertEqual(try client.messages().identityStatus(peerAccount: peer).devices.count, 2)

        // The identity view crosses the FFI from the status the bindings return.
        var status = try client.messages().identityStatus(peerAccount: peer)
        let view = identityView(status: status)
        XCTAssertNotNil(view.safetyNumber)
        XCTAssertEqual(view.safetyNumberRows.joined(separator: " "), status.safetyNumber)
        XCTAssertEqual(view.qrPayload, status.qrPayload)
        XCTAssertEqual(view.statusLabel, "Not verified — compare the safety number")
        status.changed = true
        let changed = identityView(status: status)
        XCTAssertTrue(changed.sendingPaused && changed.canAcceptChange && !changed.canMarkVerified)
        XCTAssertEqual(changed.statusLabel, "Identity changed — sending paused until you accept")
    }
}
