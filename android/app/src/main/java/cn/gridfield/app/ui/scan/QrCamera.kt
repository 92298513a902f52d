// The camera preview with QR detection: CameraX's MlKitAnalyzer feeds frames to ML
// Kit's bundled barcode model (offline, no Play services), dropping frames while one
// is read. Door plates hang in dark stairwells and high up: a torch toggle, pinch to
// zoom and a zoom slider. Detection pauses while a verdict is on screen.
package cn.gridfield.app.ui.scan

import android.Manifest
import android.content.pm.PackageManager
import androidx.activity.compose.rememberLauncherForActivityResult
import androidx.activity.result.contract.ActivityResultContracts
import androidx.camera.core.ImageAnalysis
import androidx.camera.core.TorchState
import androidx.camera.core.ZoomState
import androidx.camera.mlkit.vision.MlKitAnalyzer
import androidx.camera.view.LifecycleCameraController
import androidx.camera.view.PreviewView
import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Box
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.material3.Button
import androidx.compose.material3.FilledTonalButton
import androidx.compose.material3.Slider
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.runtime.DisposableEffect
import androidx.compose.runtime.LaunchedEffect
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableFloatStateOf
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.remember
import androidx.compose.runtime.rememberUpdatedState
import androidx.compose.runtime.setValue
import androidx.compose.ui.Alignment
import androidx.compose.ui.Modifier
import androidx.compose.ui.platform.LocalContext
import androidx.compose.ui.res.stringResource
import androidx.compose.ui.unit.dp
import androidx.compose.ui.viewinterop.AndroidView
import androidx.core.content.ContextCompat
import androidx.lifecycle.Observer
import androidx.lifecycle.compose.LocalLifecycleOwner
import cn.gridfield.app.R
import com.google.mlkit.vision.barcode.BarcodeScannerOptions
import com.google.mlkit.vision.barcode.BarcodeScanning
import com.google.mlkit.vision.barcode.common.Barcode

@Composable
fun QrCamera(paused: Boolean, onText: (String) -> Unit, modifier: Modifier = Modifier) {
    val context = LocalContext.current
    var granted by remember {
        mutableStateOf(ContextCompat.checkSelfPermission(context, Manifest.permission.CAMERA) == PackageManager.PERMISSION_GRANTED)
    }
    val permission = rememberLauncherForActivityResult(ActivityResultContracts.RequestPermission()) { granted = it }
    LaunchedEffect(Unit) { if (!granted) permission.launch(Manifest.permission.CAMERA) }

    if (!granted) {
        Box(modifier, contentAlignment = Alignment.Center) {
            Button(onClick = { permission.launch(Manifest.permission.CAMERA) }, modifier = Modifier.padding(16.dp)) {
                Text(stringResource(R.string.scan_camera_permission))
            }
        }
        return
    }

    val lifecycleOwner = LocalLifecycleOwner.current
    val currentPaused by rememberUpdatedState(paused)
    val currentOnText by rememberUpdatedState(onText)
    val controller = remember { LifecycleCameraController(context) }
    val previewView = remember { PreviewView(context) }
    var torchOn by remember { mutableStateOf(false) }
    var hasTorch by remember { mutableStateOf(false) }
    /** 0 (widest) to 1 (closest), CameraX's linear zoom. */
    var zoom by remember { mutableFloatStateOf(0f) }

    DisposableEffect(lifecycleOwner) {
        val scanner = BarcodeScanning.getClient(
            BarcodeScannerOptions.Builder().setBarcodeFormats(Barcode.FORMAT_QR_CODE).build(),
        )
        val main = ContextCompat.getMainExecutor(context)
        // MlKitAnalyzer closes each frame when ML Kit is done with it; with
        // KEEP_ONLY_LATEST (the controller's default) frames arriving meanwhile are dropped.
        controller.setImageAnalysisAnalyzer(
            main,
            MlKitAnalyzer(listOf(scanner), ImageAnalysis.COORDINATE_SYSTEM_ORIGINAL, main) { result ->
                if (!currentPaused) {
                    result.getValue(scanner)?.firstNotNullOfOrNull { it.rawValue }?.let { currentOnText(it) }
                }
            },
        )
        controller.isPinchToZoomEnabled = true
        controller.bindToLifecycle(lifecycleOwner)
        previewView.controller = controller

        val torchObserver = Observer<Int> { torchOn = it == TorchState.ON }
        val zoomObserver = Observer<ZoomState> { z ->
            zoom = z.linearZoom
            // The camera is bound once a zoom state arrives: now it can say whether it has a flash.
            hasTorch = controller.cameraInfo?.hasFlashUnit() == true
        }
        controller.torchState.observe(lifecycleOwner, torchObserver)
        controller.zoomState.observe(lifecycleOwner, zoomObserver)
        onDispose {
            controller.torchState.removeObserver(torchObserver)
            controller.zoomState.removeObserver(zoomObserver)
            controller.clearImageAnalysisAnalyzer()
            controller.unbind()
            scanner.close()
        }
    }

    Box(modifier) {
        AndroidView(factory = { previewView }, modifier = Modifier.fillMaxSize())
        Column(
            Modifier.align(Alignment.BottomCenter).fillMaxWidth().padding(12.dp),
            verticalArrangement = Arrangement.spacedBy(4.dp),
        ) {
            Row(verticalAlignment = Alignment.CenterVertically, horizontalArrangement = Arrangement.spacedBy(8.dp)) {
                Text(stringResource(R.string.scan_zoom))
                Slider(value = zoom, onValueChange = { controller.setLinearZoom(it) }, modifier = Modifier.weight(1f))
            }
            if (hasTorch) {
                FilledTonalButton(onClick = { controller.enableTorch(!torchOn) }) {
                    Text(stringResource(if (torchOn) R.string.scan_torch_off else R.string.scan_torch_on))
                }
            }
        }
    }
}
