// The Usage page's chart: cost per day as bars, output tokens as a line on a second axis. Chart.js is the app's own
// copy (wwwroot/lib/chart.js, built from npm), never a CDN's.
import Chart from "../lib/chart.js";

const charts = new WeakMap();
// Answers cost fractions of a cent: three significant digits, never 0.000024999999.
const dollars = new Intl.NumberFormat("en-US", { style: "currency", currency: "USD", maximumSignificantDigits: 3 });

export function renderDaily(canvas, days, costs, tokens) {
  charts.get(canvas)?.destroy();
  const accent = resolved(canvas, "var(--accent)");
  const muted = resolved(canvas, "var(--fg-soft)");
  const chart = new Chart(canvas, {
    data: {
      labels: days,
      datasets: [
        { type: "bar", label: "Cost (USD)", data: costs, backgroundColor: accent, yAxisID: "cost" },
        { type: "line", label: "Output tokens", data: tokens, borderColor: muted, backgroundColor: muted, pointRadius: 2, yAxisID: "tokens" },
      ],
    },
    options: {
      responsive: true,
      maintainAspectRatio: false,
      animation: false,
      interaction: { mode: "index", intersect: false },
      scales: {
        cost: { position: "left", beginAtZero: true, ticks: { callback: (v) => dollars.format(v) } },
        tokens: { position: "right", beginAtZero: true, grid: { drawOnChartArea: false } },
      },
    },
  });
  charts.set(canvas, chart);
  canvas.dataset.chartPoints = String(days.length);
}

export function dispose(canvas) {
  charts.get(canvas)?.destroy();
  charts.delete(canvas);
}

// The theme's colours are light-dark() pairs, which Chart.js cannot read: let the browser resolve one to rgb().
function resolved(near, color) {
  const probe = document.createElement("span");
  probe.style.color = color;
  near.parentElement.appendChild(probe);
  const value = getComputedStyle(probe).color;
  probe.remove();
  return value;
}

// Minutes to add to local time to get UTC (Date's sign), for showing when quotas reset at the person's local time.
export function timezoneOffsetMinutes() {
  return new Date().getTimezoneOffset();
}
