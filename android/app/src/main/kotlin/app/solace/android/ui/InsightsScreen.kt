package app.solace.android.ui

import androidx.compose.foundation.Canvas
import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.height
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.rememberScrollState
import androidx.compose.foundation.verticalScroll
import androidx.compose.material3.FilterChip
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.runtime.LaunchedEffect
import androidx.compose.runtime.getValue
import androidx.compose.ui.Modifier
import androidx.compose.ui.geometry.Offset
import androidx.compose.ui.geometry.Size
import androidx.compose.ui.graphics.Path
import androidx.compose.ui.graphics.drawscope.Stroke
import androidx.compose.ui.semantics.clearAndSetSemantics
import androidx.compose.ui.semantics.contentDescription
import androidx.compose.ui.unit.dp
import app.solace.ffi.BarChart
import app.solace.ffi.LineChart
import app.solace.viewmodels.InsightsState
import app.solace.viewmodels.InsightsViewModel

/** Charts drawn with Canvas from the core's series; each chart is one accessible element whose description the core wrote. */
@Composable
fun InsightsScreen(vm: InsightsViewModel) {
    val state by vm.state.collectAsStateCompat()
    LaunchedEffect(vm) { vm.load() }
    Column(Modifier.padding(16.dp).verticalScroll(rememberScrollState()), verticalArrangement = Arrangement.spacedBy(12.dp)) {
        Row(horizontalArrangement = Arrangement.spacedBy(8.dp)) {
            InsightsState.ranges.forEach { d -> FilterChip(selected = state.rangeDays == d, onClick = { vm.setRange(d) }, label = { Text("$d days") }) }
        }
        Text(state.headline, style = MaterialTheme.typography.titleMedium)
        ErrorText(state.error)
        Text("Mood", style = MaterialTheme.typography.titleSmall)
        LineChartView(state.mood)
        Text("By weekday", style = MaterialTheme.typography.titleSmall)
        BarChartView(state.weekdays)
        Text("Habit strength", style = MaterialTheme.typography.titleSmall)
        BarChartView(state.habits)
        Text("What helps", style = MaterialTheme.typography.titleSmall)
        BarChartView(state.techniques)
    }
}

@Composable
fun LineChartView(chart: LineChart) {
    val color = MaterialTheme.colorScheme.primary
    val grid = MaterialTheme.colorScheme.outlineVariant
    Canvas(Modifier.fillMaxWidth().height(160.dp).clearAndSetSemantics { contentDescription = chart.accessibilityLabel }) {
        val span = (chart.yMax - chart.yMin).toFloat()
        val count = chart.xCount.toInt()
        fun x(i: UInt) = if (count <= 1) 0f else size.width * i.toInt() / (count - 1)
        fun y(v: Double) = size.height * (1f - ((v - chart.yMin).toFloat() / span))
        for (level in listOf(chart.yMin, (chart.yMin + chart.yMax) / 2, chart.yMax)) {
            drawLine(grid, Offset(0f, y(level)), Offset(size.width, y(level)))
        }
        val path = Path()
        chart.points.forEachIndexed { i, p -> if (i == 0) path.moveTo(x(p.x), y(p.y)) else path.lineTo(x(p.x), y(p.y)) }
        drawPath(path, color, style = Stroke(width = 3.dp.toPx()))
        chart.points.forEach { drawCircle(color, 4.dp.toPx(), Offset(x(it.x), y(it.y))) }
    }
}

@Composable
fun BarChartView(chart: BarChart) {
    val color = MaterialTheme.colorScheme.secondary
    Column(Modifier.clearAndSetSemantics { contentDescription = chart.accessibilityLabel }) {
        chart.bars.forEach { bar ->
            Row(horizontalArrangement = Arrangement.spacedBy(8.dp)) {
                Text(bar.label, Modifier.weight(0.35f), style = MaterialTheme.typography.bodySmall)
                Canvas(Modifier.weight(0.65f).height(14.dp)) {
                    val fraction = ((bar.value ?: 0.0) / chart.max).toFloat().coerceIn(0f, 1f)
                    drawRect(color, size = Size(size.width * fraction, size.height))
                }
            }
        }
    }
}
