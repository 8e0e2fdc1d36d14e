import SolaceViewModels
import SwiftUI

struct SettingsView: View {
    let vm: SettingsViewModel
    let lock: AppLockViewModel
    @Environment(\.dismiss) private var dismiss

    var body: some View {
        let s = vm.state.settings
        Form {
            Section("Privacy") {
                Toggle("App lock (Face ID / Touch ID / passcode)", isOn: Binding(get: { s.appLock }, set: { on in
                    // The Keychain item's access control is fixed when it is written: re-save
                    // the device key under the new rule.
                    if let solace = lock.solace {
                        try? solace.forgetDevice(keystore: KeychainKeyStore(requireBiometry: s.appLock))
                        vm.setAppLock(on)
                        try? solace.rememberDevice(keystore: KeychainKeyStore(requireBiometry: on))
                    } else {
                        vm.setAppLock(on)
                    }
                }))
                Picker("Lock after", selection: Binding(get: { s.lockAfterSeconds }, set: { vm.setLockAfter(seconds: $0) })) {
                    ForEach(SettingsState.lockAfterChoices, id: \.self) { Text($0 == 0 ? "Immediately" : "\($0 / 60) min").tag($0) }
                }
                Toggle("Discreet notifications", isOn: Binding(get: { s.discreetNotifications }, set: vm.setDiscreetNotifications))
                Text("Notifications look like: “\(vm.state.notificationPreview.title) — \(vm.state.notificationPreview.body)”").font(.footnote)
                Toggle("Quick hide button", isOn: Binding(get: { s.quickHide }, set: vm.setQuickHide))
            }
            Section("App icon and name") {
                Picker("Show as", selection: Binding(get: { s.identity }, set: vm.setIdentity)) {
                    ForEach(AppIdentity.allCases, id: \.self) { Text($0.displayName).tag($0) }
                }
            }
            Button("Lock now") { lock.lock() }
        }
        .navigationTitle("Settings")
        .toolbar { Button("Close") { dismiss() } }
    }
}
