// The command centre's sparklines: one small line per card, from the JSON in #command-sparks.
(function () {
  var node = document.getElementById("command-sparks");
  if (!node || !window.echarts) { return; }
  var sparks = JSON.parse(node.textContent);
  var charts = [];
  document.querySelectorAll("[data-spark]").forEach(function (el) {
    var data = sparks[el.getAttribute("data-spark")];
    if (!data) { return; }
    var chart = echarts.init(el);
    chart.setOption({
      grid: { left: 2, right: 2, top: 4, bottom: 2 },
      xAxis: { type: "category", show: false, data: data.map(function (_v, i) { return i; }) },
      yAxis: { type: "value", show: false },
      series: [{ type: "line", data: data, symbol: "none", connectNulls: true, areaStyle: { opacity: 0.15 } }]
    });
    charts.push(chart);
  });
  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
})();
