package app.solace.viewmodels

import app.solace.ffi.KdfPreset
import java.io.File
import kotlinx.coroutines.CoroutineScope
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

    private fun CoroutineScope.vm(dir: File, keys: app.solace.ffi.KeyStore = MemoryKeyStore()) =
        AppLockViewModel(File(dir, "store").path, keys, this, KdfPreset.MINIMUM, Dispatchers.Unconfined)

    @Test
    fun firstRunCreatesTheStoreAndShowsTheRecoveryKeyOnce() = runBlocking {
        val dir = scratch.dir()
        val keys = MemoryKeyStore()
        val lock = vm(dir, keys)
        lock.start().join()
        assertTrue(lock.current is LockState.Setup)

        lock.create(PASSPHRASE, "something else").join()
        assertEquals(UiError.PassphrasesDiffer, (lock.current as LockState.Setup).error)
        lock.create("", "").join()
        assertEquals(UiError.EmptyPassphrase, (lock.current as LockState.Setup).error)

        lock.create(PASSPHRASE, PASSPHRASE).join()
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
        lock.start().join()
        lock.create(PASSPHRASE, PASSPHRASE).join()
        lock.acknowledgeRecoveryKey()
        lock.lock()
        val locked = lock.current as LockState.Locked
        assertTrue("a remembered device can unlock with its key", locked.deviceUnlockAvailable)
        assertNull(lock.solace)

        lock.unlock("not the passphrase").join()
        var state = lock.current as LockState.Locked
        assertEquals(UiError.WrongPassphrase, state.error)
        assertEquals(1, state.failedAttempts)
        assertFalse(state.busy)
        assertFalse(state.offerRecovery)
        lock.unlock("still not it").join()
        lock.unlock("nope").join()
        state = lock.current as LockState.Locked
        assertEquals(3, state.failedAttempts)
        assertTrue("after three wrong passphrases the recovery key is offered", state.offerRecovery)

        lock.unlock("").join()
        assertEquals(UiError.EmptyPassphrase, (lock.current as LockState.Locked).error)

        lock.unlock(PASSPHRASE).join()
        assertEquals(LockState.Unlocked, lock.current)
        assertNotNull(lock.solace)
        lock.lock()
    }

    @Test
    fun deviceKeyUnlocksWithoutThePassphraseAndADeniedKeyStoreSaysSo() = runBlocking {
        val dir = scratch.dir()
        val keys = MemoryKeyStore()
        val first = vm(dir, keys)
        first.start().join()
        first.create(PASSPHRASE, PASSPHRASE).join()
        first.acknowledgeRecoveryKey()
        first.lock()

        // Next launch: the device key opens the store directly.
        val next = vm(dir, keys)
        next.start().join()
        assertEquals(LockState.Unlocked, next.current)
        next.lock()

        // A biometric prompt cancelled (the platform key store refuses): locked, typed error.
        val denied = vm(dir, DeniedKeyStore())
        denied.start().join()
        val state = denied.current as LockState.Locked
        assertEquals(UiError.KeyStoreDenied, state.error)

        // Another device (no key): passphrase only.
        val fresh = vm(dir, MemoryKeyStore())
        fresh.start().join()
        assertEquals(LockState.Locked(deviceUnlockAvailable = false), fresh.current)
        fresh.unlockWithDevice().join()
        assertEquals(UiError.DeviceNotRemembered, (fresh.current as LockState.Locked).error)
    }

    @Test
    fun recoveryKeySetsANewPassphrase() = runBlocking {
        val dir = scratch.dir()
        val lock = vm(dir, MemoryKeyStore())
        lock.start().join()
        lock.create(PASSPHRASE, PASSPHRASE).join()
        val recovery = (lock.current as LockState.ShowRecoveryKey).recoveryKey
        lock.acknowledgeRecoveryKey()
        lock.lock()

        lock.recover("not a key", "new velvet harbor pilgrim").join()
        assertEquals(UiError.MalformedRecoveryKey, (lock.current as LockState.Locked).error)
        lock.recover(recovery, "new velvet harbor pilgrim").join()
        assertEquals(LockState.Unlocked, lock.current)
        lock.lock()
        lock.unlock(PASSPHRASE).join()
        assertEquals(UiError.WrongPassphrase, (lock.current as LockState.Locked).error)
        lock.unlock("new velvet harbor pilgrim").join()
        assertEquals(LockState.Unlocked, lock.current)
        lock.lock()
    }
}
