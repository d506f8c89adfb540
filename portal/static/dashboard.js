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
  // Below this chart width (a phone) bar charts turn horizontal: region names then read across,
  // one per row, instead of being rotated and cut.
  const NARROW = 480;
  const ROW_HEIGHT = 26;
  const charts = [];

  // build(narrow) returns the chart's options for a narrow or a wide container.
  function chart(id, build) {
    const element = document.getElementById(id);
    if (!element) {
      return;
    }
    const instance = echarts.init(element, null, { renderer: "svg" });
    const entry = { element, instance, build, narrow: null };
    charts.push(entry);
    draw(entry);
  }

  function draw(entry) {
    const narrow = entry.element.clientWidth < NARROW;
    if (narrow !== entry.narrow) {
      entry.narrow = narrow;
      const option = entry.build(narrow);
      entry.element.style.height = option.height ? option.height + "px" : "";
      entry.instance.setOption(Object.assign({ color: palette }, option), true);
    }
    entry.instance.resize();
  }

  function bars(labels, series, names) {
    return function (narrow) {
      const categories = { type: "category", data: labels };
      const values = { type: "value", minInterval: 1 };
      const option = {
        tooltip: { trigger: "axis" },
        legend: { bottom: 0 },
        series: Object.entries(series).map(([key, numbers]) => ({ name: names[key], type: "bar", data: numbers })),
      };
      if (narrow) {
        // Horizontal: every label on its own row, the first region at the top.
        return Object.assign(option, {
          height: labels.length * ROW_HEIGHT + 90,
          legend: { top: 0 },  // above: at the bottom it would sit on the value axis' labels
          grid: { left: 8, right: 16, top: 36, bottom: 8, containLabel: true },
          yAxis: Object.assign(categories, { inverse: true, axisLabel: { interval: 0, width: 120, overflow: "truncate" } }),
          xAxis: Object.assign(values, { splitNumber: 3 }),
        });
      }
      return Object.assign(option, {
        grid: { left: 8, right: 8, top: 16, bottom: 56, containLabel: true },
        xAxis: Object.assign(categories, { axisLabel: { interval: 0, rotate: labels.length > 6 ? 40 : 0 } }),
        yAxis: values,
      });
    };
  }

  chart("location-chart", (narrow) => ({
    tooltip: { trigger: "item", formatter: "{b}：{c} 人（{d}%）" },
    legend: { bottom: 0 },
    series: [{
      // Narrow: a smaller ring leaves the labels room beside it, so they are not cut to "…".
      type: "pie", radius: narrow ? ["26%", "46%"] : ["40%", "68%"], center: ["50%", "45%"],
      label: { formatter: "{b}\n{d}%", overflow: "none" },
      data: data.location.map(([name, value]) => ({ name, value })),
    }],
  }));
  chart("ledger-chart", bars(data.subregions, data.ledgers,
    { intentions: "职教意愿", students: "在读", graduates: "毕业生" }));
  chart("county-chart", bars(data.keyCounties, data.keyCountyFigures, data.keyCountyLabels));

  // Redraw when the width changes: a turned phone, a resized window, and printing (the A4 sheet
  // is narrower than the screen; the print media query changes once its layout applies).
  const redraw = () => charts.forEach(draw);
  window.addEventListener("resize", redraw);
  window.matchMedia("print").addEventListener("change", redraw);
})();
