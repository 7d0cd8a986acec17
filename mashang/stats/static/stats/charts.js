// Draws the dashboard's charts from the JSON the page embeds; tables carry the same data.
// On the wall screen (body.screen) each panel's heading is the chart's title; on the overview
// the chart carries its own.
(function () {
  function draw() {
    if (!window.echarts) return;
    var data = JSON.parse(document.getElementById("chart-data").textContent);
    var dark = document.body.classList.contains("screen");
    var theme = dark ? "dark" : null;
    var text = dark ? 13 : 12;
    function titled(option, title) {
      if (!dark) option.title = {text: title, left: "center", textStyle: {fontSize: 14}};
      if (dark) option.backgroundColor = "transparent";
      option.textStyle = {fontSize: text};
      return option;
    }
    function chart(id, title, option) {
      var el = document.getElementById(id);
      if (!el) return;
      var c = echarts.init(el, theme);
      c.setOption(titled(option, title));
      window.addEventListener("resize", function () { c.resize(); });
    }
    var top = dark ? 30 : 50;
    chart("chart-trend", "诉求趋势", {
      tooltip: {trigger: "axis"},
      legend: {data: ["收到", "有效", "已办结"], top: dark ? 4 : 30, textStyle: {fontSize: text}},
      grid: {left: 48, right: 20, top: top + 20, bottom: 30},
      xAxis: {type: "category", data: data.trend.map(function (r) { return r.bucket; }),
        axisLabel: {fontSize: text}},
      yAxis: {type: "value", name: "件", axisLabel: {fontSize: text}},
      series: [
        {name: "收到", type: "line", data: data.trend.map(function (r) { return r.received; })},
        {name: "有效", type: "line", data: data.trend.map(function (r) { return r.effective; })},
        {name: "已办结", type: "bar", data: data.trend.map(function (r) { return r.completed; })}
      ]
    });
    function pie(id, rows, title) {
      chart(id, title, {
        tooltip: {trigger: "item", formatter: "{b}：{c} 件（{d}%）"},
        legend: {type: "scroll", bottom: 4, textStyle: {fontSize: text}},
        series: [{type: "pie", radius: ["32%", "62%"], center: ["50%", dark ? "46%" : "52%"],
          label: {formatter: "{d}%", fontSize: text}, labelLine: {length: 6, length2: 6},
          data: rows.map(function (r) { return {name: r[0], value: r[1]}; })}]
      });
    }
    function bars(id, rows, title) {
      chart(id, title, {
        tooltip: {trigger: "axis"},
        grid: {left: 8, right: 56, top: dark ? 8 : 40, bottom: 8, containLabel: true},
        xAxis: {type: "value", show: false},
        yAxis: {type: "category", inverse: true, data: rows.map(function (r) { return r[0]; }),
          axisLabel: {interval: 0, fontSize: text}},
        series: [{type: "bar", barMaxWidth: 28, data: rows.map(function (r) { return r[1]; }),
          label: {show: true, position: "right", formatter: "{c} 件", fontSize: text}}]
      });
    }
    // Long QR names read better beside bars than in a pie's legend on a 1366 px screen.
    if (dark) bars("chart-kinds", data.kinds, "按二维码类型");
    else pie("chart-kinds", data.kinds, "按二维码类型");
    pie("chart-types", data.types, "按诉求类型");
    function floor(v) { return Math.max(0, Math.floor((v.min - 5) / 10) * 10); }
    function ranking(id, title, rows) {
      chart(id, title, {
        tooltip: {trigger: "axis", valueFormatter: function (v) { return v + "%"; }},
        grid: {left: 8, right: 64, top: dark ? 8 : 40, bottom: 24, containLabel: true},
        xAxis: {type: "value", min: floor, max: 100,
          axisLabel: {fontSize: text, formatter: "{value}%"}},
        yAxis: {type: "category", inverse: true, data: rows.map(function (r) { return r[0]; }),
          axisLabel: {interval: 0, fontSize: text}},
        series: [{type: "bar", data: rows.map(function (r) { return r[1]; }),
          label: {show: true, position: "right", formatter: "{c}%", fontSize: text - 1}}]
      });
    }
    ranking("chart-towns", "乡镇满意度排名", data.towns);
    if (data.units) ranking("chart-units", "承办单位按期办结率", data.units);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", draw);
  else draw();
})();
