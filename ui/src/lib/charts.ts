// The dashboard's charts, drawn with Chart.js from the core's report: which kind of chart each
// figure is, its colours, a white background (so a saved PNG is not transparent), and no
// animation (figures appear at once, and a saved picture is never caught mid-way).
import {
  ArcElement,
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  type ChartConfiguration,
  DoughnutController,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  Filler,
  Tooltip,
  type Plugin,
} from "chart.js";
import type { Chart as ChartId } from "../api/bindings/Chart";
import type { Report } from "../api/bindings/Report";
import type { Slice } from "../api/bindings/Slice";

Chart.register(
  ArcElement,
  BarController,
  BarElement,
  CategoryScale,
  DoughnutController,
  Filler,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  Tooltip,
);
Chart.defaults.font.family = '"WenQuanYi Micro Hei", "Noto Sans CJK SC", "PingFang SC", "Microsoft YaHei", system-ui, sans-serif';
Chart.defaults.animation = false;

export const PALETTE = ["#1f6feb", "#e5534b", "#2da44e", "#bf8700", "#8250df", "#1b7c83", "#d4549b", "#6e7781", "#fb8f44", "#57ab5a", "#539bf5", "#986ee2", "#c69026", "#9ca3af"];

const whiteBackground: Plugin = {
  id: "whiteBackground",
  beforeDraw(chart) {
    const { ctx, width, height } = chart;
    ctx.save();
    ctx.globalCompositeOperation = "destination-over";
    ctx.fillStyle = "#ffffff";
    ctx.fillRect(0, 0, width, height);
    ctx.restore();
  },
};

function slicesChart(type: "doughnut" | "bar", slices: Slice[], horizontal = false): ChartConfiguration {
  return {
    type,
    data: {
      labels: slices.map((s) => s.label),
      datasets: [
        {
          data: slices.map((s) => s.count),
          backgroundColor: type === "doughnut" ? slices.map((_, i) => PALETTE[i % PALETTE.length]) : PALETTE[0],
          borderWidth: type === "doughnut" ? 1 : 0,
          maxBarThickness: 36,
        },
      ],
    },
    options: {
      maintainAspectRatio: false,
      indexAxis: horizontal ? "y" : "x",
      plugins: { legend: { display: type === "doughnut", position: "right" } },
      // Every category keeps its label (Chart.js would skip every other one of twelve).
      ...(type === "bar"
        ? {
            scales: {
              [horizontal ? "x" : "y"]: { beginAtZero: true, ticks: { precision: 0 } },
              [horizontal ? "y" : "x"]: { ticks: { autoSkip: false } },
            },
          }
        : {}),
    },
    plugins: [whiteBackground],
  };
}

/** The Chart.js configuration of one of the dashboard's charts. */
export function chartConfig(report: Report, chart: ChartId): ChartConfiguration {
  switch (chart) {
    case "grade":
      return slicesChart("doughnut", report.by_grade);
    case "stage":
      return slicesChart("doughnut", report.by_stage);
    case "industry":
      return slicesChart("bar", report.by_industry, true);
    case "region":
      return slicesChart("bar", report.by_region, true);
    case "source":
      return slicesChart("bar", report.by_source, true);
    case "funnel":
      return slicesChart("bar", report.funnel, true);
    case "overdue":
      return slicesChart("bar", report.overdue_by_grade);
    case "new_customers":
      return {
        type: "line",
        data: {
          labels: report.new_per_month.map((s) => s.label),
          datasets: [
            {
              data: report.new_per_month.map((s) => s.count),
              borderColor: PALETTE[0],
              backgroundColor: "rgba(31, 111, 235, 0.15)",
              fill: true,
              tension: 0.25,
            },
          ],
        },
        options: {
          maintainAspectRatio: false,
          plugins: { legend: { display: false } },
          scales: { y: { beginAtZero: true, ticks: { precision: 0 } } },
        },
        plugins: [whiteBackground],
      };
    case "interactions":
      return {
        type: "bar",
        data: {
          labels: report.weeks.map((w) => w.slice(5)),
          datasets: report.interactions_per_week.map((series, i) => ({
            label: series.label,
            data: series.counts,
            backgroundColor: PALETTE[i % PALETTE.length],
            maxBarThickness: 36,
          })),
        },
        options: {
          maintainAspectRatio: false,
          plugins: { legend: { position: "bottom" } },
          scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true, ticks: { precision: 0 } } },
        },
        plugins: [whiteBackground],
      };
  }
}

/** Draws `config` on `canvas`; the returned chart is destroyed by the caller. */
export function draw(canvas: HTMLCanvasElement, config: ChartConfiguration): Chart {
  return new Chart(canvas, config);
}

/** The chart's picture as PNG bytes. */
export async function pngBytes(canvas: HTMLCanvasElement): Promise<Uint8Array> {
  const blob = await new Promise<Blob | null>((resolve) => canvas.toBlob(resolve, "image/png"));
  if (!blob) throw new Error("the chart could not be drawn as a picture");
  return new Uint8Array(await blob.arrayBuffer());
}
