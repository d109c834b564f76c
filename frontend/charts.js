// The report pages' charts: every element with data-chart (a json_script id) becomes an ECharts chart.
// The data and every word on it come from the page (portal/reports/pages.py, translated there); a point
// that stands for records links to them.
import { init, use, registerLocale } from "echarts/core";
import { BarChart, LineChart, FunnelChart } from "echarts/charts";
import { GridComponent, TooltipComponent, LegendComponent } from "echarts/components";
import { CanvasRenderer } from "echarts/renderers";
import langZH from "echarts/lib/i18n/langZH.js";

use([BarChart, LineChart, FunnelChart, GridComponent, TooltipComponent, LegendComponent, CanvasRenderer]);
registerLocale("ZH", langZH);

function options(spec, narrow) {
  const legend = { type: "scroll", top: 0 };
  const tooltip = { trigger: spec.kind === "funnel" ? "item" : "axis", confine: true };
  if (spec.kind === "funnel") {
    return {
      tooltip,
      legend,
      series: [{ type: "funnel", top: 40, bottom: 10, left: "10%", width: "80%", sort: "none", gap: 2, minSize: "15%",
        label: { show: true, position: "inside", formatter: "{b}: {c}" }, data: spec.data }],
    };
  }
  return {
    tooltip,
    legend,
    grid: { top: 40, left: 8, right: 8, bottom: 8, containLabel: true },
    xAxis: { type: "category", data: spec.categories,
      axisLabel: { rotate: narrow || spec.categories.length > 8 ? 40 : 0, hideOverlap: true } },
    yAxis: { type: "value", axisLabel: { formatter: spec.percent ? "{value}%" : "{value}" } },
    series: spec.series.map((s) => ({ name: s.name, type: spec.kind, data: s.data,
      stack: spec.stack ? "all" : undefined, smooth: spec.kind === "line", connectNulls: true })),
  };
}

function draw(element) {
  const spec = JSON.parse(document.getElementById(element.dataset.chart).textContent);
  const locale = document.documentElement.lang.toLowerCase().startsWith("zh") ? "ZH" : "EN";
  const chart = init(element, null, { locale, renderer: "canvas" });
  chart.setOption(options(spec, element.clientWidth < 500));
  chart.on("click", (params) => {
    const series = (spec.series || [])[params.seriesIndex];
    const link = series && series.links ? series.links[params.dataIndex] : "";
    if (link) window.location.href = link;
  });
  new ResizeObserver(() => chart.resize()).observe(element);
}

document.querySelectorAll("[data-chart]").forEach(draw);
