/* Charts of the dashboards (templates/dashboards/org.html and screen.html).
 * Data comes from the json_script block "dashboard-data"; the large screen
 * (#screen[data-api-url]) re-reads /api/v1/dashboards/<id>/ every minute and
 * redraws. No inline script: the pages run under a strict CSP. */
(function () {
  "use strict";

  var dataNode = document.getElementById("dashboard-data");
  if (!dataNode || typeof echarts === "undefined") {
    return;
  }
  var data = JSON.parse(dataNode.textContent);
  var labels = data.labels;
  var screen = document.getElementById("screen");
  var theme = screen ? "dark" : null;
  var charts = {};

  function chartOn(id) {
    var el = document.getElementById(id);
    if (!el) {
      return null;
    }
    if (!charts[id]) {
      charts[id] = echarts.init(el, theme);
    }
    return charts[id];
  }

  function fontSize() {
    // Large screen: text scales with its height.
    return screen ? Math.max(12, Math.round(window.innerHeight / 70)) : 12;
  }

  function base() {
    var size = fontSize();
    return {
      backgroundColor: "transparent",
      textStyle: { fontSize: size },
      tooltip: { trigger: "axis", textStyle: { fontSize: size } },
      grid: { left: 8, right: 16, top: 32, bottom: 8, containLabel: true }
    };
  }

  function childBar(id, key, color, percent) {
    var el = document.getElementById(id);
    if (el && !screen) {
      // One bar a row: the chart grows with the number of organisations.
      el.style.height = Math.max(240, data.children.length * 28 + 60) + "px";
    }
    var chart = chartOn(id);
    if (!chart) {
      return;
    }
    chart.resize();
    var option = base();
    var rows = data.children;
    // Horizontal bars: long organisation names stay readable.
    option.tooltip.axisPointer = { type: "shadow" };
    option.yAxis = {
      type: "category",
      inverse: true,
      data: rows.map(function (r) { return r.name; }),
      axisLabel: {
        interval: 0,
        width: screen ? Math.round(window.innerWidth / 12) : 120,
        overflow: "truncate",
        fontSize: fontSize()
      }
    };
    option.xAxis = {
      type: "value",
      max: percent ? 100 : null,
      axisLabel: { formatter: percent ? "{value}%" : "{value}", fontSize: fontSize() }
    };
    option.series = [{
      name: labels[key],
      type: "bar",
      data: rows.map(function (r) { return r[key]; }),
      itemStyle: { color: color },
      label: {
        show: rows.length <= 20,
        position: "right",
        formatter: percent ? "{c}%" : "{c}",
        fontSize: fontSize()
      }
    }];
    chart.setOption(option, true);
    if (!screen && !chart._drills) {
      // A click on a bar opens that organisation's dashboard (drill-down).
      chart._drills = true;
      chart.on("click", function (params) {
        var row = data.children[params.dataIndex];
        if (row && row.url) {
          window.location.href = row.url;
        }
      });
    }
  }

  function monthLine() {
    var chart = chartOn("chart-months");
    if (!chart) {
      return;
    }
    var option = base();
    option.legend = { top: 0, textStyle: { fontSize: fontSize() } };
    option.grid.top = 40;
    option.xAxis = {
      type: "category",
      data: data.months.map(function (m) { return labels.months[m.month - 1]; }),
      axisLabel: { fontSize: fontSize() }
    };
    option.yAxis = [
      { type: "value", name: labels.activities, minInterval: 1, axisLabel: { fontSize: fontSize() } },
      {
        type: "value",
        name: labels.attendance_rate,
        min: 0,
        max: 100,
        axisLabel: { formatter: "{value}%", fontSize: fontSize() },
        splitLine: { show: false }
      }
    ];
    option.series = [
      {
        name: labels.activities,
        type: "line",
        data: data.months.map(function (m) { return m.activities; }),
        itemStyle: { color: "#ef5350" }
      },
      {
        name: labels.attendance_rate,
        type: "line",
        yAxisIndex: 1,
        data: data.months.map(function (m) { return m.attendance_rate; }),
        itemStyle: { color: "#42a5f5" }
      }
    ];
    chart.setOption(option, true);
  }

  function drawAll() {
    childBar("chart-education", "education_rate", "#ef6c00", true);
    childBar("chart-members", "members", "#c62828", false);
    monthLine();
  }

  drawAll();
  window.addEventListener("resize", function () {
    Object.keys(charts).forEach(function (id) { charts[id].resize(); });
  });

  if (!screen || !screen.dataset.apiUrl || !window.fetch) {
    return;
  }

  // --- the large screen refreshes itself ---

  function text(value) {
    return value === null || value === undefined ? "—" : String(value);
  }

  function minute(iso) {
    // "2026-12-01T10:28:36.1+08:00" -> "2026-12-01 10:28" (the server's time zone).
    return iso ? iso.slice(0, 16).replace("T", " ") : "—";
  }

  function fillTop(children) {
    var body = document.getElementById("screen-top");
    if (!body) {
      return;
    }
    var rows = children.slice().sort(function (a, b) {
      return (b.values.members || 0) - (a.values.members || 0);
    }).slice(0, 10);
    body.replaceChildren.apply(body, rows.map(function (row) {
      var tr = document.createElement("tr");
      [
        row.organization.name,
        text(row.values.members),
        text(row.values.education_rate) + "%",
        text(row.values.cases_overdue)
      ].forEach(function (value) {
        var td = document.createElement("td");
        td.textContent = value;
        tr.appendChild(td);
      });
      return tr;
    }));
  }

  function apply(board) {
    board.metrics.forEach(function (metric) {
      document.querySelectorAll('[data-key="' + metric.key + '"]').forEach(function (el) {
        el.textContent = text(metric.value);
      });
    });
    document.getElementById("screen-fresh").textContent = minute(board.computed_at);
    data.children = board.children.map(function (row) {
      return {
        name: row.organization.name,
        members: row.values.members || 0,
        education_rate: row.values.education_rate || 0
      };
    });
    data.months = board.months;
    fillTop(board.children);
    drawAll();
  }

  function refresh() {
    var stale = document.getElementById("screen-stale");
    fetch(screen.dataset.apiUrl, {
      credentials: "same-origin",
      headers: { Accept: "application/json" }
    }).then(function (response) {
      if (!response.ok) {
        throw new Error(response.status);
      }
      return response.json();
    }).then(function (board) {
      apply(board);
      stale.hidden = true;
    }).catch(function () {
      stale.hidden = false;
    });
  }

  var seconds = parseInt(screen.dataset.refreshSeconds, 10) || 60;
  window.setInterval(refresh, seconds * 1000);
})();
