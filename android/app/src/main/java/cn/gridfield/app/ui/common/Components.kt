// Small building blocks every screen uses: the top bar scaffold, error and loading
// states, delivery badges, dates, and photo thumbnails loaded from the store.
package cn.gridfield.app.ui.common

import android.graphics.BitmapFactory
import androidx.compose.foundation.Image
import androidx.compose.foundation.background
import androidx.compose.foundation.layout.Box
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.PaddingValues
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.layout.size
import androidx.compose.foundation.shape.RoundedCornerShape
import androidx.compose.material.icons.Icons
import androidx.compose.material.icons.automirrored.filled.ArrowBack
import androidx.compose.material3.CircularProgressIndicator
import androidx.compose.material3.ExperimentalMaterial3Api
import androidx.compose.material3.Icon
import androidx.compose.material3.IconButton
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.Scaffold
import androidx.compose.material3.Surface
import androidx.compose.material3.Text
import androidx.compose.material3.TopAppBar
import androidx.compose.runtime.Composable
import androidx.compose.runtime.getValue
import androidx.compose.runtime.produceState
import androidx.compose.ui.Alignment
import androidx.compose.ui.Modifier
import androidx.compose.ui.draw.clip
import androidx.compose.ui.graphics.Color
import androidx.compose.ui.graphics.ImageBitmap
import androidx.compose.ui.graphics.asImageBitmap
import androidx.compose.ui.layout.ContentScale
import androidx.compose.ui.res.stringResource
import androidx.compose.ui.text.font.FontWeight
import androidx.compose.ui.unit.Dp
import androidx.compose.ui.unit.dp
import cn.gridfield.app.R
import cn.gridfield.app.ui.Danger
import cn.gridfield.app.ui.Ok
import cn.gridfield.app.ui.Warning
import cn.gridfield.ffi.Delivery
import java.time.Instant
import java.time.ZoneId
import java.time.format.DateTimeFormatter
import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.withContext

@OptIn(ExperimentalMaterial3Api::class)
@Composable
fun GridfieldScaffold(
    title: String,
    onBack: (() -> Unit)? = null,
    actions: @Composable () -> Unit = {},
    content: @Composable (PaddingValues) -> Unit,
) {
    Scaffold(
        topBar = {
            TopAppBar(
                title = { Text(title) },
                navigationIcon = {
                    if (onBack != null) {
                        IconButton(onClick = onBack) {
                            Icon(Icons.AutoMirrored.Filled.ArrowBack, contentDescription = stringResource(R.string.back))
                        }
                    }
                },
                actions = { actions() },
            )
        },
        content = content,
    )
}

@Composable
fun ErrorText(message: String?, modifier: Modifier = Modifier) {
    if (message == null) return
    Text(message, color = MaterialTheme.colorScheme.error, modifier = modifier.padding(vertical = 4.dp))
}

@Composable
fun FullScreenLoading() {
    Box(Modifier.fillMaxSize(), contentAlignment = Alignment.Center) { CircularProgressIndicator() }
}

@Composable
fun SectionTitle(text: String, modifier: Modifier = Modifier) {
    Text(
        text,
        style = MaterialTheme.typography.titleMedium,
        fontWeight = FontWeight.SemiBold,
        modifier = modifier.fillMaxWidth().padding(top = 16.dp, bottom = 4.dp),
    )
}

/** Where a record is on its way to the server, as a small coloured tag. */
@Composable
fun DeliveryBadge(delivery: Delivery) {
    val (label, color) = when (delivery) {
        Delivery.LOCAL -> R.string.delivery_local to Warning
        Delivery.SERVER -> R.string.delivery_server to Ok
        Delivery.REVIEWED -> R.string.delivery_reviewed to Ok
        Delivery.REJECTED -> R.string.delivery_rejected to Danger
    }
    Tag(stringResource(label), color)
}

@Composable
fun Tag(text: String, color: Color) {
    Surface(color = color.copy(alpha = 0.12f), shape = RoundedCornerShape(4.dp)) {
        Text(
            text,
            color = color,
            style = MaterialTheme.typography.labelMedium,
            modifier = Modifier.padding(horizontal = 6.dp, vertical = 2.dp),
        )
    }
}

private val dateTime = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm")
private val dateOnly = DateTimeFormatter.ofPattern("yyyy-MM-dd")

fun formatTime(ms: Long): String = dateTime.format(Instant.ofEpochMilli(ms).atZone(ZoneId.systemDefault()))
fun formatDate(ms: Long): String = dateOnly.format(Instant.ofEpochMilli(ms).atZone(ZoneId.systemDefault()))

/**
 * A stored photo by hash: from the phone, or downloaded once (a supervisor's photo).
 * Decoded downsampled, off the main thread.
 */
@Composable
fun PhotoThumb(hash: String, size: Dp = 96.dp) {
    val repository = LocalSession.current.repository
    val image by produceState<ImageBitmap?>(null, hash) {
        value = try {
            val bytes = repository.photo(hash)
            withContext(Dispatchers.Default) { decodeSampled(bytes, 256)?.asImageBitmap() }
        } catch (e: CancellationException) {
            throw e
        } catch (t: Throwable) {
            null // offline and not on the phone yet: the placeholder stays
        }
    }
    val shape = RoundedCornerShape(6.dp)
    val current = image
    if (current == null) {
        Box(Modifier.size(size).clip(shape).background(MaterialTheme.colorScheme.surfaceVariant))
    } else {
        Image(
            current,
            contentDescription = stringResource(R.string.photo),
            contentScale = ContentScale.Crop,
            modifier = Modifier.size(size).clip(shape),
        )
    }
}

@Composable
fun PhotoStrip(hashes: List<String>) {
    if (hashes.isEmpty()) return
    androidx.compose.foundation.lazy.LazyRow(
        horizontalArrangement = androidx.compose.foundation.layout.Arrangement.spacedBy(8.dp),
        modifier = Modifier.padding(vertical = 4.dp),
    ) {
        items(hashes.size) { i -> PhotoThumb(hashes[i]) }
    }
}

/** Decodes at roughly [maxSide] pixels so a list of 12-megapixel photos fits in memory. */
fun decodeSampled(bytes: ByteArray, maxSide: Int): android.graphics.Bitmap? {
    val bounds = BitmapFactory.Options().apply { inJustDecodeBounds = true }
    BitmapFactory.decodeByteArray(bytes, 0, bytes.size, bounds)
    var sample = 1
    while (maxOf(bounds.outWidth, bounds.outHeight) / (sample * 2) >= maxSide) sample *= 2
    return BitmapFactory.decodeByteArray(bytes, 0, bytes.size, BitmapFactory.Options().apply { inSampleSize = sample })
}

@Composable
fun LabeledValue(label: String, value: String) {
    Column(Modifier.padding(vertical = 2.dp)) {
        Text(label, style = MaterialTheme.typography.labelMedium, color = MaterialTheme.colorScheme.onSurfaceVariant)
        Text(value, style = MaterialTheme.typography.bodyLarge)
    }
}
