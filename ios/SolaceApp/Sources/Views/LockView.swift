import SolaceViewModels
import SwiftUI

/// First run (passphrase + recovery key), unlock, and recovery. State lives in `AppLockViewModel`.
struct LockView: View {
    let lock: AppLockViewModel
    @State private var passphrase = ""
    @State private var confirmation = ""
    @State private var recovering = false
    @State private var recoveryKey = ""

    var body: some View {
        Form {
            switch lock.state {
            case .checking, .unlocked:
                ProgressView()
            case .setup(let busy, let error):
                Section("Choose a passphrase") {
                    SecureField("Passphrase", text: $passphrase)
                    SecureField("Type it again", text: $confirmation)
                    ErrorLine(error: error)
                    Button("Create my private space") { Task { await lock.create(passphrase: passphrase, confirmation: confirmation) } }
                        .disabled(busy)
                }
            case .showRecoveryKey(let key):
                Section("Your recovery key") {
                    Text("Write it down and keep it somewhere safe. It is shown only once, and it is the only way back in if you forget your passphrase.")
                    Text(key).font(.title3.monospaced()).textSelection(.enabled)
                    Button("I wrote it down") { passphrase = ""; confirmation = ""; lock.acknowledgeRecoveryKey() }
                }
            case .locked(let s):
                Section("Unlock") {
                    if recovering {
                        TextField("Recovery key", text: $recoveryKey).textInputAutocapitalization(.characters)
                        SecureField("New passphrase", text: $passphrase)
                        ErrorLine(error: s.error)
                        Button("Reset passphrase") { Task { await lock.recover(recoveryKey: recoveryKey, newPassphrase: passphrase) } }
                            .disabled(s.busy)
                        Button("Back") { recovering = false }
                    } else {
                        SecureField("Passphrase", text: $passphrase)
                        ErrorLine(error: s.error)
                        Button("Unlock") { Task { await lock.unlock(passphrase: passphrase); passphrase = "" } }.disabled(s.busy)
                        if s.deviceUnlockAvailable {
                            Button("Use Face ID or Touch ID") { Task { await lock.unlockWithDevice() } }
                        }
                        if s.offerRecovery {
                            Button("Forgot passphrase? Use your recovery key") { recovering = true }
                        }
                    }
                }
            }
        }
    }
}
