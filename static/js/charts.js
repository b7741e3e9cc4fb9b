// Draws every <canvas data-chart="ID"> from the JSON config in <script id="ID" type="application/json">.
// The server builds the Chart.js config; `links` (one URL per point) makes points and bars drill down.
(function () {
  function draw(root) {
    if (!window.Chart) return;
    root.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
      var source = document.getElementById(canvas.dataset.chart);
      if (!source) return;
      var existing = Chart.getChart(canvas);
      if (existing) existing.destroy();
      var config = JSON.parse(source.textContent);
      var links = config.links || null;
      delete config.links;
      config.options = config.options || {};
      config.options.responsive = true;
      config.options.maintainAspectRatio = false;
      if (links) {
        config.options.onClick = function (event, elements) {
          if (elements.length && links[elements[0].index]) window.location.href = links[elements[0].index];
        };
        config.options.onHover = function (event, elements) {
          event.native.target.style.cursor = elements.length ? "pointer" : "default";
        };
      }
      new Chart(canvas, config);
      canvas.dataset.drawn = "true";
    });
  }
  document.addEventListener("DOMContentLoaded", function () { draw(document); });
  document.addEventListener("htmx:afterSettle", function (event) { draw(event.target); });
})();
