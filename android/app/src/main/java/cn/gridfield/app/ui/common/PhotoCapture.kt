// Taking a photo for the store: the system camera writes into a private cache file
// (TakePicture + FileProvider), then we re-encode it as a right-side-up JPEG no bigger
// than needed (under the core's 10 MB limit, light on upload, EXIF location dropped).
package cn.gridfield.app.ui.common

import android.Manifest
import android.content.Context
import android.content.pm.PackageManager
import android.graphics.Bitmap
import android.graphics.BitmapFactory
import android.graphics.Matrix
import android.net.Uri
import androidx.activity.compose.rememberLauncherForActivityResult
import androidx.activity.result.contract.ActivityResultContracts
import androidx.compose.runtime.Composable
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.remember
import androidx.compose.runtime.rememberCoroutineScope
import androidx.compose.runtime.saveable.rememberSaveable
import androidx.compose.runtime.setValue
import androidx.compose.ui.platform.LocalContext
import androidx.core.content.ContextCompat
import androidx.core.content.FileProvider
import androidx.exifinterface.media.ExifInterface
import java.io.ByteArrayOutputStream
import java.io.File
import java.util.UUID
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.launch
import kotlinx.coroutines.withContext

/** Long side of a stored photo: enough to read a label on an extinguisher. */
private const val MAX_SIDE = 2048
private const val JPEG_QUALITY = 85

/**
 * Returns a function that asks for the camera permission if needed, opens the camera,
 * and hands the finished JPEG to [onPhoto] (on the main thread).
 */
@Composable
fun rememberPhotoCapture(onPhoto: (ByteArray) -> Unit): () -> Unit {
    val context = LocalContext.current
    val scope = rememberCoroutineScope()
    // Survives the activity being recreated while the camera app is in front.
    var pendingPath by rememberSaveable { mutableStateOf<String?>(null) }

    val takePicture = rememberLauncherForActivityResult(ActivityResultContracts.TakePicture()) { saved ->
        val file = pendingPath?.let(::File)
        pendingPath = null
        if (file == null) return@rememberLauncherForActivityResult
        if (!saved) {
            file.delete()
            return@rememberLauncherForActivityResult
        }
        scope.launch {
            val jpeg = withContext(Dispatchers.IO) { reencode(file) }
            if (jpeg != null) onPhoto(jpeg)
        }
    }
    fun launchCamera() {
        val file = newCaptureFile(context)
        pendingPath = file.path
        takePicture.launch(captureUri(context, file))
    }
    val permission = rememberLauncherForActivityResult(ActivityResultContracts.RequestPermission()) { granted ->
        if (granted) launchCamera()
    }
    return remember(takePicture, permission) {
        {
            // The manifest declares CAMERA (for plate scanning), so the camera intent
            // also needs it granted, or the system refuses with a SecurityException.
            if (ContextCompat.checkSelfPermission(context, Manifest.permission.CAMERA) == PackageManager.PERMISSION_GRANTED) {
                launchCamera()
            } else {
                permission.launch(Manifest.permission.CAMERA)
            }
        }
    }
}

private fun newCaptureFile(context: Context): File {
    val dir = File(context.cacheDir, "captures").apply { mkdirs() }
    return File(dir, "${UUID.randomUUID()}.jpg")
}

private fun captureUri(context: Context, file: File): Uri =
    FileProvider.getUriForFile(context, "${context.packageName}.photos", file)

/** The camera's file as a rotated, downscaled JPEG; the camera's file is deleted either way. */
private fun reencode(file: File): ByteArray? = try {
    val bounds = BitmapFactory.Options().apply { inJustDecodeBounds = true }
    BitmapFactory.decodeFile(file.path, bounds)
    var sample = 1
    while (maxOf(bounds.outWidth, bounds.outHeight) / (sample * 2) >= MAX_SIDE) sample *= 2
    val decoded = BitmapFactory.decodeFile(file.path, BitmapFactory.Options().apply { inSampleSize = sample })
    if (decoded == null) {
        null
    } else {
        val rotation = ExifInterface(file.path).rotationDegrees
        val upright = if (rotation == 0) {
            decoded
        } else {
            Bitmap.createBitmap(decoded, 0, 0, decoded.width, decoded.height, Matrix().apply { postRotate(rotation.toFloat()) }, true)
        }
        ByteArrayOutputStream().use { out ->
            upright.compress(Bitmap.CompressFormat.JPEG, JPEG_QUALITY, out)
            out.toByteArray()
        }
    }
} finally {
    file.delete()
}
