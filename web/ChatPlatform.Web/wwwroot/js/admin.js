// The admin console's charts, drawn with Chart.js bundled into wwwroot/lib at build time (never a CDN).
import Chart from "../lib/chart.js";

const charts = new WeakMap();

// Answers and errors per minute as bars; the chart is made once per canvas and updated in place on each refresh, so
// the page does not flicker every few seconds.
export function renderTurns(canvas, labels, answers, errors) {
  if (!canvas) {
    return;
  }
  let chart = charts.get(canvas);
  if (!chart) {
    chart = new Chart(canvas, {
      type: "bar",
      data: {
        labels: [],
        datasets: [
          { label: "Answers", data: [], backgroundColor: "rgba(37, 99, 235, 0.7)" },
          { label: "Errors", data: [], backgroundColor: "rgba(220, 38, 38, 0.8)" },
        ],
      },
      options: {
        animation: false,
        responsive: true,
        maintainAspectRatio: false,
        scales: { x: { stacked: false }, y: { beginAtZero: true, ticks: { precision: 0 } } },
      },
    });
    charts.set(canvas, chart);
  }
  chart.data.labels = labels;
  chart.data.datasets[0].data = answers;
  chart.data.datasets[1].data = errors;
  chart.update();
  canvas.dataset.points = String(answers.reduce((sum, n) => sum + n, 0));
}

// The overview reads its figures every few seconds only while its tab is visible (Overview.razor.cs): each read counts
// against the admin's request rate. The returned object's dispose stops watching.
export function watchVisibility(page) {
  const report = () => page.invokeMethodAsync("OnVisibilityChanged", document.visibilityState === "visible").catch(() => { });
  document.addEventListener("visibilitychange", report);
  if (document.visibilityState !== "visible") {
    report();
  }
  return { dispose: () => document.removeEventListener("visibilitychange", report) };
}

export function dispose(canvas) {
  charts.get(canvas)?.destroy();
  if (canvas) {
    charts.delete(canvas);
  }
}
