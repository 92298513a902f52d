// The checklist runner: one control per item kind, the core's problems shown next to
// each item as the worker goes, evidence photos for failing items, a signature pad,
// and on submit the score, the failed items and the hazards raised.
import GridfieldFFI
import SwiftUI

struct ChecklistView: View {
    @ObservedObject var runner: ChecklistRunner
    let repository: GridfieldRepository
    @State private var outcome: InspectionOutcome?
    @State private var submitting = false

    var body: some View {
        Form {
            if let error = runner.error {
                Section { Text(error).foregroundStyle(.red) }
            }
            ForEach(runner.template.sections, id: \.id) { section in
                Section {
                    ForEach(section.items, id: \.id) { item in
                        ItemEditor(runner: runner, repository: repository, item: item)
                    }
                } header: {
                    Text(Presentation.text(section.title))
                }
            }
            Section {
                if let evaluation = runner.check.outcome {
                    Text(String(format: String(localized: "checklist.score_value"), Int(evaluation.score)))
                        .foregroundStyle(evaluation.passed ? .green : .red)
                } else {
                    Text(String(format: String(localized: "checklist.open_items"), runner.check.problems.count))
                        .foregroundStyle(.secondary)
                }
                Button {
                    Task { await submit() }
                } label: {
                    Text("checklist.submit")
                }
                .disabled(!runner.check.complete || submitting)
            }
        }
        .navigationTitle(Text(Presentation.text(runner.template.title)))
        .sheet(item: $outcome) { outcome in
            OutcomeView(outcome: outcome)
        }
    }

    private func submit() async {
        submitting = true
        defer { submitting = false }
        do {
            outcome = try await runner.submit()
        } catch {
            runner.error = Presentation.message(error)
        }
    }
}

extension InspectionOutcome: Identifiable {
    public var id: String { inspectionId }
}

/// One item: its label, the control for its kind, evidence, and the core's problems.
private struct ItemEditor: View {
    @ObservedObject var runner: ChecklistRunner
    let repository: GridfieldRepository
    let item: ChecklistItem

    var body: some View {
        VStack(alignment: .leading, spacing: 8) {
            HStack(alignment: .firstTextBaseline) {
                Text(Presentation.text(item.label))
                if item.required {
                    Text("*").foregroundStyle(.red)
                }
            }
            if let help = item.help {
                Text(Presentation.text(help)).font(.caption).foregroundStyle(.secondary)
            }
            control
            if failing || !(runner.evidence[item.id] ?? []).isEmpty {
                PhotoStrip(repository: repository, hashes: runner.evidence[item.id] ?? [])
                PhotoButtons { jpeg in Task { await runner.addEvidence(item.id, jpeg: jpeg) } }
            }
            ForEach(runner.problems(for: item.id), id: \.code) { problem in
                Label(Presentation.lang == .en ? problem.reasonEn : problem.reason, systemImage: "exclamationmark.circle")
                    .font(.caption)
                    .foregroundStyle(.red)
            }
        }
        .padding(.vertical, 4)
    }

    /// The core says which answered items fail; evidence is asked for those.
    private var failing: Bool {
        runner.check.outcome?.failedItems.contains { $0.itemId == item.id } ?? false
            || runner.problems(for: item.id).contains { $0.code == "photo_required_on_fail" }
    }

    @ViewBuilder
    private var control: some View {
        switch item.kind {
        case .yesNoNa:
            Picker(selection: yesNoNa) {
                Text("answer.unset").tag(YesNoNa?.none)
                Text("answer.yes").tag(YesNoNa?.some(.yes))
                Text("answer.no").tag(YesNoNa?.some(.no))
                Text("answer.na").tag(YesNoNa?.some(.na))
            } label: {
                EmptyView()
            }
            .pickerStyle(.segmented)
        case let .number(_, _, unit, integer):
            NumberField(value: number, integer: integer, unit: unit)
        case let .text(maxLen):
            TextField("answer.text", text: text, axis: .vertical)
                .onChange(of: text.wrappedValue) { value in
                    if value.count > Int(maxLen) { text.wrappedValue = String(value.prefix(Int(maxLen))) }
                }
        case let .singleChoice(options):
            Picker(selection: singleChoice) {
                Text("answer.unset").tag(String?.none)
                ForEach(options, id: \.id) { option in
                    Text(Presentation.text(option.label)).tag(String?.some(option.id))
                }
            } label: {
                EmptyView()
            }
            .pickerStyle(.menu)
        case let .multiChoice(options):
            ForEach(options, id: \.id) { option in
                Toggle(isOn: multiChoice(option.id)) {
                    Text(Presentation.text(option.label))
                }
            }
        case .photo:
            if case let .photos(hashes)? = runner.answers[item.id] {
                PhotoStrip(repository: repository, hashes: hashes)
            }
            PhotoButtons { jpeg in
                Task { await runner.answerWithImage(item.id, image: jpeg, signature: false) }
            }
        case .signature:
            if case let .signature(hash)? = runner.answers[item.id] {
                PhotoThumb(repository: repository, hash: hash, side: 120)
            }
            SignaturePad { png in
                Task { await runner.answerWithImage(item.id, image: png, signature: true) }
            }
        }
    }

    private var yesNoNa: Binding<YesNoNa?> {
        Binding(
            get: {
                if case let .yesNoNa(value)? = runner.answers[item.id] { return value }
                return nil
            },
            set: { value in save(value.map { Answer.yesNoNa(value: $0) }) })
    }

    private var number: Binding<Double?> {
        Binding(
            get: {
                if case let .number(value)? = runner.answers[item.id] { return value }
                return nil
            },
            set: { value in save(value.map { Answer.number(value: $0) }) })
    }

    private var text: Binding<String> {
        Binding(
            get: {
                if case let .text(value)? = runner.answers[item.id] { return value }
                return ""
            },
            set: { value in save(value.isEmpty ? nil : .text(value: value)) })
    }

    private var singleChoice: Binding<String?> {
        Binding(
            get: {
                if case let .choice(option)? = runner.answers[item.id] { return option }
                return nil
            },
            set: { value in save(value.map { Answer.choice(option: $0) }) })
    }

    private func multiChoice(_ optionId: String) -> Binding<Bool> {
        Binding(
            get: {
                if case let .choices(options)? = runner.answers[item.id] { return options.contains(optionId) }
                return false
            },
            set: { on in
                var options: [String] = []
                if case let .choices(current)? = runner.answers[item.id] {
                    options = current
                }
                options.removeAll { $0 == optionId }
                if on { options.append(optionId) }
                save(options.isEmpty ? nil : .choices(options: options))
            })
    }

    private func save(_ answer: Answer?) {
        let id = item.id
        Task { await runner.answer(id, answer) }
    }
}

/// A number, typed as text so a half-typed value is not thrown away.
private struct NumberField: View {
    @Binding var value: Double?
    let integer: Bool
    let unit: String?
    @State private var draft = ""

    var body: some View {
        HStack {
            TextField("answer.number", text: $draft)
                .keyboardType(integer ? .numberPad : .decimalPad)
                .onSubmit(commit)
                .onChange(of: draft) { _ in commit() }
            if let unit {
                Text(unit).foregroundStyle(.secondary)
            }
        }
        .onAppear {
            if let value {
                draft = integer ? String(Int(value)) : String(value)
            }
        }
    }

    private func commit() {
        let trimmed = draft.trimmingCharacters(in: .whitespaces).replacingOccurrences(of: ",", with: ".")
        if trimmed.isEmpty {
            value = nil
        } else if let parsed = Double(trimmed) {
            value = parsed
        }
    }
}

/// A finger signature, rendered to PNG when the worker confirms it.
struct SignaturePad: View {
    let onSigned: (Data) -> Void
    @State private var strokes: [[CGPoint]] = []
    @State private var current: [CGPoint] = []

    var body: some View {
        VStack(alignment: .leading) {
            SignatureCanvas(strokes: strokes + [current])
                .frame(height: 160)
                .background(Color(uiColor: .secondarySystemBackground))
                .clipShape(RoundedRectangle(cornerRadius: 8))
                .gesture(
                    DragGesture(minimumDistance: 0)
                        .onChanged { value in current.append(value.location) }
                        .onEnded { _ in
                            strokes.append(current)
                            current = []
                        })
            HStack {
                Button("signature.clear") { strokes = [] }
                Spacer()
                Button("signature.confirm") { render() }
                    .disabled(strokes.isEmpty)
            }
            .buttonStyle(.bordered)
        }
    }

    @MainActor
    private func render() {
        let renderer = ImageRenderer(
            content: SignatureCanvas(strokes: strokes).frame(width: 600, height: 240).background(Color.white))
        renderer.scale = 2
        if let png = renderer.uiImage?.pngData() {
            onSigned(png)
            strokes = []
        }
    }
}

private struct SignatureCanvas: View {
    let strokes: [[CGPoint]]

    var body: some View {
        Canvas { context, _ in
            for stroke in strokes where stroke.count > 1 {
                var path = Path()
                path.addLines(stroke)
                context.stroke(path, with: .color(.black), style: StrokeStyle(lineWidth: 3, lineCap: .round, lineJoin: .round))
            }
        }
    }
}

/// After submitting: the score, what failed, and the hazards it raised.
private struct OutcomeView: View {
    let outcome: InspectionOutcome
    @Environment(\.dismiss) private var dismiss

    var body: some View {
        NavigationStack {
            List {
                Section {
                    Text(String(format: String(localized: "checklist.score_value"), Int(outcome.score)))
                        .font(.largeTitle.bold())
                        .foregroundStyle(outcome.passed ? .green : .red)
                    Text(outcome.passed ? "checklist.passed" : "checklist.failed")
                    if outcome.vetoed {
                        Text("checklist.vetoed").foregroundStyle(.red)
                    }
                }
                if !outcome.failedItems.isEmpty {
                    Section {
                        ForEach(outcome.failedItems, id: \.itemId) { failed in
                            HStack {
                                Text(Presentation.text(failed.label))
                                Spacer()
                                Text(String(format: String(localized: "checklist.deduction"), Int(failed.deduction)))
                                    .foregroundStyle(.red)
                            }
                        }
                    } header: {
                        Text("checklist.failed_items")
                    }
                }
                Section {
                    Text(String(format: String(localized: "checklist.hazards_raised"), outcome.hazardsRaised.count))
                }
            }
            .navigationTitle(Text("checklist.result"))
            .toolbar {
                Button("action.done") { dismiss() }
            }
        }
    }
}
