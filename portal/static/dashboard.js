// The bureau dashboard's charts (Apache ECharts, served by the portal). The numbers are also in
// the page as stat cards and a table, so without JavaScript nothing is lost.
"use strict";

(function () {
  const source = document.getElementById("dashboard-data");
  if (!source || !window.echarts) {
    return;
  }
  const data = JSON.parse(source.textContent);
  const palette = ["#0f766e", "#d97706", "#2563eb", "#7c3aed"];
  const charts = [];

  const locationChart = echarts.init(document.getElementById("location-chart"), null, { renderer: "svg" });
  locationChart.setOption({
    color: palette,
    tooltip: { trigger: "item", formatter: "{b}：{c} 人（{d}%）" },
    legend: { bottom: 0 },
    series: [{
      type: "pie", radius: ["40%", "68%"], center: ["50%", "45%"],
      label: { formatter: "{b}\n{d}%" },
      data: data.location.map(([name, value]) => ({ name, value })),
    }],
  });
  charts.push(locationChart);

  const ledgerChart = echarts.init(document.getElementById("ledger-chart"), null, { renderer: "svg" });
  const names = { intentions: "职教意愿", students: "在读", graduates: "毕业生" };
  ledgerChart.setOption({
    color: palette,
    tooltip: { trigger: "axis" },
    legend: { bottom: 0 },
    grid: { left: 8, right: 8, top: 16, bottom: 56, containLabel: true },
    xAxis: { type: "category", data: data.subregions, axisLabel: { interval: 0, rotate: data.subregions.length > 6 ? 40 : 0 } },
    yAxis: { type: "value" },
    series: Object.entries(data.ledgers).map(([key, values]) => ({ name: names[key], type: "bar", data: values })),
  });
  charts.push(ledgerChart);

  window.addEventListener("resize", () => charts.forEach((chart) => chart.resize()));
})();
