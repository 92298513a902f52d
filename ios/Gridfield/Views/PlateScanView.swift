// Scan a door plate (数字门牌): the QR is verified offline by the core. A forged plate
// is shown in red with the reason; a genuine one in this grid opens its address page;
// a genuine one elsewhere shows what the plate itself says. Plates hang in dark
// stairwells and high up: the scanner has a torch toggle, pinch to zoom and a slider.
import AVFoundation
import GridfieldFFI
import SwiftUI

struct PlateScanView: View {
    let repository: GridfieldRepository
    @State private var verdict: PlateVerdict?
    @State private var error: String?
    @State private var scanning = true
    @State private var manualText = ""
    @State private var showManual = false
    @State private var torchOn = false
    @State private var zoom: CGFloat = 1

    var body: some View {
        NavigationStack {
            VStack(spacing: 0) {
                if scanning {
                    QRScanner(torchOn: $torchOn, zoom: $zoom) { text in
                        scanning = false
                        torchOn = false
                        Task { await verify(text) }
                    }
                    .overlay(alignment: .bottom) {
                        VStack(spacing: 8) {
                            Text("scan.hint")
                            HStack {
                                Image(systemName: "minus.magnifyingglass")
                                Slider(value: $zoom, in: 1...QRScanner.maxZoom)
                                    .accessibilityLabel(Text("scan.zoom"))
                                Image(systemName: "plus.magnifyingglass")
                            }
                            Button {
                                torchOn.toggle()
                            } label: {
                                Label(
                                    torchOn ? "scan.torch_off" : "scan.torch_on",
                                    systemImage: torchOn ? "flashlight.on.fill" : "flashlight.off.fill")
                            }
                            .buttonStyle(.bordered)
                        }
                        .padding(8)
                        .background(.ultraThinMaterial, in: RoundedRectangle(cornerRadius: 12))
                        .padding()
                    }
                } else {
                    ScrollView {
                        VStack(alignment: .leading, spacing: 16) {
                            if let error {
                                Text(error).foregroundStyle(.red)
                            }
                            if let verdict {
                                VerdictCard(repository: repository, verdict: verdict)
                            }
                            Button {
                                verdict = nil
                                error = nil
                                scanning = true
                            } label: {
                                Label("scan.again", systemImage: "qrcode.viewfinder")
                                    .frame(maxWidth: .infinity)
                            }
                            .buttonStyle(.borderedProminent)
                        }
                        .padding()
                    }
                }
            }
            .navigationTitle(Text("scan.title"))
            .toolbar {
                Button("scan.manual") { showManual = true }
            }
            .alert(Text("scan.manual"), isPresented: $showManual) {
                TextField("scan.manual_hint", text: $manualText)
                Button("action.ok") {
                    scanning = false
                    let text = manualText
                    manualText = ""
                    Task { await verify(text) }
                }
                Button("action.cancel", role: .cancel) {}
            }
        }
    }

    private func verify(_ text: String) async {
        do {
            verdict = try await repository.scanPlate(text)
            error = nil
        } catch {
            verdict = nil
            self.error = Presentation.message(error)
        }
    }
}

/// The verdict, with the step that fits it.
private struct VerdictCard: View {
    let repository: GridfieldRepository
    let verdict: PlateVerdict

    var body: some View {
        switch verdict {
        case let .forged(_, reason, claimed):
            VStack(alignment: .leading, spacing: 8) {
                Label("scan.forged", systemImage: "xmark.octagon.fill")
                    .font(.title.bold())
                Text(reason).font(.headline)
                if let claimed {
                    Text("scan.claimed").font(.caption)
                    Text(claimed).strikethrough()
                }
            }
            .foregroundStyle(.white)
            .padding()
            .frame(maxWidth: .infinity, alignment: .leading)
            .background(Color.red, in: RoundedRectangle(cornerRadius: 12))
        case let .genuine(scan, address):
            VStack(alignment: .leading, spacing: 8) {
                Label("scan.genuine", systemImage: "checkmark.seal.fill")
                    .font(.title2.bold())
                    .foregroundStyle(.green)
                Text(address.address.fullText).font(.headline)
                if repository.identity.role == .volunteer {
                    NavigationLink {
                        ReportComposer(
                            repository: repository, addressCode: address.address.code,
                            addressText: scan.plate?.addressText)
                    } label: {
                        Label("report.new", systemImage: "square.and.pencil")
                    }
                } else {
                    NavigationLink {
                        AddressScreen(repository: repository, code: address.address.code)
                    } label: {
                        Label("scan.open_address", systemImage: "house")
                    }
                }
            }
        case let .genuineElsewhere(scan):
            VStack(alignment: .leading, spacing: 8) {
                Label("scan.genuine_elsewhere", systemImage: "checkmark.seal")
                    .font(.title2.bold())
                    .foregroundStyle(.blue)
                if let plate = scan.plate {
                    Text(plate.addressText).font(.headline)
                    LabeledContent {
                        Text(plate.plateSerial)
                    } label: {
                        Text("scan.serial")
                    }
                    LabeledContent {
                        Text(plate.gridCode)
                    } label: {
                        Text("scan.grid")
                    }
                    NavigationLink {
                        ReportComposer(
                            repository: repository, addressCode: plate.addressCode, addressText: plate.addressText)
                    } label: {
                        Label("report.new", systemImage: "square.and.pencil")
                    }
                }
            }
        case let .legacy(scan, address):
            VStack(alignment: .leading, spacing: 8) {
                Label(scan.verdictText, systemImage: "exclamationmark.triangle")
                    .font(.title2.bold())
                    .foregroundStyle(.orange)
                Text("scan.legacy_note").font(.caption)
                if let plate = scan.plate {
                    if !plate.addressText.isEmpty {
                        Text(plate.addressText).font(.headline)
                    }
                    LabeledContent {
                        Text(plate.addressCode)
                    } label: {
                        Text("scan.address_code")
                    }
                    if let address, repository.identity.role != .volunteer {
                        NavigationLink {
                            AddressScreen(repository: repository, code: address.address.code)
                        } label: {
                            Label("scan.open_address", systemImage: "house")
                        }
                    } else {
                        NavigationLink {
                            ReportComposer(
                                repository: repository, addressCode: plate.addressCode,
                                addressText: plate.addressText)
                        } label: {
                            Label("report.new", systemImage: "square.and.pencil")
                        }
                    }
                }
            }
        }
    }
}

/// Camera QR capture with AVFoundation; reports the first code it reads, once. The
/// torch and the zoom factor follow the bindings; a pinch on the preview zooms too.
struct QRScanner: UIViewControllerRepresentable {
    /// Door plates are read within a few metres: more zoom only magnifies blur.
    static let maxZoom: CGFloat = 6

    @Binding var torchOn: Bool
    @Binding var zoom: CGFloat
    let onCode: (String) -> Void

    func makeUIViewController(context: Context) -> ScannerController {
        let controller = ScannerController()
        controller.onCode = onCode
        controller.onZoom = { factor in zoom = factor }
        return controller
    }

    func updateUIViewController(_ controller: ScannerController, context: Context) {
        controller.setTorch(torchOn)
        controller.setZoom(zoom)
    }

    final class ScannerController: UIViewController, AVCaptureMetadataOutputObjectsDelegate {
        var onCode: ((String) -> Void)?
        /// The zoom a pinch chose, for the slider to follow.
        var onZoom: ((CGFloat) -> Void)?
        private let session = AVCaptureSession()
        private let sessionQueue = DispatchQueue(label: "cn.gridfield.camera")
        private var preview: AVCaptureVideoPreviewLayer?
        private var device: AVCaptureDevice?
        private var delivered = false
        private var pinchStart: CGFloat = 1

        override func viewDidLoad() {
            super.viewDidLoad()
            view.backgroundColor = .black
            view.addGestureRecognizer(UIPinchGestureRecognizer(target: self, action: #selector(pinched(_:))))
            AVCaptureDevice.requestAccess(for: .video) { granted in
                guard granted else { return }
                DispatchQueue.main.async { self.configure() }
            }
        }

        override func viewDidLayoutSubviews() {
            super.viewDidLayoutSubviews()
            preview?.frame = view.bounds
        }

        override func viewWillDisappear(_ animated: Bool) {
            super.viewWillDisappear(animated)
            setTorch(false)
            let session = self.session
            sessionQueue.async { session.stopRunning() }
        }

        /// Torch on or off, when the camera has one (`torchMode`; the lock is the
        /// device's configuration lock, held only for the change).
        func setTorch(_ on: Bool) {
            guard let device, device.hasTorch, device.isTorchModeSupported(on ? .on : .off) else { return }
            let mode: AVCaptureDevice.TorchMode = on ? .on : .off
            guard device.torchMode != mode else { return }
            do {
                try device.lockForConfiguration()
                device.torchMode = mode
                device.unlockForConfiguration()
            } catch {
                // Busy (another app, thermal limit): the button simply has no effect.
            }
        }

        /// `videoZoomFactor`, clamped to what the active format allows.
        func setZoom(_ factor: CGFloat) {
            guard let device else { return }
            let upper = min(QRScanner.maxZoom, device.activeFormat.videoMaxZoomFactor)
            let clamped = max(device.minAvailableVideoZoomFactor, min(factor, upper))
            guard abs(device.videoZoomFactor - clamped) > 0.01 else { return }
            do {
                try device.lockForConfiguration()
                device.videoZoomFactor = clamped
                device.unlockForConfiguration()
            } catch {
                // Keep the current zoom.
            }
        }

        @objc private func pinched(_ gesture: UIPinchGestureRecognizer) {
            guard let device else { return }
            if gesture.state == .began { pinchStart = device.videoZoomFactor }
            let factor = max(1, min(pinchStart * gesture.scale, QRScanner.maxZoom))
            setZoom(factor)
            onZoom?(factor)
        }

        private func configure() {
            guard let device = AVCaptureDevice.default(for: .video),
                  let input = try? AVCaptureDeviceInput(device: device),
                  session.canAddInput(input) else { return }
            self.device = device
            session.addInput(input)
            let output = AVCaptureMetadataOutput()
            guard session.canAddOutput(output) else { return }
            session.addOutput(output)
            output.setMetadataObjectsDelegate(self, queue: .main)
            output.metadataObjectTypes = [.qr]
            let layer = AVCaptureVideoPreviewLayer(session: session)
            layer.videoGravity = .resizeAspectFill
            layer.frame = view.bounds
            view.layer.addSublayer(layer)
            preview = layer
            let session = self.session
            // startRunning blocks until the camera is up: never on the main thread.
            sessionQueue.async { session.startRunning() }
        }

        func metadataOutput(
            _ output: AVCaptureMetadataOutput, didOutput objects: [AVMetadataObject], from connection: AVCaptureConnection
        ) {
            guard !delivered,
                  let code = objects.compactMap({ $0 as? AVMetadataMachineReadableCodeObject }).first?.stringValue
            else { return }
            delivered = true
            UINotificationFeedbackGenerator().notificationOccurred(.success)
            setTorch(false)
            let session = self.session
            sessionQueue.async { session.stopRunning() }
            onCode?(code)
        }
    }
}
