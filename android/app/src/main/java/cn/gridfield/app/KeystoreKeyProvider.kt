// The database key: 32 random bytes from the core, sealed with an AES-256-GCM key that
// never leaves the Android Keystore, and kept only in that sealed form in app-private
// no-backup storage. The plaintext key exists in memory while the store is opened.
package cn.gridfield.app

import android.os.Build
import android.security.keystore.KeyGenParameterSpec
import android.security.keystore.KeyProperties
import cn.gridfield.data.DatabaseKeyProvider
import cn.gridfield.ffi.generateDatabaseKey
import cn.gridfield.ffi.storeExists
import java.io.DataInputStream
import java.io.DataOutputStream
import java.io.File
import java.security.KeyStore
import java.security.ProviderException
import javax.crypto.Cipher
import javax.crypto.KeyGenerator
import javax.crypto.SecretKey
import javax.crypto.spec.GCMParameterSpec

class KeystoreKeyProvider(
    /** The sealed key file (version, IV, ciphertext). */
    private val sealedFile: File,
    /** The store's folder: a store without its key must never get a fresh key. */
    private val storeDir: String,
) : DatabaseKeyProvider {

    private val lock = Any()

    override fun databaseKey(): ByteArray = synchronized(lock) {
        if (sealedFile.exists()) return unseal(sealedFile.readBytes())
        // A new key would not open the existing file; the core would answer `wrong_key`,
        // but say plainly what happened instead, and leave the data untouched for support.
        check(!storeExists(storeDir)) { "database key missing for an existing store" }
        val key = generateDatabaseKey()
        writeAtomically(seal(key))
        key
    }

    private fun wrappingKey(): SecretKey {
        val ks = KeyStore.getInstance(KEYSTORE).apply { load(null) }
        (ks.getKey(ALIAS, null) as? SecretKey)?.let { return it }
        if (Build.VERSION.SDK_INT >= Build.VERSION_CODES.P) {
            // StrongBoxUnavailableException is a ProviderException; most phones have no StrongBox.
            try {
                return generateWrappingKey(strongBox = true)
            } catch (e: ProviderException) {
                // fall through to the TEE-backed key
            }
        }
        return generateWrappingKey(strongBox = false)
    }

    private fun generateWrappingKey(strongBox: Boolean): SecretKey {
        val spec = KeyGenParameterSpec.Builder(ALIAS, KeyProperties.PURPOSE_ENCRYPT or KeyProperties.PURPOSE_DECRYPT)
            .setBlockModes(KeyProperties.BLOCK_MODE_GCM)
            .setEncryptionPaddings(KeyProperties.ENCRYPTION_PADDING_NONE)
            .setKeySize(256)
            .setRandomizedEncryptionRequired(true)
            .apply { if (strongBox && Build.VERSION.SDK_INT >= Build.VERSION_CODES.P) setIsStrongBoxBacked(true) }
            .build()
        return KeyGenerator.getInstance(KeyProperties.KEY_ALGORITHM_AES, KEYSTORE)
            .apply { init(spec) }
            .generateKey()
    }

    private fun seal(key: ByteArray): ByteArray {
        val cipher = Cipher.getInstance(TRANSFORMATION).apply { init(Cipher.ENCRYPT_MODE, wrappingKey()) }
        val sealed = cipher.doFinal(key)
        val out = java.io.ByteArrayOutputStream()
        DataOutputStream(out).use { d ->
            d.writeByte(FORMAT_VERSION)
            d.writeByte(cipher.iv.size)
            d.write(cipher.iv)
            d.writeInt(sealed.size)
            d.write(sealed)
        }
        return out.toByteArray()
    }

    private fun unseal(bytes: ByteArray): ByteArray {
        DataInputStream(bytes.inputStream()).use { d ->
            check(d.readUnsignedByte() == FORMAT_VERSION) { "unknown sealed key format" }
            val iv = ByteArray(d.readUnsignedByte()).also { d.readFully(it) }
            val sealed = ByteArray(d.readInt()).also { d.readFully(it) }
            val cipher = Cipher.getInstance(TRANSFORMATION)
            cipher.init(Cipher.DECRYPT_MODE, wrappingKey(), GCMParameterSpec(TAG_BITS, iv))
            return cipher.doFinal(sealed)
        }
    }

    /** Write-then-rename, so a crash mid-write never leaves half a key behind. */
    private fun writeAtomically(bytes: ByteArray) {
        sealedFile.parentFile?.mkdirs()
        val tmp = File(sealedFile.path + ".tmp")
        tmp.outputStream().use { it.write(bytes); it.fd.sync() }
        check(tmp.renameTo(sealedFile)) { "could not store the sealed database key" }
    }

    private companion object {
        const val KEYSTORE = "AndroidKeyStore"
        const val ALIAS = "gridfield.db.wrap.v1"
        const val TRANSFORMATION = "AES/GCM/NoPadding"
        const val TAG_BITS = 128
        const val FORMAT_VERSION = 1
    }
}
