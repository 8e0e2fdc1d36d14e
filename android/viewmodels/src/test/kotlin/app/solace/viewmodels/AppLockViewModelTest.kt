package app.solace.viewmodels

import app.solace.ffi.KdfPreset
import java.io.File
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.runBlocking
import org.junit.After
import org.junit.Assert.assertEquals
import org.junit.Assert.assertFalse
import org.junit.Assert.assertNotNull
import org.junit.Assert.assertNull
import org.junit.Assert.assertTrue
import org.junit.Test

class AppLockViewModelTest {
    private val scratch = Scratch()

    @After
    fun cleanUp() = scratch.close()

    private fun vm(dir: File, keys: app.solace.ffi.KeyStore = MemoryKeyStore()) =
        AppLockViewModel(File(dir, "store").path, keys, KdfPreset.MINIMUM, Dispatchers.Unconfined)

    @Test
    fun firstRunCreatesTheStoreAndShowsTheRecoveryKeyOnce() = runBlocking {
        val dir = scratch.dir()
        val keys = MemoryKeyStore()
        val lock = vm(dir, keys)
        lock.start()
        assertTrue(lock.current is LockState.Setup)

        lock.create(PASSPHRASE, "something else")
        assertEquals(UiError.PassphrasesDiffer, (lock.current as LockState.Setup).error)
        lock.create("", "")
        assertEquals(UiError.EmptyPassphrase, (lock.current as LockState.Setup).error)

        lock.create(PASSPHRASE, PASSPHRASE)
        val shown = lock.current as LockState.ShowRecoveryKey
        assertTrue(shown.recoveryKey.isNotBlank())
        assertNull("not unlocked before the key is acknowledged", lock.solace)
        lock.acknowledgeRecoveryKey()
        assertEquals(LockState.Unlocked, lock.current)
        val solace = lock.solace!!
        assertTrue(solace.deviceRemembered())
        assertEquals(1, keys.keys.size)
        lock.lock()
    }

    @Test
    fun wrongPassphraseShowsTheTypedErrorAndCountsAttempts() = runBlocking {
        val dir = scratch.dir()
        val lock = vm(dir, MemoryKeyStore())
        lock.start()
        lock.create(PASSPHRASE, PASSPHRASE)
        lock.acknowledgeRecoveryKey()
        lock.lock()
        val locked = lock.current as LockState.Locked
        assertTrue("a remembered device can unlock with its key", locked.deviceUnlockAvailable)
        assertNull(lock.solace)

        lock.unlock("not the passphrase")
        var state = lock.current as LockState.Locked
        assertEquals(UiError.WrongPassphrase, state.error)
        assertEquals(1, state.failedAttempts)
        assertFalse(state.busy)
        assertFalse(state.offerRecovery)
        lock.unlock("still not it")
        lock.unlock("nope")
        state = lock.current as LockState.Locked
        assertEquals(3, state.failedAttempts)
        assertTrue("after three wrong passphrases the recovery key is offered", state.offerRecovery)

        lock.unlock("")
        assertEquals(UiError.EmptyPassphrase, (lock.current as LockState.Locked).error)

        lock.unlock(PASSPHRASE)
        assertEquals(LockState.Unlocked, lock.current)
        assertNotNull(lock.solace)
        lock.lock()
    }

    @Test
    fun deviceKeyUnlocksWithoutThePassphraseAndADeniedKeyStoreSaysSo() = runBlocking {
        val dir = scratch.dir()
        val keys = MemoryKeyStore()
        val first = vm(dir, keys)
        first.start()
        first.create(PASSPHRASE, PASSPHRASE)
        first.acknowledgeRecoveryKey()
        first.lock()

        // Next launch: the device key opens the store directly.
        val next = vm(dir, keys)
        next.start()
        assertEquals(LockState.Unlocked, next.current)
        next.lock()

        // A biometric prompt cancelled (the platform key store refuses): locked, typed error.
        val denied = vm(dir, DeniedKeyStore())
        denied.start()
        val state = denied.current as LockState.Locked
        assertEquals(UiError.KeyStoreDenied, state.error)

        // Another device (no key): passphrase only.
        val fresh = vm(dir, MemoryKeyStore())
        fresh.start()
        assertEquals(LockState.Locked(deviceUnlockAvailable = false), fresh.current)
        fresh.unlockWithDevice()
        assertEquals(UiError.DeviceNotRemembered, (fresh.current as LockState.Locked).error)
    }

    @Test
    fun recoveryKeySetsANewPassphrase() = runBlocking {
        val dir = scratch.dir()
        val lock = vm(dir, MemoryKeyStore())
        lock.start()
        lock.create(PASSPHRASE, PASSPHRASE)
        val recovery = (lock.current as LockState.ShowRecoveryKey).recoveryKey
        lock.acknowledgeRecoveryKey()
        lock.lock()

        lock.recover("not a key", "new velvet harbor pilgrim")
        assertEquals(UiError.MalformedRecoveryKey, (lock.current as LockState.Locked).error)
        lock.recover(recovery, "new velvet harbor pilgrim")
        assertEquals(LockState.Unlocked, lock.current)
        lock.lock()
        lock.unlock(PASSPHRASE)
        assertEquals(UiError.WrongPassphrase, (lock.current as LockState.Locked).error)
        lock.unlock("new velvet harbor pilgrim")
        assertEquals(LockState.Unlocked, lock.current)
        lock.lock()
    }
}
