import Solace
import SolaceViewModels
import SwiftUI

/// Charts drawn with Path/Canvas from the core's series (held by the view model); each chart is
/// one accessibility element whose label the core wrote.
struct InsightsView: View {
    let vm: InsightsViewModel

    var body: some View {
        List {
            Picker("Range", selection: Binding(get: { vm.state.rangeDays }, set: vm.setRange)) {
                ForEach(InsightsState.ranges, id: \.self) { Text("\($0) days").tag($0) }
            }
            .pickerStyle(.segmented)
            Text(vm.state.headline).font(.headline)
            ErrorLine(error: vm.state.error)
            Section("Mood") { LineChartView(chart: vm.state.mood).frame(height: 160) }
            Section("By weekday") { BarChartView(chart: vm.state.weekdays) }
            Section("Habit strength") { BarChartView(chart: vm.state.habits) }
            Section("What helps") { BarChartView(chart: vm.state.techniques) }
        }
        .onAppear { vm.load() }
    }
}

struct LineChartView: View {
    let chart: LineChart

    var body: some View {
        Canvas { context, size in
            let span = chart.yMax - chart.yMin
            func x(_ i: UInt32) -> CGFloat { chart.xCount <= 1 ? 0 : size.width * CGFloat(i) / CGFloat(chart.xCount - 1) }
            func y(_ v: Double) -> CGFloat { size.height * (1 - CGFloat((v - chart.yMin) / span)) }
            for level in [chart.yMin, (chart.yMin + chart.yMax) / 2, chart.yMax] {
                var grid = Path()
                grid.move(to: CGPoint(x: 0, y: y(level)))
                grid.addLine(to: CGPoint(x: size.width, y: y(level)))
                context.stroke(grid, with: .color(.secondary.opacity(0.3)))
            }
            var line = Path()
            for (i, p) in chart.points.enumerated() {
                let point = CGPoint(x: x(p.x), y: y(p.y))
                if i == 0 { line.move(to: point) } else { line.addLine(to: point) }
                context.fill(Path(ellipseIn: CGRect(x: point.x - 4, y: point.y - 4, width: 8, height: 8)), with: .color(.accentColor))
            }
            context.stroke(line, with: .color(.accentColor), lineWidth: 3)
        }
        .accessibilityElement()
        .accessibilityLabel(chart.accessibilityLabel)
    }
}

struct BarChartView: View {
    let chart: BarChart

    var body: some View {
        VStack(alignment: .leading, spacing: 6) {
            ForEach(Array(chart.bars.enumerated()), id: \.offset) { _, bar in
                HStack {
                    Text(bar.label).font(.caption).frame(maxWidth: .infinity, alignment: .leading)
                    GeometryReader { g in
                        Rectangle().fill(Color.accentColor)
                            .frame(width: g.size.width * CGFloat(min(max((bar.value ?? 0) / chart.max, 0), 1)))
                    }
                    .frame(height: 12)
                }
            }
        }
        .accessibilityElement(children: .ignore)
        .accessibilityLabel(chart.accessibilityLabel)
    }
}
