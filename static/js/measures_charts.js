// The two charts of the measures page, drawn from the JSON in #measures-chart-data.
(function () {
  var data = JSON.parse(document.getElementById("measures-chart-data").textContent);
  var charts = [];
  var pct = { type: "value", name: data.labels.percent, min: 0, max: 100, axisLabel: { formatter: "{value}%" } };
  var rates = document.getElementById("chart-rates");
  if (rates && window.echarts) {
    var c1 = echarts.init(rates);
    c1.setOption({
      tooltip: { trigger: "axis", valueFormatter: function (v) { return v == null ? "—" : v + "%"; } },
      legend: { type: "scroll", top: 0 },
      grid: { left: 40, right: 10, top: 40, bottom: 60, containLabel: true },
      xAxis: { type: "category", data: data.areas, axisLabel: { interval: 0, rotate: data.areas.length > 4 ? 30 : 0 } },
      yAxis: pct,
      series: data.rates.map(function (s) { return { name: s.name, type: "bar", data: s.data }; })
    });
    charts.push(c1);
  }
  var trend = document.getElementById("chart-trend");
  if (trend && window.echarts) {
    var c2 = echarts.init(trend);
    c2.setOption({
      tooltip: { trigger: "axis" },
      legend: { top: 0 },
      grid: { left: 40, right: 40, top: 40, bottom: 30, containLabel: true },
      xAxis: { type: "category", data: data.weeks },
      yAxis: [{ type: "value", name: data.labels.count, minInterval: 1 }, pct],
      series: [
        { name: data.labels.received, type: "bar", data: data.received },
        { name: data.labels.closure, type: "line", yAxisIndex: 1, data: data.closure, connectNulls: true },
        { name: data.labels.response, type: "line", yAxisIndex: 1, data: data.response, connectNulls: true }
      ]
    });
    charts.push(c2);
  }
  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
})();
