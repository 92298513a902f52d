package cn.gridfield.app.ui.common

import android.Manifest
import android.content.Context
import android.content.pm.PackageManager
import android.location.LocationManager
import androidx.activity.compose.rememberLauncherForActivityResult
import androidx.activity.result.contract.ActivityResultContracts
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.Text
import androidx.compose.material3.TextButton
import androidx.compose.runtime.Composable
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.remember
import androidx.compose.runtime.setValue
import androidx.compose.ui.platform.LocalContext
import androidx.compose.ui.res.stringResource
import androidx.core.content.ContextCompat
import cn.gridfield.app.R
import cn.gridfield.ffi.GeoPoint

private val LOCATION_PERMISSIONS = arrayOf(Manifest.permission.ACCESS_FINE_LOCATION, Manifest.permission.ACCESS_COARSE_LOCATION)

private fun locationGranted(context: Context): Boolean =
    LOCATION_PERMISSIONS.any { ContextCompat.checkSelfPermission(context, it) == PackageManager.PERMISSION_GRANTED }

/**
 * The phone's last known fix (any enabled provider, the newest), with its accuracy and
 * time; null without permission or without a fix. Never waits for a new fix: the worker
 * is not kept waiting, and the record says how good and how old the fix was.
 */
fun lastKnownFix(context: Context): GeoPoint? {
    if (!locationGranted(context)) return null
    val lm = context.getSystemService(LocationManager::class.java) ?: return null
    val best = try {
        lm.getProviders(true).mapNotNull { lm.getLastKnownLocation(it) }.maxByOrNull { it.time }
    } catch (e: SecurityException) {
        null
    } ?: return null
    return GeoPoint(
        best.latitude,
        best.longitude,
        if (best.hasAccuracy()) best.accuracy.toDouble() else null,
        best.time,
    )
}

/** Why the app asks for location, and the request; nothing once granted or declined here. */
@Composable
fun LocationPermissionNote() {
    val context = LocalContext.current
    var granted by remember { mutableStateOf(locationGranted(context)) }
    var asked by remember { mutableStateOf(false) }
    val launcher = rememberLauncherForActivityResult(ActivityResultContracts.RequestMultiplePermissions()) { result ->
        granted = result.values.any { it }
        asked = true
    }
    if (granted || asked) return
    Text(stringResource(R.string.location_rationale), style = MaterialTheme.typography.bodySmall)
    TextButton(onClick = { launcher.launch(LOCATION_PERMISSIONS) }) { Text(stringResource(R.string.location_allow)) }
}
