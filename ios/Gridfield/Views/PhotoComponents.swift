// Photos everywhere in the app: take one (camera) or pick one (library), shrink it to
// a JPEG the core accepts (10 MB at most), and show a stored photo by its hash.
import PhotosUI
import SwiftUI
import UIKit

enum PhotoEncoding {
    /// Long edge 2048 px at 0.7 quality: a few hundred kB, enough to read a label.
    static func jpeg(_ image: UIImage, maxEdge: CGFloat = 2048) -> Data? {
        let longEdge = max(image.size.width, image.size.height)
        let scale = min(1, maxEdge / max(longEdge, 1))
        let size = CGSize(width: image.size.width * scale, height: image.size.height * scale)
        let format = UIGraphicsImageRendererFormat.default()
        format.scale = 1
        let resized = UIGraphicsImageRenderer(size: size, format: format).image { _ in
            image.draw(in: CGRect(origin: .zero, size: size))
        }
        return resized.jpegData(compressionQuality: 0.7)
    }
}

/// "Take photo" and "Choose photo" buttons; hands JPEG bytes to `onPhoto`.
struct PhotoButtons: View {
    let onPhoto: (Data) -> Void
    @State private var showCamera = false
    @State private var pickerItem: PhotosPickerItem?

    var body: some View {
        HStack {
            if UIImagePickerController.isSourceTypeAvailable(.camera) {
                Button {
                    showCamera = true
                } label: {
                    Label("photo.take", systemImage: "camera")
                }
            }
            PhotosPicker(selection: $pickerItem, matching: .images) {
                Label("photo.choose", systemImage: "photo.on.rectangle")
            }
        }
        .buttonStyle(.bordered)
        .sheet(isPresented: $showCamera) {
            CameraPicker { image in
                if let data = PhotoEncoding.jpeg(image) { onPhoto(data) }
            }
            .ignoresSafeArea()
        }
        .onChange(of: pickerItem) { item in
            guard let item else { return }
            Task {
                if let data = try? await item.loadTransferable(type: Data.self),
                   let image = UIImage(data: data),
                   let jpeg = PhotoEncoding.jpeg(image) {
                    onPhoto(jpeg)
                }
                pickerItem = nil
            }
        }
    }
}

/// The system camera, for evidence photos.
struct CameraPicker: UIViewControllerRepresentable {
    let onImage: (UIImage) -> Void
    @Environment(\.dismiss) private var dismiss

    func makeUIViewController(context: Context) -> UIImagePickerController {
        let picker = UIImagePickerController()
        picker.sourceType = .camera
        picker.delegate = context.coordinator
        return picker
    }

    func updateUIViewController(_ controller: UIImagePickerController, context: Context) {}

    func makeCoordinator() -> Coordinator { Coordinator(self) }

    final class Coordinator: NSObject, UIImagePickerControllerDelegate, UINavigationControllerDelegate {
        private let parent: CameraPicker

        init(_ parent: CameraPicker) {
            self.parent = parent
        }

        func imagePickerController(
            _ picker: UIImagePickerController, didFinishPickingMediaWithInfo info: [UIImagePickerController.InfoKey: Any]
        ) {
            if let image = info[.originalImage] as? UIImage {
                parent.onImage(image)
            }
            parent.dismiss()
        }

        func imagePickerControllerDidCancel(_ picker: UIImagePickerController) {
            parent.dismiss()
        }
    }
}

/// A stored photo by hash; a supervisor's photo is downloaded once, cancelled if scrolled away.
struct PhotoThumb: View {
    let repository: GridfieldRepository
    let hash: String
    var side: CGFloat = 72
    @State private var image: UIImage?

    var body: some View {
        ZStack {
            RoundedRectangle(cornerRadius: 6).fill(Color.secondary.opacity(0.15))
            if let image {
                Image(uiImage: image).resizable().scaledToFill()
            } else {
                Image(systemName: "photo").foregroundStyle(.secondary)
            }
        }
        .frame(width: side, height: side)
        .clipShape(RoundedRectangle(cornerRadius: 6))
        .task(id: hash) {
            if let data = try? await repository.photo(hash) {
                image = UIImage(data: data)
            }
        }
    }
}

/// A row of stored photos.
struct PhotoStrip: View {
    let repository: GridfieldRepository
    let hashes: [String]

    var body: some View {
        ScrollView(.horizontal, showsIndicators: false) {
            HStack {
                ForEach(hashes, id: \.self) { hash in
                    PhotoThumb(repository: repository, hash: hash)
                }
            }
        }
    }
}
