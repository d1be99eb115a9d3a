// Report charts (ECharts, SVG renderer so they print sharply). Each .report-chart carries its data in
// data-json and its kind in data-chart; no inline script (CSP).
(function () {
  "use strict";
  if (typeof echarts === "undefined" || window.jiesuReports) { return; }
  window.jiesuReports = true;
  var palette = ["#3b6fb6", "#e07b39", "#4a9a5b", "#c23b3b", "#8c6bb1", "#6c757d"];
  var grid = { left: 48, right: 24, top: 36, bottom: 40, containLabel: true };
  // the words the charts draw, in the reader's language (reports/_chart_scripts.html), Chinese without them
  var texts = { received: "受理", open_of_received: "其中未办结", closed: "办结", open: "未办结", overdue: "超期",
    count: "件数", tickets: "{n} 件" };
  var holder = document.getElementById("jiesu-chart-texts");
  if (holder && holder.dataset.json) { Object.assign(texts, JSON.parse(holder.dataset.json)); }
  // A tooltip formatter's string is HTML to ECharts: names from tickets (streets, topics) go in as text.
  function text(value) {
    return String(value == null ? "" : value).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }
  var builders = {
    rates: function (d) {
      var labelled = {};  // one label per target value (解决率 and 满意率 share 90 %): no two texts on one line
      var top = Math.max.apply(null, d.series.map(function (s) { return s.target == null ? -1 : s.target; }));
      return {
        color: palette, tooltip: { trigger: "axis", valueFormatter: function (v) { return v == null ? "—" : v + "%"; } },
        legend: { top: 0 }, grid: grid,
        xAxis: { type: "category", data: d.months },
        // (no rate at all: ECharts gives no minimum, and a NaN axis would draw no target line)
        yAxis: { type: "value", min: function (v) { return Math.max(0, Math.floor(Math.min(isFinite(v.min) ? v.min : 85, 85) / 5) * 5); }, max: 100, axisLabel: { formatter: "{value}%" } },
        series: d.series.map(function (s) {
          var first = s.target != null && !labelled[s.target];
          if (first) { labelled[s.target] = true; }
          return { name: s.name, type: "line", data: s.data, connectNulls: true, label: { show: true, formatter: "{c}%", fontSize: 10 },
            markLine: s.target == null ? undefined : { symbol: "none", lineStyle: { type: "dashed" }, data: [{ yAxis: s.target }],
              label: { show: first, position: s.target === top ? "insideEndTop" : "insideEndBottom", formatter: s.target_label || ("目标 " + s.target + "%"), fontSize: 10 } } };
        })
      };
    },
    daily: function (d) {
      return {
        color: palette, tooltip: { trigger: "axis" }, legend: { top: 0 }, grid: grid,
        xAxis: { type: "category", data: d.labels, axisLabel: { formatter: function (v) { return v.length > 5 ? v.slice(5) : v; } } },
        yAxis: { type: "value", minInterval: 1 },
        series: [{ name: texts.received, type: "bar", data: d.received }, { name: texts.open_of_received, type: "line", data: d.open }]
      };
    },
    bars: function (d) {
      return {
        color: palette, tooltip: { trigger: "axis" }, grid: { left: 8, right: 24, top: 10, bottom: 10, containLabel: true },
        xAxis: { type: "value", minInterval: 1 }, yAxis: { type: "category", data: d.labels.slice().reverse() },
        series: [{ name: texts.received, type: "bar", data: d.values.slice().reverse(), label: { show: true, position: "right" } }]
      };
    },
    stack: function (d) {
      // 办结 only when there are closed tickets (the board sends open ones only)
      var series = d.closed ? [{ name: texts.closed, type: "bar", stack: "a", data: d.closed, itemStyle: { color: palette[2] } }] : [];
      return {
        tooltip: { trigger: "axis" }, legend: { top: 0 }, grid: grid,
        xAxis: { type: "category", data: d.labels, axisLabel: { interval: 0, rotate: d.labels.length > 4 ? 20 : 0 } },
        yAxis: { type: "value", minInterval: 1 },
        series: series.concat([{ name: texts.open, type: "bar", stack: "a", data: d.open, itemStyle: { color: palette[1] } },
          { name: texts.overdue, type: "line", data: d.overdue, itemStyle: { color: palette[3] }, lineStyle: { color: palette[3] } }])
      };
    },
    heat: function (d) {
      var max = d.cells.reduce(function (m, c) { return Math.max(m, c[2]); }, 1);
      return {
        tooltip: { position: "top", formatter: function (p) { return text(d.streets[p.value[1]]) + " · " + text(d.topics[p.value[0]]) + "：" + texts.tickets.replace("{n}", p.value[2]); } },
        grid: { left: 8, right: 24, top: 10, bottom: 60, containLabel: true },
        xAxis: { type: "category", data: d.topics, splitArea: { show: true } },
        yAxis: { type: "category", data: d.streets, splitArea: { show: true } },
        visualMap: { min: 0, max: max, calculable: true, orient: "horizontal", left: "center", bottom: 0, inRange: { color: ["#f7fbff", "#6baed6", "#08306b"] } },
        series: [{ name: texts.received, type: "heatmap", data: d.cells, label: { show: true } }]
      };
    },
    buckets: function (d) {
      return {
        color: palette, tooltip: { trigger: "axis" }, grid: grid,
        xAxis: { type: "category", data: d.map(function (b) { return b.label; }), axisLabel: { interval: 0, rotate: 20 } },
        yAxis: { type: "value", minInterval: 1 },
        series: [{ name: texts.count, type: "bar", data: d.map(function (b) { return b.count; }), label: { show: true, position: "top" } }]
      };
    }
  };
  var charts = [];
  function draw(el, data) {
    var build = builders[el.dataset.chart];
    if (!build) { return; }
    var chart = echarts.init(el, null, { renderer: "svg" });
    chart.setOption(Object.assign({ animation: false, textStyle: { fontFamily: "inherit" } }, build(data)));
    el.setAttribute("data-rendered", "1");
    charts.push(chart);
  }
  document.querySelectorAll(".report-chart[data-chart][data-json]").forEach(function (el) {
    draw(el, JSON.parse(el.dataset.json));
  });
  var sources = {};
  document.querySelectorAll(".report-chart[data-chart][data-src]").forEach(function (el) {
    var src = el.dataset.src;
    sources[src] = sources[src] || fetch(src, { credentials: "same-origin" }).then(function (r) { return r.json(); });
    sources[src].then(function (data) { draw(el, data[el.dataset.part]); });
  });
  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
  window.addEventListener("beforeprint", function () { charts.forEach(function (c) { c.resize(); }); });
  var kind = document.getElementById("report-kind");
  function showInputs() {
    document.querySelectorAll("#report-period [data-kinds]").forEach(function (el) {
      var on = el.dataset.kinds.split(" ").indexOf(kind.value) >= 0;
      el.hidden = !on;
      el.querySelectorAll("input").forEach(function (i) { i.disabled = !on; });
    });
  }
  if (kind) { kind.addEventListener("change", showInputs); showInputs(); }
  var printNow = document.getElementById("print-now");
  if (printNow) { printNow.addEventListener("click", function () { window.print(); }); }
})();
