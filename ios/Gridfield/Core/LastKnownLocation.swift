import CoreLocation
import GridfieldFFI

/// The phone's last known fix for a record being submitted: asks for "when in use"
/// permission once (the Chinese explanation is `NSLocationWhenInUseUsageDescription`),
/// keeps a coarse fix warm, and never makes the worker wait — `current` is whatever
/// the system already knows, with its accuracy and time, or nil.
final class LastKnownLocation: NSObject, CLLocationManagerDelegate {
    static let shared = LastKnownLocation()
    private let manager = CLLocationManager()

    override init() {
        super.init()
        manager.delegate = self
        manager.desiredAccuracy = kCLLocationAccuracyHundredMeters
    }

    /// Ask once (the system shows the prompt only the first time), then follow fixes.
    func start() {
        if manager.authorizationStatus == .notDetermined {
            manager.requestWhenInUseAuthorization()
        }
        manager.startUpdatingLocation()
    }

    func locationManagerDidChangeAuthorization(_ manager: CLLocationManager) {
        if manager.authorizationStatus == .authorizedWhenInUse || manager.authorizationStatus == .authorizedAlways {
            manager.startUpdatingLocation()
        }
    }

    func locationManager(_ manager: CLLocationManager, didUpdateLocations locations: [CLLocation]) {}

    func locationManager(_ manager: CLLocationManager, didFailWithError error: Error) {}

    /// The last fix the system has, or nil (no permission, no fix yet).
    var current: GeoPoint? {
        guard let l = manager.location, l.horizontalAccuracy >= 0 else { return nil }
        return GeoPoint(
            lat: l.coordinate.latitude, lon: l.coordinate.longitude,
            accuracyM: l.horizontalAccuracy,
            fixedAt: Int64(l.timestamp.timeIntervalSince1970 * 1000))
    }
}
