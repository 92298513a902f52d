// Gridfield's Compose theme: one calm blue, a clear red for forged plates and overdue
// hazards, readable type for use outdoors.
package cn.gridfield.app.ui

import androidx.compose.foundation.isSystemInDarkTheme
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.darkColorScheme
import androidx.compose.material3.lightColorScheme
import androidx.compose.runtime.Composable
import androidx.compose.ui.graphics.Color

val Danger = Color(0xFFC62828)
val Warning = Color(0xFFE08A00)
val Ok = Color(0xFF2E7D32)

private val Light = lightColorScheme(
    primary = Color(0xFF1F5FAF),
    onPrimary = Color.White,
    secondary = Color(0xFF3C6E71),
    error = Danger,
)

private val Dark = darkColorScheme(
    primary = Color(0xFF9CC2FF),
    secondary = Color(0xFF8CC7C9),
    error = Color(0xFFFF8A80),
)

@Composable
fun GridfieldTheme(content: @Composable () -> Unit) {
    MaterialTheme(colorScheme = if (isSystemInDarkTheme()) Dark else Light, content = content)
}
