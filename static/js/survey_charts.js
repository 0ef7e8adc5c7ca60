// The bar charts of a survey's results, drawn from the JSON in #survey-charts.
(function () {
  var node = document.getElementById("survey-charts");
  if (!node || !window.echarts) { return; }
  JSON.parse(node.textContent).forEach(function (c) {
    var el = document.getElementById("chart-" + c.id);
    if (!el) { return; }
    echarts.init(el).setOption({
      grid: { left: 90, right: 16, top: 8, bottom: 24 }, tooltip: {},
      xAxis: { type: "value", minInterval: 1 }, yAxis: { type: "category", data: c.labels },
      series: [{ type: "bar", data: c.counts }]
    });
  });
})();
