// 自启动/电池优化: Chinese phone makers' battery managers stop background work that
// WorkManager scheduled. This screen says what to switch on for this phone's maker
// and opens the maker's own settings page, falling back to the app's details page;
// the system's "ignore battery optimisation" request is offered where it applies.
package cn.gridfield.app.ui.sync

import android.annotation.SuppressLint
import android.content.ActivityNotFoundException
import android.content.ComponentName
import android.content.Context
import android.content.Intent
import android.net.Uri
import android.os.Build
import android.os.PowerManager
import android.provider.Settings
import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.rememberScrollState
import androidx.compose.foundation.verticalScroll
import androidx.compose.material3.Button
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedButton
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.remember
import androidx.compose.runtime.setValue
import androidx.compose.ui.Modifier
import androidx.compose.ui.platform.LocalContext
import androidx.compose.ui.res.stringResource
import androidx.compose.ui.unit.dp
import cn.gridfield.app.R
import cn.gridfield.app.ui.common.GridfieldScaffold

/** The phone makers whose battery managers need a hand, and everyone else. */
enum class PhoneMaker(val steps: Int) {
    HUAWEI(R.string.battery_steps_huawei),
    XIAOMI(R.string.battery_steps_xiaomi),
    OPPO(R.string.battery_steps_oppo),
    VIVO(R.string.battery_steps_vivo),
    OTHER(R.string.battery_steps_other);

    companion object {
        fun of(manufacturer: String = Build.MANUFACTURER.orEmpty(), brand: String = Build.BRAND.orEmpty()): PhoneMaker {
            val name = "$manufacturer $brand".lowercase()
            return when {
                "huawei" in name || "honor" in name -> HUAWEI
                "xiaomi" in name || "redmi" in name || "poco" in name -> XIAOMI
                "oppo" in name || "realme" in name || "oneplus" in name -> OPPO
                "vivo" in name || "iqoo" in name -> VIVO
                else -> OTHER
            }
        }
    }
}

/** The maker's autostart / background settings pages, newest first (they move between OS versions). */
private fun makerPages(maker: PhoneMaker): List<ComponentName> = when (maker) {
    PhoneMaker.HUAWEI -> listOf(
        ComponentName("com.huawei.systemmanager", "com.huawei.systemmanager.startupmgr.ui.StartupNormalAppListActivity"),
        ComponentName("com.hihonor.systemmanager", "com.hihonor.systemmanager.startupmgr.ui.StartupNormalAppListActivity"),
        ComponentName("com.huawei.systemmanager", "com.huawei.systemmanager.optimize.process.ProtectActivity"),
    )
    PhoneMaker.XIAOMI -> listOf(
        ComponentName("com.miui.securitycenter", "com.miui.permcenter.autostart.AutoStartManagementActivity"),
        ComponentName("com.miui.powerkeeper", "com.miui.powerkeeper.ui.HiddenAppsConfigActivity"),
    )
    PhoneMaker.OPPO -> listOf(
        ComponentName("com.coloros.safecenter", "com.coloros.safecenter.permission.startup.StartupAppListActivity"),
        ComponentName("com.coloros.safecenter", "com.coloros.safecenter.startupapp.StartupAppListActivity"),
        ComponentName("com.oppo.safe", "com.oppo.safe.permission.startup.StartupAppListActivity"),
    )
    PhoneMaker.VIVO -> listOf(
        ComponentName("com.vivo.permissionmanager", "com.vivo.permissionmanager.activity.BgStartUpManagerActivity"),
        ComponentName("com.iqoo.secure", "com.iqoo.secure.ui.phoneoptimize.BgStartUpManager"),
        ComponentName("com.iqoo.secure", "com.iqoo.secure.ui.phoneoptimize.AddWhiteListActivity"),
    )
    PhoneMaker.OTHER -> emptyList()
}

/** Opens the first settings page this phone has; the app's details page if none. */
fun openBackgroundSettings(context: Context, maker: PhoneMaker = PhoneMaker.of()) {
    val pkg = context.packageName
    val candidates = makerPages(maker).map { page ->
        Intent().setComponent(page).putExtra("package_name", pkg).putExtra("package_label", context.applicationInfo.loadLabel(context.packageManager))
    } + Intent(Settings.ACTION_APPLICATION_DETAILS_SETTINGS, Uri.fromParts("package", pkg, null))
    for (intent in candidates) {
        try {
            context.startActivity(intent.addFlags(Intent.FLAG_ACTIVITY_NEW_TASK))
            return
        } catch (e: ActivityNotFoundException) {
            // Not on this OS version: try the next page.
        } catch (e: SecurityException) {
            // Some maker pages are not exported to other apps.
        }
    }
}

/** Whether the system already exempts the app from battery optimisation (Doze limits). */
fun ignoringBatteryOptimizations(context: Context): Boolean =
    context.getSystemService(PowerManager::class.java).isIgnoringBatteryOptimizations(context.packageName)

/**
 * The system dialog that exempts the app (REQUEST_IGNORE_BATTERY_OPTIMIZATIONS, declared in
 * the manifest: sync that must not be deferred is an allowed use); the system's list otherwise.
 */
@SuppressLint("BatteryLife")
fun requestIgnoreBatteryOptimizations(context: Context) {
    val direct = Intent(Settings.ACTION_REQUEST_IGNORE_BATTERY_OPTIMIZATIONS, Uri.fromParts("package", context.packageName, null))
    try {
        context.startActivity(direct.addFlags(Intent.FLAG_ACTIVITY_NEW_TASK))
    } catch (e: ActivityNotFoundException) {
        context.startActivity(Intent(Settings.ACTION_IGNORE_BATTERY_OPTIMIZATION_SETTINGS).addFlags(Intent.FLAG_ACTIVITY_NEW_TASK))
    }
}

@Composable
fun BatteryGuideScreen(onBack: () -> Unit) {
    val context = LocalContext.current
    val maker = remember { PhoneMaker.of() }
    var exempt by remember { mutableStateOf(ignoringBatteryOptimizations(context)) }
    GridfieldScaffold(title = stringResource(R.string.battery_title), onBack = onBack) { padding ->
        Column(
            Modifier.fillMaxSize().padding(padding).padding(16.dp).verticalScroll(rememberScrollState()),
            verticalArrangement = Arrangement.spacedBy(12.dp),
        ) {
            Text(stringResource(R.string.battery_why))
            Text(stringResource(maker.steps), style = MaterialTheme.typography.bodyLarge)
            Button(onClick = { openBackgroundSettings(context, maker) }) { Text(stringResource(R.string.battery_open_settings)) }
            if (exempt) {
                Text(stringResource(R.string.battery_exempt))
            } else {
                OutlinedButton(onClick = {
                    requestIgnoreBatteryOptimizations(context)
                    exempt = ignoringBatteryOptimizations(context)
                }) { Text(stringResource(R.string.battery_request_exempt)) }
            }
            Text(stringResource(R.string.battery_after), style = MaterialTheme.typography.bodySmall)
        }
    }
}
