// Draws the dashboard's charts from the JSON the page embeds; tables carry the same data.
(function () {
  function draw() {
    if (!window.echarts) return;
    var data = JSON.parse(document.getElementById("chart-data").textContent);
    var dark = document.body.classList.contains("screen");
    var theme = dark ? "dark" : null;
    function chart(id, option) {
      var el = document.getElementById(id);
      if (!el) return;
      var c = echarts.init(el, theme);
      c.setOption(option);
      window.addEventListener("resize", function () { c.resize(); });
    }
    chart("chart-trend", {
      tooltip: {trigger: "axis"}, legend: {data: ["收到", "有效", "已办结"]},
      xAxis: {type: "category", data: data.trend.map(function (r) { return r.bucket; })},
      yAxis: {type: "value"},
      series: [
        {name: "收到", type: "line", data: data.trend.map(function (r) { return r.received; })},
        {name: "有效", type: "line", data: data.trend.map(function (r) { return r.effective; })},
        {name: "已办结", type: "bar", data: data.trend.map(function (r) { return r.completed; })}
      ]
    });
    function pie(id, rows, title) {
      chart(id, {title: {text: title, left: "center", textStyle: {fontSize: 14}},
        tooltip: {trigger: "item"},
        series: [{type: "pie", radius: ["35%", "65%"],
          data: rows.map(function (r) { return {name: r[0], value: r[1]}; })}]});
    }
    pie("chart-kinds", data.kinds, "按二维码类型");
    pie("chart-types", data.types, "按诉求类型");
    chart("chart-towns", {
      tooltip: {trigger: "axis"}, grid: {left: 90},
      xAxis: {type: "value", min: 80, max: 100, name: "满意度%"},
      yAxis: {type: "category", inverse: true, data: data.towns.map(function (r) { return r[0]; })},
      series: [{type: "bar", data: data.towns.map(function (r) { return r[1]; })}]
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", draw);
  else draw();
})();
