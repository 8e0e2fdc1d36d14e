package app.solace.android.platform

import android.os.Build
import android.security.keystore.KeyGenParameterSpec
import android.security.keystore.KeyPermanentlyInvalidatedException
import android.security.keystore.KeyProperties
import android.security.keystore.UserNotAuthenticatedException
import app.solace.ffi.KeyStore
import app.solace.ffi.KeyStoreException
import java.io.File
import java.security.GeneralSecurityException
import javax.crypto.Cipher
import javax.crypto.KeyGenerator
import javax.crypto.SecretKey
import javax.crypto.spec.GCMParameterSpec

/**
 * The platform `KeyStore` the Rust core asks for the 32-byte device key.
 *
 * An AES-256-GCM key that never leaves the AndroidKeyStore (hardware-backed where the device
 * has it: TEE/StrongBox) wraps the device key; the wrapped bytes (`v1 | iv(12) | ct+tag`) live
 * in the app's private files, excluded from backup. With [requireUserAuth] (the app lock), the
 * AndroidKeyStore key is usable only for [AUTH_WINDOW_SECONDS] after a biometric / device
 * credential check, so opening the store needs the person; without the check the Keystore
 * throws and we report `AccessDenied` (the lock screen then shows the BiometricPrompt).
 */
class KeystoreKeyStore(
    private val dir: File,
    private val requireUserAuth: Boolean,
) : KeyStore {
    private val keystore = java.security.KeyStore.getInstance(PROVIDER).apply { load(null) }

    override fun load(vaultId: String): ByteArray? {
        val file = fileFor(vaultId)
        if (!file.isFile) return null
        val blob = file.readBytes()
        if (blob.size < 1 + IV_BYTES + TAG_BITS / 8 || blob[0] != VERSION) throw KeyStoreException.Malformed()
        val key = wrappingKey(vaultId, create = false) ?: throw KeyStoreException.Malformed()
        return guarded {
            val cipher = Cipher.getInstance(TRANSFORMATION)
            cipher.init(Cipher.DECRYPT_MODE, key, GCMParameterSpec(TAG_BITS, blob, 1, IV_BYTES))
            cipher.updateAAD(vaultId.toByteArray())
            cipher.doFinal(blob, 1 + IV_BYTES, blob.size - 1 - IV_BYTES)
        }
    }

    override fun save(vaultId: String, key: ByteArray) {
        val wrapping = wrappingKey(vaultId, create = true) ?: throw KeyStoreException.Backend("no wrapping key")
        val blob = guarded {
            val cipher = Cipher.getInstance(TRANSFORMATION)
            cipher.init(Cipher.ENCRYPT_MODE, wrapping) // the Keystore picks a random IV
            cipher.updateAAD(vaultId.toByteArray())
            byteArrayOf(VERSION) + cipher.iv + cipher.doFinal(key)
        }
        dir.mkdirs()
        val tmp = File(dir, "$vaultId.tmp")
        tmp.writeBytes(blob)
        if (!tmp.renameTo(fileFor(vaultId))) throw KeyStoreException.Backend("cannot store the wrapped key")
    }

    override fun delete(vaultId: String) {
        fileFor(vaultId).delete()
        runCatching { keystore.deleteEntry(alias(vaultId)) }
    }

    private fun fileFor(vaultId: String): File {
        require(vaultId.all { it.isLetterOrDigit() || it == '-' }) { "unexpected vault id" }
        return File(dir, "$vaultId.key")
    }

    private fun alias(vaultId: String) = "solace-device-key-$vaultId"

    private fun wrappingKey(vaultId: String, create: Boolean): SecretKey? {
        (keystore.getKey(alias(vaultId), null) as? SecretKey)?.let { return it }
        if (!create) return null
        val spec = KeyGenParameterSpec.Builder(alias(vaultId), KeyProperties.PURPOSE_ENCRYPT or KeyProperties.PURPOSE_DECRYPT)
            .setBlockModes(KeyProperties.BLOCK_MODE_GCM)
            .setEncryptionPaddings(KeyProperties.ENCRYPTION_PADDING_NONE)
            .setKeySize(256)
            .setRandomizedEncryptionRequired(true)
            .apply {
                if (requireUserAuth) {
                    setUserAuthenticationRequired(true)
                    if (Build.VERSION.SDK_INT >= Build.VERSION_CODES.R) {
                        setUserAuthenticationParameters(
                            AUTH_WINDOW_SECONDS,
                            KeyProperties.AUTH_BIOMETRIC_STRONG or KeyProperties.AUTH_DEVICE_CREDENTIAL,
                        )
                    } else {
                        @Suppress("DEPRECATION")
                        setUserAuthenticationValidityDurationSeconds(AUTH_WINDOW_SECONDS)
                    }
                    setInvalidatedByBiometricEnrollment(true)
                }
            }
            .build()
        return KeyGenerator.getInstance(KeyProperties.KEY_ALGORITHM_AES, PROVIDER).run {
            init(spec)
            generateKey()
        }
    }

    private inline fun <T> guarded(block: () -> T): T = try {
        block()
    } catch (e: UserNotAuthenticatedException) {
        throw KeyStoreException.AccessDenied()
    } catch (e: KeyPermanentlyInvalidatedException) {
        // New biometrics enrolled: the wrapped key is gone for good; the passphrase still works.
        throw KeyStoreException.Malformed()
    } catch (e: GeneralSecurityException) {
        throw KeyStoreException.Backend(e.javaClass.simpleName)
    }

    companion object {
        private const val PROVIDER = "AndroidKeyStore"
        private const val TRANSFORMATION = "AES/GCM/NoPadding"
        private const val IV_BYTES = 12
        private const val TAG_BITS = 128
        private const val VERSION: Byte = 1
        const val AUTH_WINDOW_SECONDS = 30
    }
}
