// The bureau dashboard's charts (Apache ECharts, served by the portal). The numbers are also in
// the page as stat cards and tables, so without JavaScript nothing is lost.
"use strict";

(function () {
  const source = document.getElementById("dashboard-data");
  if (!source || !window.echarts) {
    return;
  }
  const data = JSON.parse(source.textContent);
  const palette = ["#0f766e", "#d97706", "#2563eb", "#7c3aed"];
  const charts = [];

  function chart(id, option) {
    const element = document.getElementById(id);
    if (!element) {
      return;
    }
    const instance = echarts.init(element, null, { renderer: "svg" });
    instance.setOption(Object.assign({ color: palette }, option));
    charts.push(instance);
  }

  function bars(labels, series, names) {
    return {
      tooltip: { trigger: "axis" },
      legend: { bottom: 0 },
      grid: { left: 8, right: 8, top: 16, bottom: 56, containLabel: true },
      xAxis: { type: "category", data: labels, axisLabel: { interval: 0, rotate: labels.length > 6 ? 40 : 0 } },
      yAxis: { type: "value", minInterval: 1 },
      series: Object.entries(series).map(([key, values]) => ({ name: names[key], type: "bar", data: values })),
    };
  }

  chart("location-chart", {
    tooltip: { trigger: "item", formatter: "{b}：{c} 人（{d}%）" },
    legend: { bottom: 0 },
    series: [{
      type: "pie", radius: ["40%", "68%"], center: ["50%", "45%"],
      label: { formatter: "{b}\n{d}%" },
      data: data.location.map(([name, value]) => ({ name, value })),
    }],
  });
  chart("ledger-chart", bars(data.subregions, data.ledgers,
    { intentions: "职教意愿", students: "在读", graduates: "毕业生" }));
  chart("county-chart", bars(data.keyCounties, data.keyCountyFigures,
    { graduates: "毕业生", employed: "已就业" }));

  window.addEventListener("resize", () => charts.forEach((instance) => instance.resize()));
})();
