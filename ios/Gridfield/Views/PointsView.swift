// Points (积分), offline from the last sync: the balance the server confirmed and what
// may still be spent, the ledger, vouchers (代金券) issued on this phone with their QR
// codes for the shop, and a form to issue one. The core signs and refuses; this draws.
import GridfieldFFI
import SwiftUI

struct PointsView: View {
    let repository: GridfieldRepository
    @State private var summary: PointsSummary?
    @State private var amount = ""
    @State private var shop = ""
    @State private var days = "30"
    @State private var shownQr: String?
    @State private var error: String?
    @State private var busy = false
    @State private var optOutSent: Bool?

    var body: some View {
        List {
            Section {
                HStack {
                    Text("points.balance")
                    Spacer()
                    Text(String(summary?.balance ?? 0)).font(.title.bold())
                }
                HStack {
                    Text("points.spendable")
                    Spacer()
                    Text(String(summary?.spendable ?? 0))
                }
            } footer: {
                Text("points.offline_hint")
            }
            if let error {
                Text(error).foregroundStyle(.red)
            }
            Section {
                TextField("voucher.amount", text: $amount).keyboardType(.numberPad)
                TextField("voucher.shop", text: $shop)
                TextField("voucher.days", text: $days).keyboardType(.numberPad)
                Button("voucher.issue") { Task { await issue() } }
                    .disabled(busy || Int64(amount) == nil)
            } header: {
                Text("voucher.title")
            } footer: {
                Text("voucher.offline_hint")
            }
            Section {
                Button("leaderboard.named") { Task { await setOptOut(false) } }.disabled(busy)
                Button("leaderboard.anonymous") { Task { await setOptOut(true) } }.disabled(busy)
            } header: {
                Text("leaderboard.title")
            } footer: {
                if let optOutSent {
                    Text(optOutSent ? "leaderboard.anonymous_sent" : "leaderboard.named_sent")
                }
            }
            if let vouchers = summary?.vouchers, !vouchers.isEmpty {
                Section {
                    ForEach(vouchers, id: \.id) { v in
                        VStack(alignment: .leading, spacing: 6) {
                            Text(String(
                                format: String(localized: "voucher.line"), Int(v.amount),
                                v.shop ?? String(localized: "voucher.any_shop"),
                                Presentation.date(v.expiresAt)))
                            Text(status(v)).font(.caption).foregroundStyle(.secondary)
                            Button(shownQr == v.id ? "voucher.hide_qr" : "voucher.show_qr") {
                                shownQr = shownQr == v.id ? nil : v.id
                            }
                            if shownQr == v.id, let m = repository.qrCode(v.token) {
                                QrCodeView(matrix: m).frame(width: 240, height: 240)
                            }
                        }
                    }
                } header: {
                    Text("voucher.list")
                }
            }
            Section {
                ForEach(summary?.entries ?? [], id: \.id) { e in
                    VStack(alignment: .leading, spacing: 2) {
                        HStack {
                            Text(e.kindLabel)
                            Spacer()
                            Text(String(format: "%+lld", e.points))
                                .foregroundStyle(e.points >= 0 ? .green : .red)
                        }
                        Text(Presentation.date(e.at)).font(.caption).foregroundStyle(.secondary)
                        if !e.counted {
                            Text("points.waiting_second").font(.caption).foregroundStyle(.orange)
                        }
                        if !e.reason.isEmpty {
                            Text(e.reason).font(.caption)
                        }
                    }
                }
            } header: {
                Text("points.ledger")
            }
        }
        .navigationTitle(Text("points.title"))
        .task { await load() }
        .refreshable { await load() }
    }

    private func status(_ v: IssuedVoucher) -> String {
        switch v.serverStatus {
        case nil: return String(localized: "voucher.not_synced")
        case "recorded": return String(localized: "voucher.recorded")
        case let code?: return String(format: String(localized: "voucher.refused"), code)
        }
    }

    private func load() async {
        do {
            summary = try await repository.pointsSummary()
            error = nil
        } catch {
            self.error = Presentation.message(error)
        }
    }

    private func issue() async {
        busy = true
        defer { busy = false }
        do {
            let v = try await repository.issueVoucher(
                amount: Int64(amount) ?? 0, shop: shop, days: UInt32(days) ?? 30)
            amount = ""
            shownQr = v.id
            await load()
        } catch {
            self.error = Presentation.message(error)
        }
    }

    private func setOptOut(_ out: Bool) async {
        busy = true
        defer { busy = false }
        do {
            try await repository.setLeaderboardOptOut(out)
            optOutSent = out
            error = nil
        } catch {
            self.error = Presentation.message(error)
        }
    }
}

/// The core's QR modules drawn black on white, with the four-module quiet zone.
struct QrCodeView: View {
    let matrix: QrMatrix

    var body: some View {
        Canvas { ctx, size in
            let n = Int(matrix.size)
            let cell = min(size.width, size.height) / CGFloat(n + 8)
            ctx.fill(Path(CGRect(origin: .zero, size: size)), with: .color(.white))
            for y in 0..<n {
                for x in 0..<n where matrix.dark[y * n + x] {
                    let r = CGRect(x: CGFloat(x + 4) * cell, y: CGFloat(y + 4) * cell, width: cell, height: cell)
                    ctx.fill(Path(r), with: .color(.black))
                }
            }
        }
    }
}
