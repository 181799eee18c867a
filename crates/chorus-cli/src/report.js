// chorus report: search and filters over the overview and the cluster sections, opening a
// cluster from its link, and an outlet filter from the network's nodes. No external file.
(function () {
  'use strict';
  var $ = function (id) { return document.getElementById(id); };
  var q = $('q'), coord = $('coord'), outlet = $('outlet'), shown = $('shown');
  var rows = Array.prototype.slice.call(document.querySelectorAll('#overview-table tbody tr'));
  function apply() {
    var words = q.value.toLowerCase().split(/\s+/).filter(Boolean);
    var o = outlet.value, n = 0;
    rows.forEach(function (r) {
      var ok = (!coord.checked || r.dataset.coord === '1') &&
        (!o || r.dataset.outlets.split('\n').indexOf(o) >= 0) &&
        words.every(function (w) { return r.dataset.search.indexOf(w) >= 0; });
      r.hidden = !ok;
      var s = $('cluster-' + r.dataset.cluster);
      if (s) s.hidden = !ok;
      if (ok) n++;
    });
    shown.textContent = n + ' of ' + rows.length + ' clusters';
    document.querySelectorAll('.network .node').forEach(function (g) {
      g.classList.toggle('on', !!o && g.dataset.outlet === o);
    });
  }
  q.addEventListener('input', apply);
  coord.addEventListener('change', apply);
  outlet.addEventListener('change', apply);
  $('filters').addEventListener('submit', function (e) { e.preventDefault(); });
  function each(open) {
    document.querySelectorAll('details.cluster').forEach(function (d) { if (!d.hidden) d.open = open; });
  }
  $('open-all').addEventListener('click', function () { each(true); });
  $('close-all').addEventListener('click', function () { each(false); });
  document.querySelectorAll('.network .node').forEach(function (g) {
    g.addEventListener('click', function () {
      var o = g.dataset.outlet;
      outlet.value = outlet.value === o ? '' : o;
      apply();
      $('overview').scrollIntoView();
    });
  });
  function openHash() {
    var d = document.getElementById(decodeURIComponent(location.hash.slice(1)));
    if (d && d.tagName === 'DETAILS') { d.open = true; d.scrollIntoView(); }
  }
  window.addEventListener('hashchange', openHash);
  openHash();
})();
